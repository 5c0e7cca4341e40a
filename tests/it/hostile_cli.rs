//! The command line against hostile arguments and inputs: absurd thread counts, unusable or
//! shared output directories, a conversion onto its own input, named pipes, bad bytes on the
//! REPL's pipe, and Ctrl-C during a run. Each test fails without its fix.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

fn rask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rask"))
}

/// Runs `cmd` (no standard input), killing it after `secs` seconds: a test of a hang fails
/// instead of hanging.
fn run_for(cmd: &mut Command, secs: u64) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {secs} s; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// The stderr of a command that must have failed.
fn failure(out: Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    err
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn job(out: &Path, threads: Option<usize>) -> rask::adl::AdlJob {
    rask::adl::AdlJob {
        queries: vec!["q1".into()],
        inputs: vec![data("nano-20k.root")],
        tree: "Events".into(),
        out: out.to_path_buf(),
        threads,
        plot: None,
        format: Default::default(),
        partition_entries: 100_000,
        progress: false,
        memory_limit: None,
        workers: Vec::new(),
    }
}

#[test]
fn absurd_thread_counts_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    for n in ["100000", "0", "many"] {
        let out = run_for(
            rask()
                .args(["adl", "--query", "q1", "--threads", n, "--input"])
                .arg(data("nano-20k.root"))
                .arg("--out")
                .arg(dir.path().join("out")),
            10,
        );
        let err = failure(out);
        assert!(err.contains("between 1 and"), "{n}: {err}");
    }
    assert!(!dir.path().join("out").exists(), "nothing was started");
    // The library refuses too, with a typed error, before creating the output directory.
    for n in [0, 100_000] {
        let err = rask::adl::run(&job(&dir.path().join("lib"), Some(n))).unwrap_err();
        assert!(err.to_string().contains("between 1 and"), "{err}");
    }
    assert!(!dir.path().join("lib").exists());
    let ctx = rask::Context::new();
    let x = ctx.random_normal(&[100], &[10], 1).unwrap();
    let sum = x.sum(None).unwrap();
    for n in [0, 100_000] {
        let err = rask::Engine::new(rask::Scheduler::Threads(n))
            .compute(&sum)
            .unwrap_err();
        assert!(
            matches!(err, rask::exec::ExecError::Threads { requested, .. } if requested == n),
            "{err}"
        );
    }
}

#[test]
fn an_out_that_is_a_file_is_named_before_any_input_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("results.txt");
    std::fs::write(&file, "keep").unwrap();
    // The input does not exist: the error is about --out, so --out was checked first.
    let err = failure(run_for(
        rask()
            .args([
                "adl",
                "--query",
                "q1",
                "--input",
                "/no/such/input.root",
                "--out",
            ])
            .arg(&file),
        30,
    ));
    assert!(
        err.contains(&file.display().to_string()) && err.contains("not a directory"),
        "{err}"
    );
    assert!(!err.contains("/no/such/input.root"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
    // Below a file: it cannot be created.
    let err = failure(run_for(
        rask()
            .args(["query", "queries/adl/q1.sql", "--input"])
            .arg(data("nano-20k.root"))
            .arg("--out")
            .arg(file.join("sub")),
        30,
    ));
    assert!(err.contains("cannot create it"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn an_out_where_nothing_can_be_written_is_refused_before_the_run() {
    // /proc/self is a directory even root cannot create files in.
    let err = failure(run_for(
        rask()
            .args(["adl", "--query", "q1", "--input", "/no/such/input.root"])
            .args(["--out", "/proc/self"]),
        30,
    ));
    assert!(
        err.contains("/proc/self") && err.contains("cannot write in it"),
        "{err}"
    );
}

#[test]
fn two_runs_on_one_out_directory_do_not_mix_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let held = rask::output_dir::OutputDir::open(dir.path()).unwrap();
    let err = failure(run_for(
        rask()
            .args(["adl", "--query", "q1", "--input"])
            .arg(data("nano-20k.root"))
            .arg("--out")
            .arg(dir.path()),
        30,
    ));
    assert!(err.contains("another rask run is writing to it"), "{err}");
    assert_eq!(names(dir.path()), [".rask.lock"]);
    drop(held);
    let out = run_for(
        rask()
            .args(["adl", "--query", "q1", "--input"])
            .arg(data("nano-20k.root"))
            .arg("--out")
            .arg(dir.path()),
        120,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(names(dir.path()), [".rask.lock", "q1.json"]);
}

#[test]
fn a_failed_run_leaves_no_directory_it_created() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new");
    let err = failure(run_for(
        rask()
            .args([
                "adl",
                "--query",
                "q1",
                "--input",
                "/no/such/input.root",
                "--out",
            ])
            .arg(&out),
        30,
    ));
    assert!(err.contains("/no/such/input.root"), "{err}");
    assert!(!out.exists(), "{:?}", names(dir.path()));
}

#[test]
fn repeated_queries_run_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_for(
        rask()
            .args(["adl", "--query", "q1,q2,Q1", "--query", "q1", "--input"])
            .arg(data("nano-20k.root"))
            .arg("--out")
            .arg(dir.path()),
        120,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let q1 = text.lines().filter(|l| l.starts_with("q1 ")).count();
    assert_eq!(q1, 1, "{text}");
    assert_eq!(
        rask::adl::expand_queries(&["all,q3".into()]).unwrap().len(),
        8
    );
}

#[test]
fn convert_refuses_to_write_onto_its_own_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("hzz.root");
    std::fs::copy(data("HZZ.root"), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    // The same file under another spelling, and through a hard link.
    let other = dir.path().join(".").join("hzz.root");
    let link = dir.path().join("link.root");
    std::fs::hard_link(&input, &link).unwrap();
    for out in [&input, &other, &link] {
        let err = failure(run_for(
            rask()
                .args(["convert", "--tree", "events", "--out"])
                .arg(out)
                .arg(&input),
            30,
        ));
        assert!(err.contains("is the input file"), "{err}");
    }
    let err = failure(run_for(
        rask()
            .args(["convert", "--tree", "events", "--out"])
            .arg(dir.path())
            .arg(&input),
        30,
    ));
    assert!(err.contains("the output is a directory"), "{err}");
    assert_eq!(std::fs::read(&input).unwrap(), before);
    assert_eq!(names(dir.path()), ["hzz.root", "link.root"]);
}

#[test]
fn tree_given_with_parquet_inputs_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("hzz.parquet");
    let out = run_for(
        rask()
            .args(["convert", "--tree", "events", "--out"])
            .arg(&pq)
            .arg(data("HZZ.root")),
        60,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
    let out = run_for(rask().args(["inspect", "--tree", "events"]).arg(&pq), 30);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: --tree events is ignored") && err.contains("hzz.parquet"),
        "{err}"
    );
    let out = run_for(
        rask()
            .args(["convert", "--tree", "events", "--out"])
            .arg(dir.path().join("again.parquet"))
            .arg(&pq),
        60,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: --tree events is ignored"));
}

#[cfg(unix)]
#[test]
fn a_named_pipe_input_is_named_as_not_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("nano.root");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let mut inspect = rask();
    inspect.arg("inspect").arg(&fifo);
    let mut convert = rask();
    convert
        .args(["convert", "--out"])
        .arg(dir.path().join("x.parquet"))
        .arg(&fifo);
    let mut adl = rask();
    adl.args(["adl", "--query", "q1", "--input"])
        .arg(&fifo)
        .arg("--out")
        .arg(dir.path().join("out"));
    let mut sql = rask();
    sql.args(["sql", "--input"]).arg(&fifo);
    for mut cmd in [inspect, convert, adl, sql] {
        // Opening the pipe would block (no writer): the check must not open it.
        let err = failure(run_for(&mut cmd, 30));
        assert!(
            err.contains(&fifo.display().to_string())
                && err.contains("not a regular file (a named pipe)"),
            "{err}"
        );
    }
}

#[test]
fn piped_sql_reports_bad_bytes_by_line_and_stops_at_quit() {
    use std::io::Write;
    let mut child = rask()
        .arg("sql")
        .arg("--input")
        .arg(data("nano-20k.root"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut script = Vec::new();
    script.extend_from_slice(b"SELECT count(*) AS a FROM events;\n");
    script.extend_from_slice(b"SELECT count(*)\n  AS b \xff FROM events;\n");
    script.extend_from_slice(b"SELECT count(*) AS c FROM events;\n");
    script.extend_from_slice(b".quit\n");
    script.extend_from_slice(b"SELECT count(*) AS d FROM events;\n");
    child.stdin.take().unwrap().write_all(&script).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("a = 20000"), "{text}");
    assert!(
        text.contains("error: line 3 is not valid UTF-8; the statement is skipped"),
        "{text}"
    );
    assert!(!text.contains("b = "), "{text}");
    assert!(text.contains("c = 20000"), "{text}");
    assert!(!text.contains("unknown command"), "{text}");
    assert!(!text.contains("d = "), "{text}");
}

#[test]
fn timer_takes_on_or_off_only() {
    let mut repl =
        rask::repl::Repl::new(&[data("nano-20k.root").display().to_string()], "Events").unwrap();
    assert_eq!(repl.execute(".timer maybe"), "usage: .timer on|off\n");
    assert_eq!(repl.execute(".timer"), "usage: .timer on|off\n");
    assert!(
        !repl
            .execute("SELECT count(*) AS n FROM events")
            .contains("Run Time")
    );
    assert_eq!(repl.execute(".timer on"), "timer on\n");
    assert!(
        repl.execute("SELECT count(*) AS n FROM events")
            .contains("Run Time")
    );
    assert_eq!(repl.execute(".timer off"), "timer off\n");
}

#[test]
fn a_plot_that_cannot_be_written_leaves_no_temporary_file() {
    use rask::core::hist::{Axis, Histogram, StorageKind};
    let dir = tempfile::tempdir().unwrap();
    let mut h = Histogram::new(vec![Axis::regular(10, 0.0, 10.0, "x")], StorageKind::Int);
    h.fill(&[&[1.0, 2.5]], None).unwrap();
    // The destination is a directory: drawing succeeds, the final rename fails.
    let dest = dir.path().join("q1.png");
    std::fs::create_dir(&dest).unwrap();
    let err = rask::plot::write_plot(&h, "q1", &dest, rask::plot::PlotFormat::Png).unwrap_err();
    assert!(err.to_string().contains("q1.png"), "{err}");
    assert_eq!(names(dir.path()), ["q1.png"]);
    rask::plot::write_plot(
        &h,
        "q1",
        &dir.path().join("ok.png"),
        rask::plot::PlotFormat::Png,
    )
    .unwrap();
    assert_eq!(names(dir.path()), ["ok.png", "q1.png"]);
}

/// Ctrl-C during a run: the process stops at once, with status 130, and leaves no output and
/// no temporary file (only the directory's lock file).
#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_run_and_leaves_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = rask();
    cmd.args(["adl", "--query", "all", "--plot", "png", "--threads", "2"])
        .args(["--partition-entries", "5000", "--input"]);
    // Copies of the sample (a file given twice is read once): a run of a few seconds.
    let copies = tempfile::tempdir().unwrap();
    for i in 0..12 {
        let copy = copies.path().join(format!("c{i}.root"));
        std::fs::copy(data("nano-20k.root"), &copy).unwrap();
        cmd.arg(copy);
    }
    let child = cmd
        .arg("--out")
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The lock file appears once the handler is installed and the run has started.
    let lock = dir.path().join(".rask.lock");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !lock.exists() {
        assert!(Instant::now() < deadline, "the run did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        sent.elapsed() < Duration::from_secs(1),
        "took {:?} to stop",
        sent.elapsed()
    );
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    assert_eq!(names(dir.path()), [".rask.lock"]);
}
