//! `rask sql`: the prompt on a real pseudo-terminal (continuation prompt, `.open` with a tree,
//! `.schema` of a whole collection, errors with suggestions) and the same through a pipe.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
        .display()
        .to_string()
}

/// The fields of `Muon` in the sample, as `gen_nanoaod.py` (which wrote it) lists them.
const MUON: [&str; 15] = [
    "pt",
    "eta",
    "phi",
    "mass",
    "charge",
    "pfRelIso03_all",
    "pfRelIso04_all",
    "tightId",
    "softId",
    "dxy",
    "dxyErr",
    "dz",
    "dzErr",
    "jetIdx",
    "genPartIdx",
];

/// Runs `rask sql ARGS` with `script` on its standard input: (stdout, stderr).
fn piped(args: &[&str], script: &str) -> (String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rask"))
        .arg("sql")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

/// Types `text` and Enter (a carriage return, as a terminal sends it).
#[cfg(unix)]
fn type_line(
    p: &mut rexpect::session::PtySession,
    text: &str,
) -> Result<(), rexpect::error::Error> {
    p.send(&format!("{text}\r"))?;
    p.flush()
}

/// On a terminal: no table at the start and how to open one; `.open` with a tree; a statement
/// over two lines shows the continuation prompt; `.schema Muon` lists all 15 fields; a
/// misspelt name is an error that suggests the right one.
#[cfg(unix)]
#[test]
fn the_prompt_on_a_terminal() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rask"));
    cmd.arg("sql").env("HOME", home.path()).env("TERM", "xterm");
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).unwrap();
    p.exp_string("No table is open. `.open events FILE... [TREE]`")
        .unwrap();
    p.exp_string("rask> ").unwrap();
    type_line(
        &mut p,
        &format!(".open events {} Events", data("nano-20k.root")),
    )
    .unwrap();
    p.exp_string("registered events: 1 file, tree Events")
        .unwrap();
    p.exp_string("rask> ").unwrap();
    type_line(&mut p, "SELECT count(*) AS n").unwrap();
    p.exp_string(" ...> ").unwrap();
    type_line(&mut p, "FROM events WHERE len(Muon) >= 2").unwrap();
    p.exp_string(" ...> ").unwrap();
    type_line(&mut p, ";").unwrap();
    p.exp_regex(r"n = \d+").unwrap();
    p.exp_string("rask> ").unwrap();
    type_line(&mut p, ".schema Muon").unwrap();
    p.exp_string("events.Muon: var * {15 fields}").unwrap();
    for f in MUON {
        p.exp_string(&format!("  {f}: ")).unwrap();
    }
    p.exp_string("rask> ").unwrap();
    type_line(&mut p, ".schema Muonn").unwrap();
    p.exp_string("error: no table, collection or branch 'Muonn'; did you mean Muon")
        .unwrap();
    p.exp_string("rask> ").unwrap();
    type_line(&mut p, "SELECT hist(MET.ptt, 10, 0, 200) AS h FROM events;").unwrap();
    p.exp_string("did you mean").unwrap();
    p.exp_string("rask> ").unwrap();
    type_line(&mut p, ".quit").unwrap();
    p.exp_eof().unwrap();
    // The two-line statement is one entry of the history.
    let history = std::fs::read_to_string(home.path().join(".rask_history")).unwrap();
    assert!(history.contains("SELECT count(*) AS n"), "{history}");
}

/// Without inputs no table is open: the session says how to open one, and a query of
/// `events` says it again.
#[test]
fn without_inputs_no_table_is_open() {
    let (out, err) = piped(&[], "SELECT count(*) FROM events;\n.schema\n.sources\n");
    assert!(err.contains("No table is open"), "{err}");
    assert!(out.contains("no table 'events'"), "{out}");
    assert!(out.contains(".open events FILE... [TREE]"), "{out}");
    assert!(out.contains("error: no table is open"), "{out}");
}

/// `.open NAME FILE [TREE]`: HZZ.root's tree is `events` (2421 entries, data/README.md); the
/// default tree (Events) is not in it, and a tree that does not exist is an error naming it.
#[test]
fn open_takes_an_optional_tree() {
    let hzz = data("HZZ.root");
    let script = format!(
        ".open hzz {hzz} events\n\
         SELECT count(*) AS n FROM hzz;\n\
         .open bad {hzz}\n\
         .open worse {hzz} Nope\n\
         .open\n\
         .sources\n"
    );
    let (out, _) = piped(&[], &script);
    assert!(
        out.contains("registered hzz: 1 file, tree events\nn = 2421\n"),
        "{out}"
    );
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 3, "{out}");
    assert!(errors[0].contains("Events"), "{out}");
    assert!(errors[1].contains("Nope"), "{out}");
    assert!(
        errors[2].contains("usage: .open NAME FILE... [TREE]"),
        "{out}"
    );
    assert!(
        out.contains(&format!("hzz (tree events): {hzz}\n")),
        "{out}"
    );
}

/// `.schema Muon` and `.schema events.Muon` list every field (no "… 15 fields"); a path reaches
/// one field; unknown names are errors with suggestions.
#[test]
fn schema_lists_every_field_and_suggests_names() {
    let script = ".schema Muon\n.schema events.Muon\n.schema muon.PT\n.schema Muonn\n\
                  .schema events.Jets\n.schema Muon.ptt\n.schema\n";
    let (out, _) = piped(&["--input", &data("nano-20k.root")], script);
    let fields: Vec<String> = MUON.iter().map(|f| format!("  {f}: ")).collect();
    let listed: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("  "))
        .take(2 * MUON.len())
        .collect();
    let expected: Vec<&String> = fields.iter().chain(&fields).collect();
    assert_eq!(listed.len(), expected.len(), "{out}");
    for (line, start) in listed.iter().zip(expected) {
        assert!(line.starts_with(start.as_str()), "{line} / {start}");
    }
    assert_eq!(
        out.matches("events.Muon: var * {15 fields}\n").count(),
        2,
        "{out}"
    );
    assert!(out.contains("events.Muon.pt: var * float32\n"), "{out}");
    assert!(!out.contains("… 15 fields}\n  "), "{out}");
    assert!(
        out.contains("error: no table, collection or branch 'Muonn'; did you mean Muon"),
        "{out}"
    );
    assert!(
        out.contains("error: no table, collection or branch 'events.Jets'; did you mean Jet"),
        "{out}"
    );
    assert!(
        out.contains("error: no table, collection or branch 'Muon.ptt'; did you mean pt"),
        "{out}"
    );
    // The overview keeps one line per collection.
    assert!(out.contains("events.nMuon: "), "{out}");
}

/// A weighted histogram prints its sum of weights and contents with three significant digits,
/// bars in one column. The sum is checked against the branch read directly.
#[test]
fn weighted_numbers_are_short_and_bars_aligned() {
    let path = data("nano-20k.root");
    let src = rask::io::EventSource::open(&[path.as_str()], "Events").unwrap();
    let mut total = 0.0f64;
    for p in src.split_evenly(1) {
        let batch = src.read(&p, &["MET_pt"]).unwrap();
        let col = arrow_cast::cast(batch.column(0), &arrow_schema::DataType::Float64).unwrap();
        let col = col
            .as_any()
            .downcast_ref::<arrow_array::Float64Array>()
            .unwrap();
        total += col.values().iter().map(|x| x * 0.001).sum::<f64>();
    }
    let (out, _) = piped(
        &["--input", &path],
        "SELECT whist(MET.pt, MET.pt * 0.001, 8, 0, 200) AS w FROM events;\n",
    );
    let head = out.lines().next().unwrap();
    let shown = head
        .strip_prefix("w: histogram, ")
        .and_then(|r| r.strip_suffix(" weighted entries (flow bins included)"))
        .unwrap_or_else(|| panic!("{out}"));
    let value: f64 = shown.parse().unwrap();
    // Three significant digits: at most half a unit of the third digit away.
    assert!((value - total).abs() <= 0.005 * total, "{value} vs {total}");
    let digits = shown.chars().filter(char::is_ascii_digit).count();
    assert!(digits <= 3 || !shown.contains('.'), "{shown}");
    let bars: Vec<usize> = out
        .lines()
        .skip(1)
        .filter_map(|l| l.chars().position(|c| c == '█' || c == '▏'))
        .collect();
    assert!(bars.len() >= 4, "{out}");
    assert!(bars.iter().all(|b| *b == bars[0]), "{out}");
    for word in out.split_whitespace() {
        if let Some((_, decimals)) = word.trim_end_matches(')').split_once('.') {
            assert!(decimals.len() <= 3, "{word} in {out}");
        }
    }
}

/// The same file twice is read once, with a warning saying so.
#[test]
fn an_input_given_twice_is_read_once() {
    let path = data("nano-20k.root");
    let again = format!("{}/data/../data/nano-20k.root", env!("CARGO_MANIFEST_DIR"));
    let (out, err) = piped(
        &["--input", &path, &again],
        "SELECT count(*) AS n FROM events;\n.sources\n",
    );
    assert!(out.contains("n = 20000\n"), "{out}");
    assert!(
        err.contains(&format!(
            "warning: input {path} is given twice (also as {again}); it is read once"
        )),
        "{err}"
    );
}

/// A view created by one statement is read by the statements after it (the prompt runs them
/// one at a time), created again it is replaced, and `.sources` lists it.
#[test]
fn views_live_until_the_prompt_ends() {
    let nano = data("nano-20k.root");
    let script = "CREATE VIEW v AS SELECT * FROM events WHERE nMuon >= 2;\n\
                  SELECT count(*) AS a FROM v;\n\
                  SELECT count(*) AS b FROM events WHERE nMuon >= 2;\n\
                  CREATE VIEW v AS SELECT *, MET.pt * 0 + 2 AS w FROM events;\n\
                  SELECT count(*) AS c, sum(w) AS d FROM v;\n\
                  .sources\n";
    let (out, err) = piped(&["--input", &nano], script);
    assert!(!out.contains("error"), "{out}{err}");
    let value = |name: &str| -> f64 {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{name} = ")))
            .unwrap_or_else(|| panic!("no {name} in {out}"));
        line[name.len() + 3..].trim().parse().unwrap()
    };
    // The file holds 20,000 events (data/README.md); two muons or more in some of them.
    assert_eq!(value("a"), value("b"), "{out}");
    assert!(value("a") > 0.0 && value("a") < 20_000.0, "{out}");
    assert_eq!((value("c"), value("d")), (20_000.0, 40_000.0), "{out}");
    assert_eq!(out.matches("views: v\n").count(), 3, "{out}");
}
