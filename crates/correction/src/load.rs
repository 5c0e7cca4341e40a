//! Reading a correction file (plain or gzip JSON, told apart by the gzip magic bytes as
//! correctionlib does) and turning its text into a validated [`CorrectionSet`].

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use flate2::read::MultiGzDecoder;
use serde_json::Value;

use crate::error::CorrectionError;
use crate::evaluator::Evaluator;
use crate::schema::{CompoundDoc, CorrectionDoc, CorrectionSetDoc};
use crate::set::CorrectionSet;
use crate::{MAX_JSON_BYTES, compound, json, validate};

/// The JSON bytes of the file at `path`, decompressed when it starts with the gzip magic.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, CorrectionError> {
    let io = |source| CorrectionError::Io {
        path: path.to_path_buf(),
        source,
    };
    let too_large = || CorrectionError::TooLarge {
        origin: path.display().to_string(),
        limit: MAX_JSON_BYTES,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_JSON_BYTES {
        return Err(too_large());
    }
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    let mut text = Vec::new();
    MultiGzDecoder::new(bytes.as_slice())
        .take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|source| CorrectionError::Gzip {
            path: path.to_path_buf(),
            source,
        })?;
    if text.len() as u64 > MAX_JSON_BYTES {
        return Err(too_large());
    }
    Ok(text)
}

/// A correction set from JSON bytes; `origin` names them in errors.
pub(crate) fn parse(bytes: &[u8], origin: &str) -> Result<CorrectionSet, CorrectionError> {
    if bytes.len() as u64 > MAX_JSON_BYTES {
        return Err(CorrectionError::TooLarge {
            origin: origin.to_string(),
            limit: MAX_JSON_BYTES,
        });
    }
    let schema = |message: String| CorrectionError::Schema {
        origin: origin.to_string(),
        message,
    };
    let value = json::parse(bytes).map_err(|e| {
        let (line, column) = json::line_column(bytes, e.offset);
        CorrectionError::Json {
            origin: origin.to_string(),
            line,
            column,
            message: e.message,
        }
    })?;
    if !value.is_object() {
        return Err(schema(
            "the document is not a JSON object (a correction set)".to_string(),
        ));
    }
    let doc: CorrectionSetDoc = serde_json::from_value(value)
        .map_err(|e| schema(format!("invalid correction set: {e}")))?;
    match &doc.schema_version {
        Some(v) if v.as_i64() == Some(2) => {}
        found => {
            return Err(CorrectionError::SchemaVersion {
                origin: origin.to_string(),
                found: found
                    .as_ref()
                    .map_or_else(|| "(missing)".to_string(), Value::to_string),
            });
        }
    }
    let Some(items) = doc.corrections else {
        return Err(schema(
            "the correction set has no \"corrections\"".to_string(),
        ));
    };
    let mut corrections: Vec<Arc<Evaluator>> = Vec::with_capacity(items.len());
    let mut by_name: HashMap<String, Arc<Evaluator>> = HashMap::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let label = label(&item, "correction", i);
        let doc: CorrectionDoc = typed(item, &label)?;
        let ev = Arc::new(validate::correction(doc)?);
        if by_name.contains_key(ev.name()) {
            return Err(schema(format!("duplicate correction name {:?}", ev.name())));
        }
        by_name.insert(ev.name().to_string(), Arc::clone(&ev));
        corrections.push(ev);
    }
    let mut compounds: Vec<Arc<Evaluator>> = Vec::new();
    for (i, item) in doc
        .compound_corrections
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let label = label(&item, "compound correction", i);
        let doc: CompoundDoc = typed(item, &label)?;
        let ev = compound::build(doc, |n| by_name.get(n).cloned())?;
        if compounds.iter().any(|c| c.name() == ev.name()) {
            return Err(schema(format!(
                "duplicate compound correction name {:?}",
                ev.name()
            )));
        }
        compounds.push(Arc::new(ev));
    }
    Ok(CorrectionSet::new(
        doc.description.unwrap_or_default(),
        corrections,
        compounds,
    ))
}

/// The name of a correction for messages before it is read: its `"name"`, else its place.
fn label(item: &Value, what: &str, i: usize) -> String {
    match item.get("name").and_then(Value::as_str) {
        Some(n) => n.to_string(),
        None => format!("{what} #{i}"),
    }
}

/// A correction's (or compound correction's) typed model.
fn typed<T: serde::de::DeserializeOwned>(item: Value, label: &str) -> Result<T, CorrectionError> {
    if !item.is_object() {
        return Err(CorrectionError::InvalidStructure {
            correction: label.to_string(),
            path: "correction".to_string(),
            what: "expected an object".to_string(),
        });
    }
    serde_json::from_value(item).map_err(|e| CorrectionError::InvalidStructure {
        correction: label.to_string(),
        path: "correction".to_string(),
        what: e.to_string(),
    })
}
