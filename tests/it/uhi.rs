//! Histograms of every axis kind rask writes, read back by Python's `hist` (boost-histogram's
//! UHI reader): the axis types, edges and contents survive. CI provides the Python
//! (`RASK_PYTHON`); locally the test is skipped without one.

use std::process::Command;

use rask::core::hist::{Axis, Histogram, StorageKind};

fn python_with_hist() -> Option<String> {
    let python = std::env::var("RASK_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let probe = Command::new(&python)
        .args(["-c", "import hist, uhi.io.json"])
        .output();
    if probe.is_ok_and(|o| o.status.success()) {
        return Some(python);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must provide a Python with hist (RASK_PYTHON)"
    );
    eprintln!("skipped: no Python with hist");
    None
}

#[test]
fn integer_axes_load_as_integer_axes() {
    let Some(python) = python_with_hist() else {
        return;
    };
    let axis = Axis::Integer {
        lower: -1,
        upper: 2,
        underflow: true,
        overflow: true,
        name: "charge".into(),
        label: "charge".into(),
    };
    let mut h = Histogram::new(vec![axis], StorageKind::Int);
    h.fill(&[&[-1.0, 0.0, 1.0, 1.0, 5.0, -3.0]], None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("charge.json");
    rask::core::hist::write_uhi_json(&h, &path).unwrap();
    let script = r#"
import json, sys, hist, uhi.io.json
with open(sys.argv[1]) as f:
    h = hist.Hist(json.load(f, object_hook=uhi.io.json.object_hook))
ax = h.axes[0]
print(type(ax).__name__, [float(e) for e in ax.edges], [float(v) for v in h.values(flow=True)])
"#;
    let out = Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Bins -1, 0, 1 (edges -1..2), underflow -3, overflow 5.
    assert_eq!(
        text.trim(),
        "Integer [-1.0, 0.0, 1.0, 2.0] [1.0, 1.0, 1.0, 2.0, 1.0]",
        "{text}"
    );
}
