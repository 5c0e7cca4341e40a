//! `rask_core::atomic::interrupt` (what a Ctrl-C handler calls) removes the temporary files in
//! flight and refuses new ones. It changes process-wide state, so it has a test binary of its
//! own.

use std::io::Write;

use rask_core::atomic::{AtomicFile, interrupt, interrupted, write};

#[test]
fn interrupt_removes_temporary_files_in_flight_and_refuses_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let done = dir.path().join("q1.json");
    write(&done, b"{}").unwrap();
    let mut a = AtomicFile::create(&dir.path().join("q2.json")).unwrap();
    a.file().write_all(b"partial").unwrap();
    let b = AtomicFile::create(&dir.path().join("q2.png")).unwrap();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);

    assert!(!interrupted());
    assert_eq!(interrupt(), 2);
    assert!(interrupted());
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        ["q1.json"],
        "complete outputs stay, temporary files go"
    );

    let e = a.commit().unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::Interrupted);
    drop(b);
    assert!(AtomicFile::create(&dir.path().join("q3.json")).is_err());
    assert!(!dir.path().join("q2.json").exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
