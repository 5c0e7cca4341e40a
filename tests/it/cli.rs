//! `rask inspect` and `rask convert`, through the library and the binary.

use std::path::PathBuf;
use std::process::Command;

use rask::io::{EventSource, Partition};

pub(crate) fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

pub(crate) fn rask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rask"))
}

/// The standard output of a command that must have succeeded (its stderr in the failure).
pub(crate) fn stdout_of_success(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn inspect_lists_types_bytes_and_baskets() {
    let out = rask()
        .arg("inspect")
        .arg(data("nano-20k.root"))
        .output()
        .unwrap();
    let text = stdout_of_success(out);
    assert!(text.contains("TTree 'Events': 20000 entries"), "{text}");
    let muon_pt = text
        .lines()
        .find(|l| l.trim_start().starts_with("Muon_pt "))
        .unwrap();
    for want in ["Float_t[nMuon]", "List(non-null Float32)", " 7"] {
        assert!(muon_pt.contains(want), "{muon_pt}");
    }
}

#[test]
fn convert_writes_the_same_events_to_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hzz.parquet");
    let run = rask()
        .args([
            "convert",
            "--tree",
            "events",
            "--rows-per-group",
            "1000",
            "--out",
        ])
        .arg(&out)
        .arg(data("HZZ.root"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let root = EventSource::open(&[data("HZZ.root")], "events").unwrap();
    let pq = EventSource::open(&[&out], "").unwrap();
    assert_eq!(pq.entries(), root.entries());
    let names: Vec<String> = root
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let all = |s: &EventSource| {
        s.read(
            &Partition {
                file: 0,
                entries: 0..s.entries(),
            },
            &names,
        )
        .unwrap()
    };
    let (a, b) = (all(&root), all(&pq));
    for (x, y) in a.columns().iter().zip(b.columns()) {
        assert_eq!(x.to_data(), y.to_data());
    }
    // Only the finished file is left in the directory.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("hzz.parquet")]);
}

#[test]
fn convert_with_branches_projects_and_failures_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("muons.parquet");
    let run = rask()
        .args(["convert", "--branches", "nMuon,Muon_pt", "--out"])
        .arg(&out)
        .arg(data("nano-20k.root"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let pq = EventSource::open(&[&out], "").unwrap();
    let names: Vec<&str> = pq
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(names, ["nMuon", "Muon_pt"]);

    let bad = dir.path().join("bad.parquet");
    let run = rask()
        .args(["convert", "--branches", "Muon_ptt", "--out"])
        .arg(&bad)
        .arg(data("nano-20k.root"))
        .output()
        .unwrap();
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("no branch 'Muon_ptt'") && err.contains("Muon_pt"),
        "{err}"
    );
    assert!(!bad.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file is left behind"
    );
}

#[test]
fn errors_name_the_file_and_exit_nonzero() {
    let run = rask()
        .args(["inspect", "/no/such/file.root"])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("/no/such/file.root"));
}

/// The bin contents (flow bins included) of a UHI JSON file.
pub fn json_values(path: &std::path::Path) -> Vec<f64> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["storage"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The expected histogram `name` of the shipped sample (from `$RASK_SHARED`, or `../shared`
/// beside the repository).
pub fn expected_values(name: &str) -> Vec<f64> {
    let shared = std::env::var_os("RASK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    json_values(&shared.join(format!("adl/expected/nano-20k/{name}.json")))
}

#[test]
fn adl_writes_the_expected_histograms_plots_and_an_honest_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = rask()
        .args(["adl", "--query", "all", "--input"])
        .arg(data("nano-20k.root"))
        .arg("--out")
        .arg(dir.path())
        .args([
            "--plot",
            "svg",
            "--threads",
            "2",
            "--partition-entries",
            "5000",
        ])
        .output()
        .unwrap();
    let text = stdout_of_success(out);
    for name in ["q1", "q2", "q3", "q4", "q5", "q6a", "q6b", "q7", "q8"] {
        let got = json_values(&dir.path().join(format!("{name}.json")));
        assert_eq!(got, expected_values(name), "{name}");
        let svg = std::fs::read_to_string(dir.path().join(format!("{name}.svg"))).unwrap();
        assert!(svg.contains("<svg") && svg.contains("Events"), "{name}.svg");
        assert!(text.contains(&format!("{name}.json")), "{text}");
    }
    // The summary's bytes read are exactly the compressed bytes of the branches the queries need.
    let src = EventSource::open(&[data("nano-20k.root")], "Events").unwrap();
    let line = text.lines().find(|l| l.starts_with("read: ")).unwrap();
    let needed: Vec<&str> = text
        .lines()
        .find_map(|l| l.strip_prefix("branches: "))
        .unwrap()
        .split(' ')
        .collect();
    assert_eq!(needed.len(), 17, "{text}");
    let bytes = src.column_bytes(&needed).unwrap();
    assert!(
        line.starts_with(&format!("read: {:.2} MB of", bytes as f64 / 1e6)),
        "{line} vs {bytes}"
    );
    assert!(text.contains("events: 20000 in"), "{text}");
}

#[test]
fn adl_names_an_unknown_query() {
    let out = rask()
        .args(["adl", "--query", "q9", "--input"])
        .arg(data("nano-20k.root"))
        .args(["--out", "/tmp/rask-adl-never"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown query 'q9'"), "{err}");
}

/// Python's `hist` reads our UHI JSON back (when a Python with `hist` is available: CI installs
/// one and sets `RASK_PYTHON`; locally `python3` is tried).
#[test]
fn python_hist_reads_our_json_back() {
    let python = std::env::var("RASK_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let probe = Command::new(&python)
        .args(["-c", "import hist, uhi.io.json"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        if std::env::var_os("CI").is_some() {
            panic!("CI must provide a Python with hist (RASK_PYTHON)");
        }
        eprintln!("skipped: no Python with hist");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let status = rask()
        .args(["adl", "--query", "q1,q6", "--input"])
        .arg(data("nano-20k.root"))
        .arg("--out")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let script = r#"
import json, sys, hist, uhi.io.json
for name in sys.argv[1:]:
    with open(name) as f:
        h = hist.Hist(json.load(f, object_hook=uhi.io.json.object_hook))
    print(int(h.sum(flow=True)), int(h.sum()), h.axes[0].edges[0], h.axes[0].edges[-1], h.axes[0].label)
"#;
    let files: Vec<PathBuf> = ["q1", "q6a"]
        .iter()
        .map(|n| dir.path().join(format!("{n}.json")))
        .collect();
    let out = Command::new(&python)
        .arg("-c")
        .arg(script)
        .args(&files)
        .output()
        .unwrap();
    let text = stdout_of_success(out);
    let lines: Vec<&str> = text.lines().collect();
    for (line, name) in lines.iter().zip(["q1", "q6a"]) {
        let v = expected_values(name);
        let inner: f64 = v[1..v.len() - 1].iter().sum();
        let total: f64 = v.iter().sum();
        assert!(
            line.starts_with(&format!("{} {}", total as i64, inner as i64)),
            "{name}: {line}"
        );
    }
    assert!(lines[0].ends_with("0.0 200.0 MET [GeV]"), "{}", lines[0]);
}

#[test]
fn query_runs_sql_files_like_adl() {
    let dir = tempfile::tempdir().unwrap();
    let out = rask()
        .arg("query")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("queries/adl/q5.sql"))
        .arg("--input")
        .arg(data("nano-20k.root"))
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    stdout_of_success(out);
    let got = json_values(&dir.path().join("q5.json"));
    assert_eq!(got, expected_values("q5"));
    // A bad statement is reported with a caret under the culprit.
    let bad = dir.path().join("bad.sql");
    std::fs::write(&bad, "SELECT hist(MET.ptt, 10, 0, 1) AS h FROM events").unwrap();
    let out = rask()
        .arg("query")
        .arg(&bad)
        .arg("--input")
        .arg(data("nano-20k.root"))
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // As compilers print: FILE:LINE:COL, the line, the caret under the culprit.
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].starts_with(&format!("{}:1:17: error: ", bad.display()))
            && lines[0].contains("no field 'ptt'"),
        "{err}"
    );
    assert_eq!(
        lines[1], "SELECT hist(MET.ptt, 10, 0, 1) AS h FROM events",
        "{err}"
    );
    assert_eq!(lines[2].find('^'), lines[1].find("ptt"), "{err}");
}

/// A scripted session on a pipe: a query, EXPLAIN, a statement with an error (reported with a
/// caret, the session goes on), the query again, dot-commands.
#[test]
fn sql_prompt_runs_piped_statements_one_after_another() {
    use std::io::Write;
    let mut child = rask()
        .arg("sql")
        .arg("--input")
        .arg(data("nano-20k.root"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let script = "SELECT count(*) AS n FROM events;\n\
                  EXPLAIN SELECT hist(MET.pt, 10, 0, 200) AS met FROM events;\n\
                  SELECT hist(MET.ptt, 10, 0, 200) AS met FROM events;\n\
                  .timer on\n\
                  SELECT hist(MET.pt, 10, 0, 200) AS met\n  FROM events;\n\
                  .schema MET\n";
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("n = 20000"), "{text}");
    assert!(
        text.contains("== branches read ==") && text.contains("MET_pt"),
        "{text}"
    );
    // EXPLAIN ends with the physical plan DataFusion runs: the final merge over an evaluation
    // over a scan of the one branch, in morsels.
    assert!(
        text.contains("-- physical plan\nMergeExec: 1 partitions combined in partition order\n")
            && text.contains("\n  PartialExec: each of 1 partitions combined into one row")
            && text.contains("\n    EvalExec: 1 output(s) per morsel")
            && text.contains(
                "\n      ScanExec: 1 file(s), 1 partitions, 1 column(s), morsels of 32768 events"
            ),
        "{text}"
    );
    assert!(
        text.contains("no field 'ptt'") && text.contains("^"),
        "{text}"
    );
    assert!(text.contains("met: histogram, 20000 entries"), "{text}");
    assert!(text.contains("Run Time:"), "{text}");
    assert!(
        text.contains("events.MET: {7 fields}\n  pt: float32\n"),
        "{text}"
    );
}

/// `rask query` takes its SQL file before or after `--input`: `--input f.root q5.sql` gives clap
/// both to `--input`, and the `.sql` file is taken out of the inputs. Both orders write the
/// expected histogram; `--input a b` with two data files still works.
#[test]
fn query_takes_the_sql_file_before_or_after_the_inputs() {
    let sql = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("queries/adl/q5.sql");
    let orders: [Vec<std::ffi::OsString>; 3] = [
        vec![
            sql.clone().into(),
            "--input".into(),
            data("nano-20k.root").into(),
        ],
        vec![
            "--input".into(),
            data("nano-20k.root").into(),
            sql.clone().into(),
        ],
        vec![
            "--input".into(),
            sql.clone().into(),
            data("nano-20k.root").into(),
        ],
    ];
    for args in orders {
        let dir = tempfile::tempdir().unwrap();
        let out = rask()
            .arg("query")
            .args(&args)
            .arg("--out")
            .arg(dir.path())
            .output()
            .unwrap();
        stdout_of_success(out);
        assert_eq!(
            json_values(&dir.path().join("q5.json")),
            expected_values("q5"),
            "{args:?}"
        );
    }
    // Two data files after --input (a copy of the sample): twice the expected counts.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.root");
    std::fs::copy(data("nano-20k.root"), &copy).unwrap();
    let out = rask()
        .args(["query", "--input"])
        .arg(data("nano-20k.root"))
        .arg(&copy)
        .arg(&sql)
        .arg("--out")
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    stdout_of_success(out);
    let doubled: Vec<f64> = expected_values("q5").iter().map(|v| 2.0 * v).collect();
    assert_eq!(json_values(&dir.path().join("o/q5.json")), doubled);
    // No SQL file, two of them, or only a SQL file: errors that say what is missing.
    for (args, message) in [
        (vec![data("nano-20k.root")], "rask query needs a SQL file"),
        (vec![sql.clone(), sql.clone()], "takes one SQL file"),
        (vec![sql.clone()], "needs input files besides the SQL file"),
    ] {
        let out = rask()
            .args(["query", "--input"])
            .args(&args)
            .arg("--out")
            .arg(dir.path().join("e"))
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{err}");
    }
}

/// The same file given twice (by another path, or by a symbolic link) is read once, with a
/// warning: the histogram has the expected counts, not twice them.
#[cfg(unix)]
#[test]
fn adl_reads_a_file_given_twice_once() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("link.root");
    std::os::unix::fs::symlink(data("nano-20k.root"), &link).unwrap();
    let again = data("../data/nano-20k.root");
    let out = rask()
        .args(["adl", "--query", "q1", "--input"])
        .arg(data("nano-20k.root"))
        .arg(&again)
        .arg(&link)
        .arg("--out")
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let text = stdout_of_success(out);
    assert_eq!(
        json_values(&dir.path().join("o/q1.json")),
        expected_values("q1"),
        "{text}"
    );
    assert_eq!(err.matches("is given twice").count(), 2, "{err}");
    assert!(
        err.contains(&format!(
            "warning: input {} is given twice (also as {}); it is read once",
            data("nano-20k.root").display(),
            link.display()
        )),
        "{err}"
    );
}

#[test]
fn sql_statements_split_at_semicolons_outside_quotes() {
    let st = rask::repl::statements("SELECT 'a;b' FROM t;\n.help\nSELECT 1\nFROM t;");
    assert_eq!(st.len(), 3, "{st:?}");
    assert_eq!(st[1], ".help");
}

/// The prompt on a real terminal: Tab completes function and branch names as one types (the
/// common prefix; a second Tab lists the candidates), and the completed statement runs.
#[cfg(unix)]
#[test]
fn sql_prompt_completes_names_on_a_terminal() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = rask();
    cmd.arg("sql")
        .arg("--input")
        .arg(data("nano-20k.root"))
        .env("HOME", home.path())
        .env("TERM", "xterm");
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).unwrap();
    p.exp_string("rask> ").unwrap();
    // `list_su` has one completion (list_sum), `MET.ph` one (MET.phi), `Jet.p` two (pt, phi):
    // a Tab completes their common prefix `Jet.p`, and we type the rest.
    p.send("SELECT hist(list_su\t(Jet.p\tt), 4, 0, 400) AS ht, hist(MET.ph\t, 4, -4, 4) AS phi FROM events;\r")
        .unwrap();
    p.flush().unwrap();
    p.exp_string("ht: histogram, 20000 entries").unwrap();
    p.exp_string("phi: histogram, 20000 entries").unwrap();
    p.exp_string("rask> ").unwrap();
    // A second Tab lists the candidates; Ctrl-C drops the line.
    p.send("SELECT Jet.p\t\t").unwrap();
    p.flush().unwrap();
    p.exp_regex(r"Jet\.phi\s+Jet\.pt").unwrap();
    p.send("\x03").unwrap();
    p.flush().unwrap();
    // The next prompt re-enters raw mode, which drops input typed before it: give it time.
    std::thread::sleep(std::time::Duration::from_millis(1000));
    p.send(".quit\r").unwrap();
    p.flush().unwrap();
    p.exp_eof().unwrap();
    // The statement went into the history file in the (temporary) home.
    let history = std::fs::read_to_string(home.path().join(".rask_history")).unwrap();
    assert!(history.contains("list_sum(Jet.pt)"), "{history}");
}

/// `--memory-limit`: a run that cannot fit fails naming the limit, writes no histogram, and a
/// limit it fits in changes nothing; sizes take units, nonsense is refused before any work.
#[test]
fn memory_limit_is_a_clear_error_or_no_change() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small");
    let out = rask()
        .args(["adl", "--query", "q8", "--memory-limit", "64K", "--input"])
        .arg(data("nano-20k.root"))
        .arg("--out")
        .arg(&small)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("memory limit of 65536 bytes exceeded"),
        "{err}"
    );
    assert!(!small.join("q8.json").exists());
    let big = dir.path().join("big");
    let out = rask()
        .args(["adl", "--query", "q8", "--memory-limit", "2G", "--input"])
        .arg(data("nano-20k.root"))
        .arg("--out")
        .arg(&big)
        .output()
        .unwrap();
    stdout_of_success(out);
    let text = std::fs::read_to_string(big.join("q8.json")).unwrap();
    let got: serde_json::Value = serde_json::from_str(&text).unwrap();
    let values: Vec<f64> = got["storage"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(values, expected_values("q8"));
    for bad in ["12Q", "0", "lots"] {
        let out = rask()
            .args(["adl", "--query", "q1", "--memory-limit", bad, "--input"])
            .arg(data("nano-20k.root"))
            .arg("--out")
            .arg(dir.path().join("never"))
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--memory-limit"), "{bad}: {err}");
    }
}
