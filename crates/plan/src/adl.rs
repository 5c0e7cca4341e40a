//! ADL benchmark queries written with the builder API (Q8 here; the others arrive with the ADL issue).
//!
//! Q8 reads like the seed's dask-awkward version: concatenate muons and electrons along axis 1,
//! argcombinations, the same-flavour opposite-sign mask, the pair closest to the Z mass by
//! `argmin(keepdims)`, the highest-pT lepton not in the pair, the transverse mass with MET.

use crate::error::PlanError;
use crate::expr::{Context, Expr};
use crate::types::{Axis, Storage};

/// The leptons of one collection as records `pt, eta, phi, mass, charge, flavour`.
fn leptons(
    ctx: &Context,
    events: &Expr,
    collection: &str,
    flavour: i64,
) -> Result<Expr, PlanError> {
    let c = events.field(collection)?;
    let (pt, eta, phi, mass, charge) = (
        c.field("pt")?,
        c.field("eta")?,
        c.field("phi")?,
        c.field("mass")?,
        c.field("charge")?,
    );
    let record = ctx.zip(&[
        ("pt", &pt),
        ("eta", &eta),
        ("phi", &phi),
        ("mass", &mass),
        ("charge", &charge),
    ])?;
    let flavour = (&charge.mul(0)?).add(flavour)?; // zeros_like(charge) + flavour
    record.with_field("flavour", &flavour)
}

/// Q8: events with ≥ 3 light leptons and a same-flavour opposite-sign pair; the transverse mass
/// of MET and the highest-pT lepton not in the pair closest to 91.2 GeV. 100 bins in [0, 200).
///
/// ```
/// # use std::sync::Arc;
/// # use arrow_schema::{DataType, Field, Schema};
/// let ctx = rask_plan::Context::new();
/// let events = ctx.source("events", &[], "Events", Arc::new(rask_plan::adl::nano_schema()))?;
/// let q8 = rask_plan::adl::q8(&ctx, &events)?;
/// assert_eq!(q8.necessary_columns()?["events"].len(), 12);
/// # Ok::<(), rask_plan::PlanError>(())
/// ```
pub fn q8(ctx: &Context, events: &Expr) -> Result<Expr, PlanError> {
    let mu = leptons(ctx, events, "Muon", 0)?;
    let el = leptons(ctx, events, "Electron", 1)?;
    let leps = mu.concatenate(&el)?; // muons first, then electrons
    let keep = leps.num()?.ge(3)?;
    let leps = leps.mask(&keep)?;
    let met = events.field("MET")?.mask(&keep)?;

    let pairs = leps.argcombinations(2)?; // lexicographic i < j
    let (i1, i2) = (pairs.field("0")?, pairs.field("1")?);
    let (l1, l2) = (leps.take(&i1)?, leps.take(&i2)?);
    let sfos = (&l1.field("flavour")?.eq(&l2.field("flavour")?)?
        & &l1.field("charge")?.ne(&l2.field("charge")?)?)?;
    let mass = l1.p4_add(&l2)?.p4_mass()?;
    let dist = ctx.where_(&sfos, &(&mass - 91.2)?.abs()?, f64::INFINITY)?;
    let has = sfos.any(Some(1))?;
    let best = dist.argmin(true)?; // first minimum
    let b1 = i1.take(&best)?.firsts()?.mask(&has)?.fill_none(-1)?;
    let b2 = i2.take(&best)?.firsts()?.mask(&has)?.fill_none(-1)?;
    let (leps, met) = (leps.mask(&has)?, met.mask(&has)?);

    let idx = leps.field("pt")?.local_index()?;
    let other = (&idx.ne(&b1)? & &idx.ne(&b2)?)?;
    let pt_other = ctx.where_(&other, &leps.field("pt")?, f64::NEG_INFINITY)?;
    let k = pt_other.argmax(true)?; // first maximum
    let l3 = leps.take(&k)?.firsts()?;
    let dphi = met.field("phi")?.delta_phi(&l3.field("phi")?)?;
    let one_minus_cos = (&ctx.literal(1.0)? - &dphi.cos()?)?;
    let mt = ((&(&met.field("pt")? * &l3.field("pt")?)? * 2.0)? * &one_minus_cos)?.sqrt()?;
    let axis = Axis::Regular {
        bins: 100,
        lo: 0.0,
        hi: 200.0,
        label: "Transverse mass [GeV]".to_string(),
    };
    ctx.hist(vec![axis], Storage::Int, &[&mt], None)
}

/// The Arrow schema of the NanoAOD files of `gen_nanoaod.py`, as the readers report it (the
/// branches Q1–Q8 touch and a few others), for building plans without opening a file.
pub fn nano_schema() -> arrow_schema::Schema {
    use arrow_schema::{DataType, Field};
    let list = |t: DataType| DataType::List(std::sync::Arc::new(Field::new("item", t, false)));
    let jagged = |name: &str, t: DataType, counter: &str| {
        Field::new(name, list(t), false).with_metadata(
            [(
                rask_core::COUNTER_METADATA_KEY.to_string(),
                counter.to_string(),
            )]
            .into(),
        )
    };
    let mut fields = vec![
        Field::new("run", DataType::Int32, false),
        Field::new("event", DataType::UInt64, false),
        Field::new("HLT_IsoMu24", DataType::Boolean, false),
    ];
    for (coll, extra) in [
        ("Muon", &["pfRelIso03_all", "tightId", "dxy"][..]),
        ("Electron", &["pfRelIso03_all", "cutBased"][..]),
        ("Jet", &["btag", "puId"][..]),
    ] {
        fields.push(Field::new(format!("n{coll}"), DataType::Int32, false));
        for f in ["pt", "eta", "phi", "mass"] {
            fields.push(jagged(
                &format!("{coll}_{f}"),
                DataType::Float32,
                &format!("n{coll}"),
            ));
        }
        if coll != "Jet" {
            fields.push(jagged(
                &format!("{coll}_charge"),
                DataType::Int32,
                &format!("n{coll}"),
            ));
        }
        for f in extra {
            fields.push(jagged(
                &format!("{coll}_{f}"),
                DataType::Float32,
                &format!("n{coll}"),
            ));
        }
    }
    for f in ["pt", "phi", "sumEt"] {
        fields.push(Field::new(format!("MET_{f}"), DataType::Float32, false));
    }
    arrow_schema::Schema::new(fields)
}
