//! [`CorrectionSet`]: the corrections of one file, looked up by name.

use std::path::Path;
use std::sync::Arc;

use crate::error::CorrectionError;
use crate::evaluator::Evaluator;
use crate::load;

/// The corrections and compound corrections of one correctionlib file (schema version 2),
/// validated and ready to evaluate.
///
/// ```
/// use rask_correction::CorrectionSet;
/// let set = CorrectionSet::from_json(r#"{"schema_version": 2, "description": "demo",
///   "corrections": [{"name": "one", "version": 2, "inputs": [],
///                    "output": {"name": "w", "type": "real"}, "data": 1.0}]}"#)?;
/// assert_eq!(set.names(), vec!["one"]);
/// assert_eq!(set.description(), "demo");
/// assert_eq!(set.get("one")?.version(), 2);
/// # Ok::<(), rask_correction::CorrectionError>(())
/// ```
#[derive(Debug)]
pub struct CorrectionSet {
    description: String,
    corrections: Vec<Arc<Evaluator>>,
    compound_corrections: Vec<Arc<Evaluator>>,
}

impl CorrectionSet {
    pub(crate) fn new(
        description: String,
        corrections: Vec<Arc<Evaluator>>,
        compound_corrections: Vec<Arc<Evaluator>>,
    ) -> CorrectionSet {
        CorrectionSet {
            description,
            corrections,
            compound_corrections,
        }
    }

    /// Reads and validates the correction file at `path`: JSON, or gzip-compressed JSON
    /// (recognised by its magic bytes, whatever the file's name).
    ///
    /// ```no_run
    /// let set = rask_correction::CorrectionSet::from_path("muon_Z.json.gz".as_ref())?;
    /// # Ok::<(), rask_correction::CorrectionError>(())
    /// ```
    pub fn from_path(path: &Path) -> Result<CorrectionSet, CorrectionError> {
        let bytes = load::read_file(path)?;
        load::parse(&bytes, &path.display().to_string()).map_err(|e| match e {
            // These name the correction and the node, not the file.
            CorrectionError::UnknownNodeType { .. }
            | CorrectionError::InvalidStructure { .. }
            | CorrectionError::FormulaParse { .. } => CorrectionError::InFile {
                path: path.to_path_buf(),
                source: Box::new(e),
            },
            other => other,
        })
    }

    /// Reads and validates a correction set from JSON text.
    ///
    /// ```
    /// let set = rask_correction::CorrectionSet::from_json(r#"{"schema_version": 1, "corrections": []}"#);
    /// assert!(matches!(set, Err(e) if e.to_string().contains("schema_version 1")));
    /// ```
    pub fn from_json(text: &str) -> Result<CorrectionSet, CorrectionError> {
        load::parse(text.as_bytes(), "<JSON string>")
    }

    /// The schema version (always 2: other versions are refused).
    pub fn schema_version(&self) -> i64 {
        2
    }

    /// The set's description (empty when the file gives none).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The names of the corrections, then of the compound corrections, in file order.
    pub fn names(&self) -> Vec<&str> {
        self.corrections
            .iter()
            .chain(&self.compound_corrections)
            .map(|e| e.name())
            .collect()
    }

    /// The correction (or else compound correction) called `name`; for an unknown name, an
    /// error listing close names.
    ///
    /// ```
    /// use rask_correction::{CorrectionError, CorrectionSet};
    /// let set = CorrectionSet::from_json(r#"{"schema_version": 2, "corrections": [
    ///   {"name": "muon_sf", "version": 1, "inputs": [],
    ///    "output": {"name": "w", "type": "real"}, "data": 1.0}]}"#)?;
    /// assert!(matches!(set.get("muon_fs"),
    ///     Err(CorrectionError::UnknownCorrection { suggestions, .. }) if suggestions == ["muon_sf"]));
    /// # Ok::<(), CorrectionError>(())
    /// ```
    pub fn get(&self, name: &str) -> Result<Arc<Evaluator>, CorrectionError> {
        self.corrections
            .iter()
            .chain(&self.compound_corrections)
            .find(|e| e.name() == name)
            .cloned()
            .ok_or_else(|| CorrectionError::UnknownCorrection {
                name: name.to_string(),
                suggestions: suggestions(name, &self.names()),
            })
    }
}

/// Names close to `name`, closest first (the workspace's one rule:
/// [`rask_core::suggest::closest`]).
fn suggestions(name: &str, names: &[&str]) -> Vec<String> {
    rask_core::suggest::closest(name, names.iter().copied())
        .into_iter()
        .map(str::to_string)
        .collect()
}
