//! Which record fields a fused body reads from each of its values, so that gathers
//! (combinations, cartesian products, takes and masks) move only those fields.
//!
//! The plan's projection pushdown already reads only the branches a query needs; inside one
//! partition, though, a record is often gathered for a few of its fields. ADL Q6 builds every
//! trijet from jets carrying `pt, eta, phi, mass` and their Cartesian components, then only sums
//! the components: half the gathered columns were never read. [`demands`] walks the body once
//! from its output back to its inputs and gives each operation the fields its consumers read;
//! [`Demand::keep`] cuts a record down to them just before it is gathered.
//!
//! The analysis is conservative: a consumer it does not know reads everything
//! ([`Demand::all`]), and a record missing a demanded field (one derived from Cartesian
//! components, say) is kept whole, so the derivation still finds what it needs.

use std::collections::BTreeMap;

use rask_core::column::Col;
use rask_core::kernels::{self, CARTESIAN_FIELDS, VECTOR_FIELDS};
use rask_plan::op::{FusedBody, FusedRef, LorentzOp, Op};

use super::sums::Sums;

/// The fields of a value's records that its consumers read (records at any list or option
/// depth; leaves ignore it).
///
/// ```
/// use rask_exec::events::demand::Demand;
/// let pt = Demand::field("pt", Demand::all());
/// let parts = Demand::vector_parts();
/// assert!(!pt.wants_parts() && parts.wants_parts());
/// assert!(pt.union(&parts).wants_parts());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Demand {
    /// Every field (outputs, and consumers the analysis does not know).
    every: bool,
    /// The vector components, as `super::vector::parts` reads them.
    parts: bool,
    /// Named fields, each with what is read of it.
    fields: BTreeMap<String, Demand>,
}

impl Demand {
    /// Everything is read.
    pub fn all() -> Demand {
        Demand {
            every: true,
            ..Demand::default()
        }
    }

    /// Nothing of the records is read (only the structure: counts, offsets).
    pub fn none() -> Demand {
        Demand::default()
    }

    /// The record field `name`, of which `inner` is read.
    pub fn field(name: &str, inner: Demand) -> Demand {
        Demand {
            fields: BTreeMap::from([(name.to_string(), inner)]),
            ..Demand::default()
        }
    }

    /// The components of a vector record (its Cartesian ones when it carries them).
    pub fn vector_parts() -> Demand {
        Demand {
            parts: true,
            ..Demand::default()
        }
    }

    /// Whether the vector components are read (so gathering them once per particle pays).
    pub fn wants_parts(&self) -> bool {
        self.every || self.parts
    }

    /// What either demand reads.
    pub fn union(&self, other: &Demand) -> Demand {
        if self.every || other.every {
            return Demand::all();
        }
        let mut fields = self.fields.clone();
        for (name, d) in &other.fields {
            let merged = match fields.get(name) {
                Some(mine) => mine.union(d),
                None => d.clone(),
            };
            fields.insert(name.clone(), merged);
        }
        Demand {
            every: false,
            parts: self.parts || other.parts,
            fields,
        }
    }

    /// What is read of field `name` of the records.
    pub fn sub(&self, name: &str) -> Demand {
        if self.every || (self.parts && may_be_component(name)) {
            return Demand::all();
        }
        self.fields.get(name).cloned().unwrap_or_default()
    }

    /// `c` with only the demanded fields of its records (shared buffers, nothing copied).
    pub fn keep(&self, c: &Col) -> Col {
        if self.every {
            return c.clone();
        }
        match c {
            Col::List(o, items) => Col::List(o.clone(), std::sync::Arc::new(self.keep(items))),
            Col::Opt(v, inner) => Col::Opt(v.clone(), std::sync::Arc::new(self.keep(inner))),
            Col::Record(n, fields) => {
                let has = |name: &str| fields.iter().any(|(f, _)| f == name);
                // A demanded field the records lack is derived from others: keep them all.
                if self.fields.keys().any(|name| !has(name)) {
                    return c.clone();
                }
                let names: Vec<(String, Col)> = fields.to_vec();
                let components = self.parts.then(|| components_of(&names)).flatten();
                if self.parts && components.is_none() {
                    // Not a vector: whatever `parts` would report about it, it reports on
                    // the whole record.
                    return c.clone();
                }
                let kept = names
                    .iter()
                    .filter_map(|(name, col)| {
                        if components.as_ref().is_some_and(|k| k.contains(name)) {
                            return Some((name.clone(), col.clone()));
                        }
                        let d = self.fields.get(name)?;
                        Some((name.clone(), d.keep(col)))
                    })
                    .collect();
                Col::record(*n, kept)
            }
            leaf => leaf.clone(),
        }
    }
}

/// The fields `super::vector::parts` reads of a record: the carried Cartesian components, else
/// `pt, eta, phi, mass`, else the record's own `px, py, pz, E`; `None` for non-vectors.
fn components_of(fields: &[(String, Col)]) -> Option<Vec<String>> {
    let names = || fields.iter().map(|(n, _)| n.as_str());
    if CARTESIAN_FIELDS.iter().all(|c| names().any(|n| n == *c)) {
        return Some(CARTESIAN_FIELDS.map(String::from).to_vec());
    }
    match kernels::vector_kind(names())? {
        kernels::VectorKind::PtEtaPhiMass => Some(VECTOR_FIELDS.map(String::from).to_vec()),
        kernels::VectorKind::Cartesian(own) => Some(own.map(String::from).to_vec()),
    }
}

/// Whether a field could be one of a vector's components (of any of its forms).
fn may_be_component(name: &str) -> bool {
    VECTOR_FIELDS.contains(&name)
        || CARTESIAN_FIELDS.contains(&name)
        || matches!(
            name.to_ascii_lowercase().as_str(),
            "px" | "py" | "pz" | "e" | "energy"
        )
}

/// What each operation's consumers read of its value, by body index: the output is read whole,
/// and each operation passes on to its operands what it reads of them, except the operations
/// `sums` computes another way (a combination whose sums it computes reads the vector parts).
///
/// ```
/// use rask_exec::events::demand::{Demand, demands};
/// use rask_exec::events::sums::Sums;
/// use rask_plan::op::{FusedBody, FusedRef};
/// use rask_plan::{Key, Op};
/// // field[pt](zip[pt, eta](in0, in1)): the zip is read for `pt` only.
/// let body = FusedBody {
///     ops: vec![
///         (Op::Zip(vec!["pt".into(), "eta".into()]), vec![FusedRef::Input(0), FusedRef::Input(1)]),
///         (Op::Field("pt".into()), vec![FusedRef::Op(0)]),
///     ],
///     output: 1,
///     keys: vec![Key(1), Key(2)],
///     input_keys: vec![Key(3), Key(4)],
/// };
/// let d = demands(&body, &Sums::default());
/// assert_eq!(d[0], Demand::field("pt", Demand::all()));
/// assert_eq!(d[1], Demand::all());
/// ```
pub fn demands(body: &FusedBody, sums: &Sums) -> Vec<Demand> {
    let mut out = vec![Demand::none(); body.ops.len()];
    if let Some(o) = out.get_mut(body.output) {
        *o = Demand::all();
    }
    for (i, (op, refs)) in body.ops.iter().enumerate().rev() {
        if sums.silent(i) {
            continue;
        }
        let mine = out[i].clone();
        for (k, r) in refs.iter().enumerate() {
            let FusedRef::Op(j) = *r else {
                continue;
            };
            let mut read = operand_demand(op, k, &mine);
            if sums.stashes(i) {
                // The chains over this combination sum its particles' components.
                read = read.union(&Demand::vector_parts());
            }
            out[j] = out[j].union(&read);
        }
    }
    out
}

/// What `op`, whose value is read as `mine`, reads of its operand `k`.
fn operand_demand(op: &Op, k: usize, mine: &Demand) -> Demand {
    match op {
        Op::Field(name) => Demand::field(name, mine.clone()),
        Op::Zip(names) => mine.sub(&names[k]),
        // The mask and the indices are read whole; the data as the result is.
        Op::Mask | Op::Take if k == 1 => Demand::all(),
        Op::Mask | Op::Take | Op::Firsts | Op::Singletons | Op::Flatten | Op::ListSlice { .. } => {
            mine.clone()
        }
        Op::Combinations { names, .. } => names
            .iter()
            .fold(Demand::none(), |d, name| d.union(&mine.sub(name))),
        Op::Cartesian { names } | Op::CartesianNested { names } => mine.sub(&names[k]),
        Op::ArgCombinations { .. } | Op::Num | Op::LocalIndex => Demand::none(),
        Op::Lorentz(l) => match l {
            LorentzOp::Add | LorentzOp::Mass => Demand::vector_parts(),
            LorentzOp::Pt => Demand::field("pt", Demand::all()),
            LorentzOp::Eta => Demand::field("eta", Demand::all()),
            LorentzOp::Phi | LorentzOp::DeltaPhi => Demand::field("phi", Demand::all()),
            LorentzOp::DeltaR => {
                Demand::field("eta", Demand::all()).union(&Demand::field("phi", Demand::all()))
            }
            LorentzOp::Mt => {
                Demand::field("pt", Demand::all()).union(&Demand::field("phi", Demand::all()))
            }
        },
        _ => Demand::all(),
    }
}
