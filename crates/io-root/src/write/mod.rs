//! Histograms written into ROOT files: `TH1D`/`TH2D` (with `Sumw2` for weighted storage) and
//! `TH1I`/`TH2I` (integer storage), with titles and axis labels, readable by ROOT and by uproot
//! (`uproot.open(f)["q1"].to_hist()` gives back the values, variances, flow bins, edges and
//! labels of the UHI JSON).
//!
//! Pieces: [`convert`](self) maps rask's axes and storage to ROOT's (see its table), `objects`
//! serializes the histogram classes member by member, `streamers` holds ROOT's own streamer
//! records for them, `file` lays out the header, top directory, keys, keys list, streamer
//! info and free-segments record. Files are uncompressed and small (< 2 GB), every histogram
//! in the top directory under its name (cycle 1), with its name as its title.
//!
//! ```
//! use rask_core::hist::{Axis, Histogram, StorageKind};
//! let mut h = Histogram::new(vec![Axis::regular(4, 0.0, 2.0, "x")], StorageKind::Weight);
//! h.fill(&[&[0.1, 1.9, 7.0]], Some(&[2.0, 1.0, 0.5]))?;
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("hists.root");
//! rask_io_root::write::write_histograms(&path, &[("q1", &h)])?;
//! assert_eq!(&std::fs::read(&path)?[..4], b"root");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod buf;
mod convert;
mod file;
mod objects;
mod streamers;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rask_core::hist::Histogram;

/// Why a ROOT file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// ROOT histograms have one, two or three axes; the writer does one or two.
    #[error("histogram {name:?}: {dims} axes; ROOT files take 1-D and 2-D histograms")]
    Dimensions { name: String, dims: usize },
    /// An axis without bins (ROOT axes have at least one).
    #[error("histogram {name:?}: the {axis} has no bins")]
    EmptyAxis { name: String, axis: &'static str },
    /// More cells than ROOT's `Int_t` can count.
    #[error("histogram {name:?}: {cells} cells with flow bins, more than ROOT can index")]
    TooManyBins { name: String, cells: usize },
    /// An integer count beyond the 32 bits of `TH1I`.
    #[error("histogram {name:?}: count {value} does not fit a TH1I (32-bit) bin")]
    IntOverflow { name: String, value: i64 },
    /// A name ROOT cannot store or look up as a key.
    #[error("histogram name {name:?}: {reason}")]
    BadName { name: String, reason: String },
    /// The file would pass the 2 GB of the small-file format.
    #[error("the ROOT file would be {bytes} bytes; the writer makes files under 2 GB")]
    TooLarge { bytes: usize },
    /// The destination could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes `hists` (name, histogram) into the ROOT file `path`, atomically: a temporary file in
/// the same directory renamed over `path` when complete (see [`rask_core::atomic`]), so a
/// failed write leaves nothing behind.
///
/// Names must be non-empty, distinct and free of `/` and `;` (ROOT reads those as a path or a
/// cycle number).
pub fn write_histograms(path: &Path, hists: &[(&str, &Histogram)]) -> Result<(), WriteError> {
    let file_name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let bytes = to_bytes(&file_name, hists)?;
    rask_core::atomic::write(path, &bytes).map_err(|source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The bytes of a ROOT file holding `hists`, recording `file_name` as its name (ROOT shows it
/// as the top directory's name).
///
/// ```
/// use rask_core::hist::{Axis, Histogram, StorageKind};
/// let h = Histogram::new(vec![Axis::regular(2, 0.0, 1.0, "x")], StorageKind::Int);
/// let bytes = rask_io_root::write::to_bytes("f.root", &[("h", &h)])?;
/// assert_eq!(&bytes[..4], b"root");
/// assert!(rask_io_root::write::to_bytes("f.root", &[("a/b", &h)]).is_err());
/// # Ok::<(), rask_io_root::write::WriteError>(())
/// ```
pub fn to_bytes(file_name: &str, hists: &[(&str, &Histogram)]) -> Result<Vec<u8>, WriteError> {
    let mut seen = HashSet::new();
    let mut root = Vec::with_capacity(hists.len());
    for (name, h) in hists {
        check_name(name)?;
        if !seen.insert(*name) {
            return Err(WriteError::BadName {
                name: name.to_string(),
                reason: "two histograms have this name".to_string(),
            });
        }
        root.push(convert::to_root(name, h)?);
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut seed = Vec::new();
    seed.extend_from_slice(&now.as_nanos().to_le_bytes());
    seed.extend_from_slice(&std::process::id().to_le_bytes());
    seed.extend_from_slice(file_name.as_bytes());
    let uuid = xxhash_rust::xxh3::xxh3_128(&seed).to_be_bytes();
    file::layout(file_name, &root, file::datime(now.as_secs()), uuid)
}

fn check_name(name: &str) -> Result<(), WriteError> {
    let bad = |reason: &str| {
        Err(WriteError::BadName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if name.is_empty() {
        bad("it is empty")
    } else if name.contains('/') || name.contains(';') {
        bad("ROOT keys cannot contain '/' or ';'")
    } else {
        Ok(())
    }
}
