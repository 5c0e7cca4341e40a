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

/// Names close to `name` (edit distance at most a third of its length, at least 2, or
/// containing it ignoring case), closest first, at most 5.
fn suggestions(name: &str, names: &[&str]) -> Vec<String> {
    let lower = name.to_lowercase();
    let limit = (name.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = names
        .iter()
        .filter_map(|&n| {
            let d = distance(name, n);
            let contains = !lower.is_empty() && n.to_lowercase().contains(&lower);
            (d <= limit || contains).then_some((d, n))
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored
        .into_iter()
        .take(5)
        .map(|(_, n)| n.to_string())
        .collect()
}

/// Levenshtein distance (in characters), transpositions counting as one edit.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}
