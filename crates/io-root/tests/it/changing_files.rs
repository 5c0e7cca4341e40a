//! Inputs that change under the reader, inputs that are not regular files, and many inputs: an
//! error naming the file (never a signal or a hang), and no descriptor or mapping per input.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rask_io_root::{
    EventSource, LocalFile, ParquetFile, RootError, RootFile, RootTree, detect_format,
};

use crate::common::data;

/// A copy of `HZZ.root` in `dir`.
fn hzz_copy(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy(data("HZZ.root"), &path).unwrap();
    path
}

/// The tree of `path`, read through a local file mapped or not.
fn tree(path: &Path, mapped: bool) -> RootTree {
    let file = LocalFile::open(path).unwrap().with_mapping(mapped);
    RootTree::new(RootFile::from_source(Arc::new(file)).unwrap(), "events").unwrap()
}

/// Shrinks the file at `path` to `len` bytes, as another process would.
fn truncate(path: &Path, len: u64) {
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_len(len).unwrap();
}

fn assert_changed(err: &RootError, path: &Path, what: &str) {
    let msg = err.to_string();
    assert!(
        matches!(err, RootError::Changed { .. }) && msg.contains(&path.display().to_string()),
        "{what}: {msg}"
    );
}

#[test]
fn a_file_truncated_between_open_and_read_is_an_error_not_a_signal() {
    let dir = tempfile::tempdir().unwrap();
    for mapped in [false, true] {
        let path = hzz_copy(dir.path(), &format!("truncated-{mapped}.root"));
        let t = tree(&path, mapped);
        let len = std::fs::metadata(&path).unwrap().len();
        truncate(&path, len / 2);
        let err = t.read(0..t.entries(), &["Jet_Px", "NJet"]).unwrap_err();
        assert_changed(&err, &path, &format!("mapped {mapped}"));
        assert!(
            err.to_string().contains(&format!("{} bytes now", len / 2)),
            "{err}"
        );
    }
}

#[test]
fn a_file_truncated_while_a_partition_holds_it_is_an_error_not_a_signal() {
    let dir = tempfile::tempdir().unwrap();
    for mapped in [false, true] {
        let path = hzz_copy(dir.path(), &format!("held-{mapped}.root"));
        let t = tree(&path, mapped);
        // A partition in progress: the file is open (and mapped) while the lease lives.
        let lease = t.file().lease().unwrap();
        truncate(&path, 1000);
        let err = t.read(0..t.entries(), &["Jet_Px"]).unwrap_err();
        assert_changed(&err, &path, &format!("mapped {mapped}"));
        // Bytes taken from the mapping are checked first too.
        if mapped {
            let err = lease.slice_at(5000, 100).unwrap_err();
            assert_changed(&err, &path, "slice of a shrunk mapping");
        }
    }
}

#[test]
#[cfg(target_os = "linux")]
fn a_file_truncated_while_its_mapped_bytes_are_read_is_an_error_not_a_signal() {
    let dir = tempfile::tempdir().unwrap();
    let path = hzz_copy(dir.path(), "shrinking.root");
    let t = tree(&path, true);
    let lease = t.file().lease().unwrap();
    let len = std::fs::metadata(&path).unwrap().len() as usize;
    // A basket's bytes, checked and handed out: then the file shrinks under the reader.
    let bytes = lease
        .slice_at(0, len)
        .unwrap()
        .expect("a local file is mapped");
    assert!(lease.check_read().is_ok());
    truncate(&path, 1000);
    // Reading past the new end would be a SIGBUS; the guard makes it zeros...
    let past: u64 = bytes[len / 2..]
        .iter()
        .map(|&b| u64::from(std::hint::black_box(b)))
        .sum();
    assert_eq!(past, 0);
    // ...and the lease says they are not data.
    let err = lease.check_read().unwrap_err();
    assert_changed(&err, &path, "mapped bytes read after a truncation");
    assert!(
        err.to_string().contains("shrank while it was read"),
        "{err}"
    );
}

#[test]
fn a_file_rewritten_or_replaced_after_open_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // Same length, new contents (a new modification time).
    let path = hzz_copy(dir.path(), "rewritten.root");
    let t = tree(&path, false);
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(60))
        .unwrap();
    let err = t.read(0..10, &["NJet"]).unwrap_err();
    assert_changed(&err, &path, "rewritten");
    assert!(err.to_string().contains("modified"), "{err}");
    // Another file renamed over it.
    let path = hzz_copy(dir.path(), "replaced.root");
    let t = tree(&path, false);
    let other = hzz_copy(dir.path(), "other.root");
    std::fs::rename(&other, &path).unwrap();
    let err = t.read(0..10, &["NJet"]).unwrap_err();
    assert_changed(&err, &path, "replaced");
    assert!(err.to_string().contains("replaced"), "{err}");
}

#[test]
fn a_parquet_file_truncated_after_open_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.parquet");
    std::fs::copy(crate::common::repo().join("tests/slt/tiny.parquet"), &path).unwrap();
    let f = ParquetFile::open(&path).unwrap();
    truncate(&path, 100);
    let err = f.read(0..f.entries(), &["Muon_pt"]).unwrap_err();
    assert_changed(&err, &path, "parquet");
}

/// The descriptors and mappings of this process that point into `dir`.
fn held_in(dir: &Path) -> (usize, usize) {
    let dir = dir.canonicalize().unwrap();
    let fds = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.starts_with(&dir))
        .count();
    let maps = std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .filter(|l| l.contains(&*dir.to_string_lossy()))
        .count();
    (fds, maps)
}

#[test]
#[cfg(target_os = "linux")]
fn many_inputs_are_neither_all_open_nor_all_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let first = hzz_copy(dir.path(), "input-000.root");
    let paths: Vec<PathBuf> = (0..300)
        .map(|i| {
            let p = dir.path().join(format!("input-{i:03}.root"));
            if i > 0 {
                std::fs::hard_link(&first, &p).unwrap();
            }
            p
        })
        .collect();
    let src = EventSource::open(&paths, "events").unwrap();
    assert_eq!(held_in(dir.path()), (0, 0), "after opening 300 inputs");
    let parts = src.partitions(&["Jet_Px"], 1_000_000).unwrap();
    assert_eq!(parts.len(), 300);
    for p in &parts {
        src.read(p, &["NJet", "Jet_Px"]).unwrap();
    }
    assert_eq!(held_in(dir.path()), (0, 0), "after reading them");
    // While a partition runs, its file alone is open (and mapped, when mapping is on).
    let trees = src.root_trees().unwrap();
    let lease = trees[7].file().lease().unwrap();
    let (fds, maps) = held_in(dir.path());
    assert_eq!(fds, 1);
    assert!(maps <= 1, "{maps} mappings");
    drop(lease);
    assert_eq!(held_in(dir.path()), (0, 0));
    // Mapped: the mapping lives as long as the partition's lease.
    let t = tree(&paths[3], true);
    let lease = t.file().lease().unwrap();
    let mapped = lease.slice_at(0, 4).unwrap().is_some();
    assert_eq!(held_in(dir.path()).1, usize::from(mapped));
    drop(lease);
    assert_eq!(held_in(dir.path()), (0, 0));
}

/// Runs `f` on another thread and fails if it does not finish within ten seconds (a FIFO opened
/// for reading blocks until a writer comes).
fn within_seconds<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{what}: still waiting after 10 s (blocked on the input?)"))
}

#[test]
#[cfg(unix)]
fn a_fifo_or_a_device_is_refused_by_name_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("events.root");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: `c_path` is a valid NUL-terminated path; mkfifo only creates a file there.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    for (path, kind) in [
        (fifo, "FIFO"),
        (PathBuf::from("/dev/null"), "character device"),
    ] {
        type Open = Box<dyn FnOnce(PathBuf) -> Option<RootError> + Send>;
        let opens: [(&str, Open); 5] = [
            ("LocalFile::open", Box::new(|p| LocalFile::open(p).err())),
            ("RootFile::open", Box::new(|p| RootFile::open(p).err())),
            (
                "ParquetFile::open",
                Box::new(|p| ParquetFile::open(p).err()),
            ),
            ("detect_format", Box::new(|p| detect_format(&p).err())),
            (
                "EventSource::open",
                Box::new(|p| EventSource::open(&[p], "Events").err()),
            ),
        ];
        for (what, open) in opens {
            let p = path.clone();
            let err = within_seconds(what, move || open(p))
                .unwrap_or_else(|| panic!("{what} accepted {}", path.display()));
            let msg = err.to_string();
            assert!(
                matches!(err, RootError::NotRegular { .. })
                    && msg.contains(&path.display().to_string())
                    && msg.contains(kind),
                "{what}: {msg}"
            );
        }
    }
}
