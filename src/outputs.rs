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
