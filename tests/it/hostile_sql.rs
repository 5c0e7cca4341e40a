//! Hostile SQL through the command line: every file of `tests/hostile/sql/` (whose first line
//! says `-- expect: <part of the message>`) and chains of 100,000 terms generated here are run
//! by `rask query`. Each must fail with that clear message: a non-zero exit code (not a
//! signal), no panic text, and nothing written outside `--out`. The SQL prompt must survive
//! them too.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rask"))
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Runs `rask query` on `sql` from an empty working directory in a fresh temporary tree, with
/// `--out` two levels down; checks the run failed cleanly with `expect` in its message and
/// wrote nothing outside `--out`.
fn fails_cleanly(name: &str, sql: &str, expect: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let (work, out) = (tmp.path().join("work"), tmp.path().join("a/b/out"));
    std::fs::create_dir_all(&work).unwrap();
    let file = tmp.path().join("query.sql");
    std::fs::write(&file, sql).unwrap();
    let run: Output = rask()
        .current_dir(&work)
        .args(["query", "--threads", "2", "--input"])
        .arg(repo().join("data/nano-20k.root"))
        .arg("--out")
        .arg(&out)
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.code().is_some_and(|c| c != 0),
        "{name}: {:?}\n{stderr}",
        run.status
    );
    for bad in [
        "panicked",
        "RUST_BACKTRACE",
        "stack overflow",
        "fatal runtime error",
    ] {
        assert!(!stderr.contains(bad), "{name}: {stderr}");
    }
    assert!(
        stderr.contains(expect),
        "{name}: expected {expect:?} in\n{stderr}"
    );
    // Only the query file and, under --out, nothing but results may exist.
    for f in files_under(tmp.path()) {
        assert!(
            f == file || f.starts_with(&out),
            "{name}: wrote {} outside --out",
            f.display()
        );
    }
    assert!(!Path::new("/elsewhere/ESCAPE.json").exists(), "{name}");
}

#[test]
fn hostile_sql_files_fail_cleanly() {
    let dir = repo().join("tests/hostile/sql");
    let mut files: Vec<PathBuf> = files_under(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "hostile SQL files in {}", dir.display());
    for f in &files {
        let sql = std::fs::read_to_string(f).unwrap();
        let expect = sql
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("-- expect: "))
            .unwrap_or_else(|| panic!("{}: first line `-- expect: ...`", f.display()));
        let name = f.file_name().unwrap().to_string_lossy();
        fails_cleanly(&name, &sql, expect);
    }
}

/// The two shapes that overflowed the stack: a `+` chain in a histogram and an `AND` chain in
/// WHERE, 100,000 terms each (too large to commit).
fn chains() -> [(String, String); 2] {
    [
        (
            "plus".to_string(),
            format!(
                "SELECT hist(MET.pt{}, 10, 0, 100) AS a FROM events;",
                " + 1.0".repeat(100_000)
            ),
        ),
        (
            "and".to_string(),
            format!(
                "SELECT hist(MET.pt, 10, 0, 100) AS a FROM events WHERE MET.pt > 0{};",
                " AND MET.pt > 1".repeat(100_000)
            ),
        ),
    ]
}

#[test]
fn chains_of_100000_terms_fail_cleanly() {
    for (name, sql) in chains() {
        fails_cleanly(&name, &sql, "nests more than 1000 operations deep");
    }
}

#[test]
fn the_sql_prompt_survives_chains_of_100000_terms() {
    use std::io::Write;
    let mut child = rask()
        .arg("sql")
        .arg("--input")
        .arg(repo().join("data/nano-20k.root"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let [(_, plus), (_, and)] = chains();
    let script = format!("{plus}\n{and}\nSELECT count(*) AS n FROM events;\n");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(script.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{:?}\n{stderr}", out.status);
    let all = format!("{stdout}{stderr}");
    assert_eq!(
        all.matches("nests more than 1000 operations deep").count(),
        2,
        "{all}"
    );
    assert!(stdout.contains("n = 20000"), "{stdout}");
    // The statement is shown around the error, not in full.
    assert!(all.len() < 10_000, "{} bytes of output", all.len());
}
