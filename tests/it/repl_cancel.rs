//! Ctrl-C at the prompt while a statement runs: the statement stops (the engine checks between
//! morsels), `cancelled` is printed, and the prompt comes back and answers the next statement.

/// Ten copies of the sample, evaluated one event per morsel (`RASK_MORSEL=1`): a statement
/// over them runs for seconds in any build, and stops within one event of the Ctrl-C.
#[cfg(unix)]
#[test]
fn ctrl_c_cancels_the_running_statement_and_the_prompt_comes_back() {
    use std::path::PathBuf;
    use std::process::Command;
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/nano-20k.root");
    let copies: Vec<PathBuf> = (0..10)
        .map(|i| {
            let p = dir.path().join(format!("copy{i}.root"));
            std::fs::copy(&sample, &p).unwrap();
            p
        })
        .collect();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rask"));
    cmd.arg("sql")
        .arg("--input")
        .args(&copies)
        .env("HOME", dir.path())
        .env("TERM", "xterm")
        .env("RASK_MORSEL", "1");
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).unwrap();
    p.exp_string("rask> ").unwrap();
    // The mass of every pair of jets of 200,000 events, one event at a time: seconds, far
    // longer than the half second we wait.
    let heavy = "SELECT hist(list_sum(list_transform(combinations(Jet, 2), \
                 p -> mass(p.\"0\", p.\"1\"))), 100, 0, 2000) AS m FROM events;";
    p.send(&format!("{heavy}\r")).unwrap();
    p.flush().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let sent = Instant::now();
    p.send_control('c').unwrap();
    p.exp_string("cancelled").unwrap();
    let took = sent.elapsed();
    p.exp_string("rask> ").unwrap();
    assert!(took < Duration::from_secs(3), "cancelled after {took:?}");
    // The prompt and its engine still work.
    p.send("SELECT count(*) AS n FROM events;\r").unwrap();
    p.flush().unwrap();
    p.exp_string("n = 200000").unwrap();
    p.exp_string("rask> ").unwrap();
    p.send(".quit\r").unwrap();
    p.flush().unwrap();
    p.exp_eof().unwrap();
}
