//! Reading UHI JSON histograms (as `rask` and Python's `hist` write them) back into
//! [`Histogram`]s: regular, variable and integer axes; int, double and weighted storage.

use std::path::Path;

use rask_core::hist::{Axis, Histogram, Storage};
use serde_json::Value;

/// Why a UHI JSON file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum UhiError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but not a histogram this reader takes (names the part at fault).
    #[error("{0}")]
    Format(String),
}

impl From<&str> for UhiError {
    fn from(m: &str) -> UhiError {
        UhiError::Format(m.to_string())
    }
}

impl From<String> for UhiError {
    fn from(m: String) -> UhiError {
        UhiError::Format(m)
    }
}

/// Reads a UHI JSON file. Errors name the file and what is wrong.
///
/// ```no_run
/// let h = rask::plot::uhi::read(std::path::Path::new("/tmp/adl/q1.json"))?;
/// assert_eq!(h.axes.len(), 1);
/// # Ok::<(), rask::plot::uhi::UhiError>(())
/// ```
pub fn read(path: &Path) -> Result<Histogram, UhiError> {
    let text = std::fs::read_to_string(path)?;
    let v: Value = serde_json::from_str(&text)?;
    from_json(&v)
}

/// A histogram from a parsed UHI JSON value.
///
/// ```
/// use rask_core::hist::{Axis, Histogram, StorageKind};
/// let mut h = Histogram::new(vec![Axis::regular(3, 0.0, 3.0, "x")], StorageKind::Weight);
/// h.fill(&[&[0.5, 2.5]], Some(&[2.0, 3.0])).unwrap();
/// assert_eq!(rask::plot::uhi::from_json(&h.to_uhi_json()).unwrap(), h);
/// ```
pub fn from_json(v: &Value) -> Result<Histogram, UhiError> {
    let axes = v
        .get("axes")
        .and_then(Value::as_array)
        .ok_or("no \"axes\" list")?
        .iter()
        .enumerate()
        .map(|(i, a)| axis(a).map_err(|e| UhiError::Format(format!("axis {i}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let size: usize = axes.iter().map(Axis::extent).product();
    let st = v.get("storage").ok_or("no \"storage\"")?;
    let kind = st
        .get("type")
        .and_then(Value::as_str)
        .ok_or("storage without a \"type\"")?;
    let values = |key: &str| -> Result<Vec<f64>, UhiError> {
        let mut out = Vec::with_capacity(size);
        flatten(
            st.get(key).ok_or(format!("storage without \"{key}\""))?,
            &mut out,
        )?;
        if out.len() != size {
            return Err(UhiError::from(format!(
                "storage \"{key}\" has {} numbers, the axes need {size}",
                out.len()
            )));
        }
        Ok(out)
    };
    let storage = match kind {
        "int" => Storage::Int(values("values")?.into_iter().map(|x| x as i64).collect()),
        "double" => Storage::Double(values("values")?),
        "weighted" => Storage::Weight {
            sum: values("values")?,
            sum2: values("variances")?,
        },
        other => {
            return Err(UhiError::from(format!(
                "storage type \"{other}\" cannot be plotted (int, double or weighted)"
            )));
        }
    };
    Ok(Histogram { axes, storage })
}

/// Numbers of a nested array, row-major.
fn flatten(v: &Value, out: &mut Vec<f64>) -> Result<(), UhiError> {
    match v {
        Value::Array(items) => items.iter().try_for_each(|x| flatten(x, out)),
        Value::Number(n) => {
            out.push(n.as_f64().ok_or("a number out of range")?);
            Ok(())
        }
        other => Err(UhiError::Format(format!(
            "{other} where a number was expected"
        ))),
    }
}

fn axis(a: &Value) -> Result<Axis, UhiError> {
    let flag = |k: &str| a.get(k).and_then(Value::as_bool).unwrap_or(true);
    let num = |k: &str| {
        a.get(k)
            .and_then(Value::as_f64)
            .ok_or(format!("no number \"{k}\""))
    };
    let meta = |k: &str| {
        a.get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (name, label) = (meta("name"), meta("label"));
    let label = if label.is_empty() {
        name.clone()
    } else {
        label
    };
    let ty = a.get("type").and_then(Value::as_str).ok_or("no \"type\"")?;
    match ty {
        "regular" => {
            let (lower, upper) = (num("lower")?, num("upper")?);
            let bins = a
                .get("bins")
                .and_then(Value::as_u64)
                .ok_or("no whole number \"bins\"")?;
            let bins = u32::try_from(bins).map_err(|_| format!("{bins} bins are too many"))?;
            if bins == 0 || !lower.is_finite() || !upper.is_finite() || lower >= upper {
                return Err(UhiError::from(format!(
                    "a regular axis needs bins > 0 and finite lower < upper ({bins} over [{lower}, {upper}])"
                )));
            }
            Ok(Axis::Regular {
                bins,
                lower,
                upper,
                underflow: flag("underflow"),
                overflow: flag("overflow"),
                name,
                label,
            })
        }
        "variable" => {
            let edges: Vec<f64> = a
                .get("edges")
                .and_then(Value::as_array)
                .ok_or("no \"edges\" list")?
                .iter()
                .map(|e| {
                    e.as_f64()
                        .ok_or(UhiError::from("an edge that is not a number"))
                })
                .collect::<Result<_, _>>()?;
            if edges.len() < 2
                || edges.windows(2).any(|w| w[0] >= w[1])
                || edges.iter().any(|e| !e.is_finite())
            {
                return Err(UhiError::Format(
                    "a variable axis needs two or more finite, increasing edges".to_string(),
                ));
            }
            Ok(Axis::Variable {
                edges,
                underflow: flag("underflow"),
                overflow: flag("overflow"),
                name,
                label,
            })
        }
        other => Err(UhiError::Format(format!(
            "a {other} axis cannot be plotted (regular or variable axes)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rask_core::hist::StorageKind;
    use serde_json::json;

    #[test]
    fn two_d_and_variable_axes_round_trip() {
        let mut h = Histogram::new(
            vec![
                Axis::regular(2, 0.0, 2.0, "x"),
                Axis::Variable {
                    edges: vec![0.0, 1.0, 5.0],
                    underflow: false,
                    overflow: true,
                    name: "y".into(),
                    label: "y [GeV]".into(),
                },
            ],
            StorageKind::Int,
        );
        h.fill(&[&[0.5, 1.5, 3.0], &[0.5, 4.0, 9.0]], None).unwrap();
        assert_eq!(from_json(&h.to_uhi_json()).unwrap(), h);
    }

    #[test]
    fn bad_files_are_errors_that_say_why() {
        let e = from_json(&json!({"axes": [{"type": "category_str", "categories": ["a"]}], "storage": {"type": "int", "values": [1]}})).unwrap_err().to_string();
        assert!(e.contains("axis 0") && e.contains("category_str"), "{e}");
        let e = from_json(&json!({"axes": [{"type": "regular", "lower": 0, "upper": 1, "bins": 2}], "storage": {"type": "double", "values": [1, 2]}})).unwrap_err().to_string();
        assert!(e.contains("2 numbers, the axes need 4"), "{e}");
        let e = from_json(&json!({"axes": [{"type": "regular", "lower": 1, "upper": 1, "bins": 2}], "storage": {}})).unwrap_err().to_string();
        assert!(e.contains("lower < upper"), "{e}");
    }
}
