//! The documents say what the code does: README's list of `data/` matches the directory, and
//! the plan listing in `docs/tutorial-q8.md` has the headers (node and pass counts) that
//! `explain()` prints for Q8.

use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The text of README's section `## title`, up to the next `## `.
fn section(text: &str, title: &str) -> String {
    let start = text
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("README has no section {title}"));
    let rest = &text[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
    rest[..end].to_string()
}

/// The `code` spans of a Markdown text.
fn code_spans(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Every entry of `data/` is named in README's Data section (as `name`, `name/...` or
/// `data/name`), and every file it names there exists.
#[test]
fn readme_lists_the_files_of_data() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let spans = code_spans(&section(&readme, "Data"));
    // File names: under `data/`, or with the extension of a data file (not `Events`, a tree,
    // nor `tests/....py`, a script).
    let data_like = |s: &&String| {
        s.starts_with("data/")
            || [".root", ".parquet", ".json", ".md"]
                .iter()
                .any(|e| s.ends_with(e))
    };
    let named: Vec<String> = spans
        .iter()
        .filter(data_like)
        .map(|s| s.strip_prefix("data/").unwrap_or(s).to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let mut entries: Vec<String> = std::fs::read_dir(repo().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    entries.sort();
    for entry in &entries {
        assert!(
            named
                .iter()
                .any(|n| n == entry || n.starts_with(&format!("{entry}/"))),
            "data/{entry} is not in README's Data section ({named:?})"
        );
    }
    for n in &named {
        assert!(
            repo().join("data").join(n).exists(),
            "README's Data section names data/{n}, which does not exist (data/ has {entries:?})"
        );
    }
}

/// The `== ... ==` headers of the tutorial's `explain()` listing are the ones Q8's plan prints.
#[test]
fn tutorial_explain_headers_match_the_run() {
    let ctx = rask::Context::new();
    // The path as the tutorial gives it (tests run in the package root): plan keys include the
    // source's paths, and CSE orders commutative operands by key, so another spelling of the
    // path may number the nodes of the optimised listing differently.
    assert!(std::path::Path::new("data/nano-20k.root").exists());
    let events = rask::sources::open(&ctx, "events", &["data/nano-20k.root"], "Events").unwrap();
    let q8 = rask::adl::q8(&ctx, &events).unwrap();
    let text = q8.explain().unwrap();
    let printed: Vec<&str> = text.lines().filter(|l| l.starts_with("== ")).collect();
    let tutorial = std::fs::read_to_string(repo().join("docs/tutorial-q8.md")).unwrap();
    let documented: Vec<&str> = tutorial.lines().filter(|l| l.starts_with("== ")).collect();
    assert_eq!(documented, printed);
    // The listing is abridged (`  …` lines, types cut to `: …`), but the lines it shows
    // whole are printed so.
    let lines: Vec<&str> = text.lines().collect();
    for l in tutorial.lines() {
        if (l.starts_with("  %") || l.starts_with("  events: ")) && !l.ends_with('…') {
            assert!(
                lines.contains(&l),
                "the tutorial shows `{l}`; explain() prints:\n{text}"
            );
        }
    }
}
