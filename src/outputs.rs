//! Where an output goes: the one function that turns an output name (an SQL alias, an ADL
//! query name) into a path, used by every writer (UHI JSON, plots). It checks the name again,
//! whatever checked it before, so that no name can write outside the output directory.

use std::path::{Component, Path, PathBuf};

pub use rask_plan::names::{BadOutputName, OUTPUT_NAME_RULE, check_output_name};

/// The file for output `name` with extension `ext` in `dir`: `dir/name.ext`, or an error when
/// `name` is not a plain output name (see [`rask_plan::names`]) or the result would not be a
/// file directly inside `dir`.
///
/// ```
/// use std::path::Path;
/// let p = rask::outputs::output_path(Path::new("out"), "q1", "json")?;
/// assert_eq!(p, Path::new("out/q1.json"));
/// assert!(rask::outputs::output_path(Path::new("out"), "../q1", "json").is_err());
/// assert!(rask::outputs::output_path(Path::new("out"), "q1", "../x").is_err());
/// # Ok::<(), rask::outputs::BadOutputName>(())
/// ```
pub fn output_path(dir: &Path, name: &str, ext: &str) -> Result<PathBuf, BadOutputName> {
    check_output_name(name)?;
    let file = format!("{name}.{ext}");
    let mut parts = Path::new(&file).components();
    match (parts.next(), parts.next()) {
        (Some(Component::Normal(_)), None) => Ok(dir.join(file)),
        _ => Err(BadOutputName {
            shown: format!("{file:?}"),
            reason: "it is not a plain file name".to_string(),
        }),
    }
}

/// How a batch run (`rask adl`, `rask query`) writes its histograms (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HistFormat {
    /// One UHI JSON file per histogram, `DIR/<name>.json` (the default).
    #[default]
    Json,
    /// One ROOT file, `DIR/hists.root` ([`ROOT_FILE`]), holding every histogram under its name
    /// (`TH1D`/`TH2D`, `TH1I`/`TH2I`: see [`rask_io_root::write`]).
    Root,
}

/// The output name of the ROOT file of [`HistFormat::Root`]: `DIR/hists.root`.
pub const ROOT_FILE: &str = "hists";

/// A histogram format other than `json` or `root`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown histogram format {0:?} (json or root)")]
pub struct UnknownFormat(pub String);

impl std::str::FromStr for HistFormat {
    type Err = UnknownFormat;

    /// `json` or `root`.
    ///
    /// ```
    /// use rask::outputs::HistFormat;
    /// assert_eq!("root".parse::<HistFormat>(), Ok(HistFormat::Root));
    /// assert!("yaml".parse::<HistFormat>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<HistFormat, UnknownFormat> {
        match s {
            "json" => Ok(HistFormat::Json),
            "root" => Ok(HistFormat::Root),
            _ => Err(UnknownFormat(s.to_string())),
        }
    }
}

/// Writes `hists` (name, histogram) into one ROOT file `dir/hists.root`, atomically, and
/// returns its path.
///
/// ```
/// use rask_core::hist::{Axis, Histogram, StorageKind};
/// let dir = tempfile::tempdir()?;
/// let h = Histogram::new(vec![Axis::regular(2, 0.0, 1.0, "x")], StorageKind::Int);
/// let p = rask::outputs::write_root(dir.path(), &[("q1", &h)])?;
/// assert_eq!(p, dir.path().join("hists.root"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_root(
    dir: &Path,
    hists: &[(&str, &rask_core::hist::Histogram)],
) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let path = output_path(dir, ROOT_FILE, "root")?;
    rask_io_root::write::write_histograms(&path, hists)?;
    Ok(path)
}
