//! Lorentz vectors: sums, masses, transverse momenta, angles between records.

use super::*;

// ---------------------------------------------------------------------------------------------
// Lorentz vectors (single values; apply with map_records / map_record_pairs)
// ---------------------------------------------------------------------------------------------

use rask_core::kernels::P4;

pub(super) fn number_field(op: &'static str, v: &Value, name: &str) -> Res<f64> {
    v.field(name).and_then(Value::as_f64).map_err(|e| {
        RefError::new(
            op,
            None,
            RefErrorKind::TypeMismatch,
            format!("field {name:?}: {e}"),
        )
    })
}

/// The four-vector of a record: its carried components (a sum's hidden
/// `rask_core::kernels::CARTESIAN_FIELDS`), else `pt, eta, phi, mass` by the shared formulas of
/// `rask_core::kernels::lorentz` (E = sqrt(pt^2 + pz^2 + mass^2)), else its own `px, py, pz, E`
/// (`rask_core::kernels::vector_kind`: HZZ-style `Px, Py, Pz, E`).
pub(super) fn p4_from(op: &'static str, v: &Value) -> Res<P4> {
    let [px, py, pz, e] = rask_core::kernels::CARTESIAN_FIELDS;
    if let (Ok(px), Ok(py), Ok(pz), Ok(e)) = (v.field(px), v.field(py), v.field(pz), v.field(e)) {
        let num = |x: &Value| x.as_f64().map_err(|e| RefError::from_value(op, None, e));
        return Ok(P4 {
            px: num(px)?,
            py: num(py)?,
            pz: num(pz)?,
            e: num(e)?,
        });
    }
    let names: Vec<&str> = match v {
        Value::Record(fields) => fields.iter().map(|(n, _)| n.as_str()).collect(),
        _ => Vec::new(),
    };
    if let Some(rask_core::kernels::VectorKind::Cartesian([px, py, pz, e])) =
        rask_core::kernels::vector_kind(names.iter().copied())
    {
        return Ok(P4 {
            px: number_field(op, v, px)?,
            py: number_field(op, v, py)?,
            pz: number_field(op, v, pz)?,
            e: number_field(op, v, e)?,
        });
    }
    Ok(P4::from_ptetaphim(
        number_field(op, v, "pt")?,
        number_field(op, v, "eta")?,
        number_field(op, v, "phi")?,
        number_field(op, v, "mass")?,
    ))
}

/// The numeric field `name` of a record; when the record has no such field and `name` is one of
/// `pt, eta, phi, mass`, derived from its four-vector ([`p4_from`]: a sum's components or the
/// record's own `px, py, pz, E`).
///
/// `vector_field("pt", {px: 3, py: 4, pz: 0, E: 5}, "pt") == 5`
pub fn vector_field(op: &'static str, v: &Value, name: &str) -> Res<f64> {
    if v.field(name).is_ok() || !rask_core::kernels::VECTOR_FIELDS.contains(&name) {
        return number_field(op, v, name);
    }
    let p = p4_from(op, v).map_err(|_| {
        RefError::new(
            op,
            None,
            RefErrorKind::TypeMismatch,
            format!("field {name:?}: the record has neither it nor px, py, pz, E"),
        )
    })?;
    Ok(match name {
        "pt" => p.pt(),
        "eta" => p.eta(),
        "phi" => p.phi(),
        _ => p.mass(),
    })
}

/// Wraps an angle into [−π, π) as ((x + π) mod 2π) − π with numpy's `mod` (the remainder has
/// the sign of 2π), exactly as the ADL reference does; this may round even for x in [−π, π).
///
/// `wrap_angle(PI) == -PI`, `wrap_angle(6.2) ≈ 6.2 − 2π`
pub fn wrap_angle(x: f64) -> f64 {
    rask_core::kernels::delta_phi(x, 0.0)
}

/// The sum of two vectors given as records with numeric fields `pt`, `eta`, `phi`, `mass`
/// (other fields ignored), as a new `Record{pt, eta, phi, mass}` of `F64`.
///
/// Computed in f64 through Cartesian components (see the private `p4_from`: E from
/// pt cosh(eta) and mass), summed, then: pt = sqrt(px² + py²); eta = asinh(pz / pt), and for pt == 0:
/// eta = 0 if pz == 0, +inf if pz > 0, −inf if pz < 0; phi = atan2(py, px), in [−π, π]
/// (not wrapped; atan2(0, 0) = 0); mass = sqrt(max(E² − p², 0)).
///
/// `lorentz_add({pt: 10, eta: 0, phi: 0, mass: 0}, {pt: 10, eta: 0, phi: π, mass: 0})`
/// has mass 20 (and pt ≈ 1.2e-15 from sin π ≠ 0 in f64).
pub fn lorentz_add(a: &Value, b: &Value) -> Result<Value, RefError> {
    const OP: &str = "lorentz_add";
    let p = p4_from(OP, a)?;
    let q = p4_from(OP, b)?;
    let s = p + q;
    let [px, py, pz, e] = rask_core::kernels::CARTESIAN_FIELDS;
    Ok(Value::Record(vec![
        ("pt".to_string(), Value::F64(s.pt())),
        ("eta".to_string(), Value::F64(s.eta())),
        ("phi".to_string(), Value::F64(s.phi())),
        ("mass".to_string(), Value::F64(s.mass())),
        // The Cartesian sum itself, so that sums of sums are exact.
        (px.to_string(), Value::F64(s.px)),
        (py.to_string(), Value::F64(s.py)),
        (pz.to_string(), Value::F64(s.pz)),
        (e.to_string(), Value::F64(s.e)),
    ]))
}

/// The invariant mass (`F64`) of a vector record with fields `pt`, `eta`, `phi`, `mass`,
/// recomputed from its four-vector: sqrt(max(E² − p², 0)) with E = sqrt(p² + mass²). Equals
/// |mass| up to rounding.
///
/// `mass(lorentz_add(back_to_back_10_gev)) == 20`
pub fn mass(v: &Value) -> Result<Value, RefError> {
    Ok(Value::F64(p4_from("mass", v)?.mass()))
}

/// The `pt` field of a vector record, as `F64`.
///
/// `pt({pt: 3, eta: 0}) == 3.0`
pub fn pt(v: &Value) -> Result<Value, RefError> {
    Ok(Value::F64(vector_field("pt", v, "pt")?))
}

/// `a.phi − b.phi` wrapped into [−π, π) by [`wrap_angle`], as `F64`. Only the `phi` fields
/// are read.
///
/// `delta_phi({phi: 3.1}, {phi: -3.1}) ≈ 6.2 − 2π ≈ −0.0832`
pub fn delta_phi(a: &Value, b: &Value) -> Result<Value, RefError> {
    const OP: &str = "delta_phi";
    Ok(Value::F64(wrap_angle(
        vector_field(OP, a, "phi")? - vector_field(OP, b, "phi")?,
    )))
}

/// sqrt(Δη² + Δφ²) as `F64`, with Δη = a.eta − b.eta and Δφ as in [`delta_phi`]. Only the
/// `eta` and `phi` fields are read.
///
/// `delta_r({eta: 0, phi: 0}, {eta: 3, phi: 4}) == sqrt(9 + (2π − 4)²) ≈ 3.7700`
pub fn delta_r(a: &Value, b: &Value) -> Result<Value, RefError> {
    const OP: &str = "delta_r";
    let deta = vector_field(OP, a, "eta")? - vector_field(OP, b, "eta")?;
    let dphi = wrap_angle(vector_field(OP, a, "phi")? - vector_field(OP, b, "phi")?);
    Ok(Value::F64((deta * deta + dphi * dphi).sqrt()))
}

/// The transverse mass sqrt(2·pt1·pt2·(1 − cos(phi1 − phi2))) as `F64`, from four numbers
/// (converted with [`Value::as_f64`]). Not clamped: negative pt can give NaN.
///
/// `transverse_mass(10, 0, 10, π) == 20`
pub fn transverse_mass(
    pt1: &Value,
    phi1: &Value,
    pt2: &Value,
    phi2: &Value,
) -> Result<Value, RefError> {
    const OP: &str = "transverse_mass";
    let num = |v: &Value| v.as_f64().map_err(|e| RefError::from_value(OP, None, e));
    let (pt1, phi1, pt2, phi2) = (num(pt1)?, num(phi1)?, num(pt2)?, num(phi2)?);
    Ok(Value::F64(
        (2.0 * pt1 * pt2 * (1.0 - (phi1 - phi2).cos())).sqrt(),
    ))
}
