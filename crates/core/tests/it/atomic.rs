//! `rask_core::atomic`: outputs appear whole or not at all, and no temporary file survives an
//! error.

use std::io::Write;
use std::path::Path;

use rask_core::atomic::{AtomicFile, write, write_with};

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_failing_writer_leaves_no_file_and_keeps_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("q2.json");
    std::fs::write(&dest, "old").unwrap();
    // Half written, then an error, as on a full disk.
    let err = write_with(&dest, |f| {
        f.file().write_all(b"{\"partial\":")?;
        Err::<(), _>(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            "no space left on device",
        ))
    })
    .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::StorageFull);
    assert_eq!(names(dir.path()), ["q2.json"]);
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old");
}

#[test]
fn a_dropped_file_is_removed_and_a_committed_one_replaces_the_destination() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("q1.png");
    let mut f = AtomicFile::create(&dest).unwrap();
    // Writers that choose a format by extension see the destination's.
    assert_eq!(f.temp_path().extension().unwrap(), "png");
    assert_eq!(f.temp_path().parent(), Some(dir.path()));
    f.file().write_all(b"partial").unwrap();
    drop(f);
    assert!(names(dir.path()).is_empty());

    write(&dest, b"whole").unwrap();
    write(&dest, b"again").unwrap();
    assert_eq!(names(dir.path()), ["q1.png"]);
    assert_eq!(std::fs::read(&dest).unwrap(), b"again");
}

#[test]
fn a_missing_directory_or_a_directory_destination_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    assert!(write(&dir.path().join("no/such/dir/x.json"), b"{}").is_err());
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    assert!(write(&dir.path().join("sub"), b"{}").is_err());
    assert_eq!(names(dir.path()), ["sub"]);
    assert!(names(&dir.path().join("sub")).is_empty());
}

#[cfg(unix)]
#[test]
fn outputs_get_the_usual_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("h.json");
    write(&dest, b"{}").unwrap();
    let mode = std::fs::metadata(&dest).unwrap().permissions().mode();
    // Readable by others unless the umask says otherwise (tempfile's default is 0600).
    assert_ne!(mode & 0o044, 0, "{mode:o}");
}

#[test]
fn uhi_json_writing_fails_without_leaving_a_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let h = rask_core::hist::Histogram::new(
        vec![rask_core::hist::Axis::regular(2, 0.0, 1.0, "x")],
        rask_core::hist::StorageKind::Int,
    );
    // The destination is a directory: the rename fails after the data was written.
    let dest = dir.path().join("q3.json");
    std::fs::create_dir(&dest).unwrap();
    assert!(rask_core::hist::write_uhi_json(&h, &dest).is_err());
    assert_eq!(names(dir.path()), ["q3.json"]);
}
