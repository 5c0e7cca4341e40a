//! Vector records: records with `pt, eta, phi, mass`, carrying their Cartesian components in the
//! hidden fields `rask_core::kernels::CARTESIAN_FIELDS`.
//!
//! Records zipped from the four vector fields get the components once per particle, so that
//! combinations and takes gather them instead of recomputing trigonometry per tuple; a sum
//! (`p4_add`) is only its components, and its `pt, eta, phi, mass` are derived when a field is
//! asked for. The reference interpreter carries the same components, so both agree to the bit.
//!
//! Records with their own Cartesian components (`px, py, pz, E`, as HZZ-style files write
//! `Muon_Px ... Muon_E`) are vectors too: [`parts`] reads them and [`field`] derives
//! `pt, eta, phi, mass` from them, by the rule `rask_core::kernels::vector_kind` shared with
//! the typing and the reference interpreter.

use rask_core::column::Col;
use rask_core::kernels::{self, CARTESIAN_FIELDS, P4, VECTOR_FIELDS};
use rask_plan::types::Layout;

use super::error::EventError;

type R<T> = Result<T, EventError>;

fn numbers(c: &Col, name: &str) -> R<arrow_buffer::ScalarBuffer<f64>> {
    c.field(name)
        .ok_or_else(|| EventError::Internal(format!("the records have no field '{name}'")))?
        .f64_buffer()
        .map_err(EventError::from)
}

/// Whether a record column carries Cartesian components.
pub fn carries_cartesian(c: &Col) -> bool {
    has_cartesian(c)
}

fn has_cartesian(c: &Col) -> bool {
    CARTESIAN_FIELDS.iter().all(|f| c.field(f).is_some())
}

/// The record's own Cartesian components (`px, py, pz, E` in any case, or `energy`), when it
/// is not a `pt, eta, phi, mass` vector (`rask_core::kernels::vector_kind`).
fn own_cartesian(c: &Col) -> Option<[String; 4]> {
    let Col::Record(_, fields) = c else {
        return None;
    };
    match kernels::vector_kind(fields.iter().map(|(n, _)| n.as_str()))? {
        kernels::VectorKind::Cartesian(names) => Some(names.map(String::from)),
        kernels::VectorKind::PtEtaPhiMass => None,
    }
}

/// The Cartesian components (px, py, pz, E) of a vector record column: the carried ones
/// (shared buffers), else computed from `pt, eta, phi, mass`, else the record's own
/// `px, py, pz, E` (widened to f64).
pub fn parts(c: &Col) -> R<[arrow_buffer::ScalarBuffer<f64>; 4]> {
    if has_cartesian(c) {
        return Ok([
            numbers(c, CARTESIAN_FIELDS[0])?,
            numbers(c, CARTESIAN_FIELDS[1])?,
            numbers(c, CARTESIAN_FIELDS[2])?,
            numbers(c, CARTESIAN_FIELDS[3])?,
        ]);
    }
    if let Some([px, py, pz, e]) = own_cartesian(c) {
        return Ok([
            numbers(c, &px)?,
            numbers(c, &py)?,
            numbers(c, &pz)?,
            numbers(c, &e)?,
        ]);
    }
    let [pt, eta, phi, mass] = [
        numbers(c, "pt")?,
        numbers(c, "eta")?,
        numbers(c, "phi")?,
        numbers(c, "mass")?,
    ];
    let parts = kernels::cartesian_parts(kernels::PtEtaPhiM {
        pt: &pt,
        eta: &eta,
        phi: &phi,
        mass: &mass,
    });
    Ok(parts.map(Into::into))
}

/// A record of Cartesian components only (a sum).
pub fn from_parts(parts: [arrow_buffer::ScalarBuffer<f64>; 4]) -> Col {
    let n = parts[0].len();
    let fields = CARTESIAN_FIELDS
        .iter()
        .zip(parts)
        .map(|(name, v)| (name.to_string(), Col::F64(v)))
        .collect();
    Col::record(n, fields)
}

/// The field `name` of a record, derived from the Cartesian components when the record only
/// carries those (`pt`, `eta`, `phi`, `mass` of a sum, or of a record with its own
/// `px, py, pz, E`).
pub fn field(c: &Col, name: &str) -> Option<Col> {
    if let Some(f) = c.field(name) {
        return Some(f.clone());
    }
    if !VECTOR_FIELDS.contains(&name) || !(has_cartesian(c) || own_cartesian(c).is_some()) {
        return None;
    }
    let p = parts(c).ok()?;
    // Each measure compiled into its own loop (a function pointer per item is not inlined).
    Some(Col::F64(match name {
        "pt" => measured(&p, P4::pt),
        "eta" => measured(&p, P4::eta),
        "phi" => measured(&p, P4::phi),
        _ => measured(&p, P4::mass),
    }))
}

/// `f` of every four-vector with components `parts`.
fn measured(
    [px, py, pz, e]: &[arrow_buffer::ScalarBuffer<f64>; 4],
    f: impl Fn(P4) -> f64,
) -> arrow_buffer::ScalarBuffer<f64> {
    (0..px.len())
        .map(|i| {
            f(P4 {
                px: px[i],
                py: py[i],
                pz: pz[i],
                e: e[i],
            })
        })
        .collect()
}

/// A zipped record with its Cartesian components added, when it has the four vector fields.
pub fn with_cartesian(c: Col) -> Col {
    let Col::Record(n, fields) = &c else {
        return c;
    };
    let vector = VECTOR_FIELDS
        .iter()
        .all(|f| c.field(f).is_some_and(Col::is_number));
    if !vector || has_cartesian(&c) {
        return c;
    }
    let Ok(p) = parts(&c) else {
        return c;
    };
    let mut out: Vec<(String, Col)> = fields.to_vec();
    out.extend(from_parts(p).field_pairs());
    Col::record(*n, out)
}

/// A record about to get field `name`: when that is a vector field, the derived vector fields are
/// made explicit and the Cartesian components dropped (they would be stale).
pub fn before_setting(c: &Col, name: &str) -> Col {
    let Col::Record(n, fields) = c else {
        return c.clone();
    };
    if !VECTOR_FIELDS.contains(&name) || !has_cartesian(c) {
        return c.clone();
    }
    let mut out: Vec<(String, Col)> = fields
        .iter()
        .filter(|(f, _)| !CARTESIAN_FIELDS.contains(&f.as_str()))
        .cloned()
        .collect();
    for v in VECTOR_FIELDS {
        if c.field(v).is_some() {
            continue;
        }
        if let Some(d) = field(c, v) {
            out.push((v.to_string(), d));
        }
    }
    Col::record(*n, out)
}

/// The column with the structure of `layout`: records get exactly the typed fields, in order
/// (derived ones computed, hidden ones dropped). For outputs.
pub fn conform(c: &Col, layout: &Layout) -> R<Col> {
    Ok(match (c, layout) {
        (Col::List(o, items), Layout::List { item, .. }) => {
            Col::List(o.clone(), std::sync::Arc::new(conform(items, item)?))
        }
        (Col::Opt(v, inner), Layout::Option(l)) => {
            Col::Opt(v.clone(), std::sync::Arc::new(conform(inner, l)?))
        }
        (Col::Record(n, _), Layout::Record(fields)) => {
            let out = fields
                .iter()
                .map(|(name, l)| {
                    let f = field(c, name).ok_or_else(|| {
                        EventError::Internal(format!("no field '{name}' (was the branch read?)"))
                    })?;
                    Ok((name.clone(), conform(&f, l)?))
                })
                .collect::<R<Vec<_>>>()?;
            Col::record(*n, out)
        }
        (other, _) => other.clone(),
    })
}

trait FieldPairs {
    fn field_pairs(self) -> Vec<(String, Col)>;
}

impl FieldPairs for Col {
    fn field_pairs(self) -> Vec<(String, Col)> {
        match self {
            Col::Record(_, f) => f.to_vec(),
            _ => Vec::new(),
        }
    }
}
