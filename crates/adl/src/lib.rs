//! rask-adl: the eight ADL benchmark queries (`../shared/adl/QUERIES.md`) written with the builder API,
//! reading like their awkward / dask-awkward versions.
//!
//! Q8 follows the seed's dask-awkward code: concatenate muons and electrons along axis 1,
//! argcombinations, the same-flavour opposite-sign mask, the pair closest to the Z mass by
//! `argmin(keepdims)`, the highest-pT lepton not in the pair, the transverse mass with MET.
//! Every histogram has the binning and labels of the reference (`reference.py`, RDF binning).

use rask_plan::error::PlanError;
use rask_plan::expr::{Context, Expr};
use rask_plan::types::{Axis, Storage};

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
    let flavour = charge.mul(0)?.add(flavour)?; // zeros_like(charge) + flavour
    record.with_field("flavour", &flavour)
}

fn regular(bins: u32, lo: f64, hi: f64, label: &str) -> Axis {
    Axis::Regular {
        bins,
        lo,
        hi,
        label: label.to_string(),
    }
}

fn hist1(ctx: &Context, axis: Axis, x: &Expr) -> Result<Expr, PlanError> {
    ctx.hist(vec![axis], Storage::Int, &[x], None)
}

/// Records of a collection with the given fields (`ak.zip`).
fn zip_fields(
    ctx: &Context,
    events: &Expr,
    collection: &str,
    fields: &[&str],
) -> Result<Expr, PlanError> {
    let c = events.field(collection)?;
    let cols: Vec<Expr> = fields
        .iter()
        .map(|f| c.field(f))
        .collect::<Result<_, _>>()?;
    let pairs: Vec<(&str, &Expr)> = fields.iter().copied().zip(cols.iter()).collect();
    ctx.zip(&pairs)
}

/// Q1: the missing transverse energy of every event.
///
/// ```
/// # use std::sync::Arc;
/// let ctx = rask_plan::Context::new();
/// let events = ctx.source("events", &[], "Events", Arc::new(rask_adl::nano_schema()))?;
/// let q1 = rask_adl::q1(&ctx, &events)?;
/// assert_eq!(q1.necessary_columns()?["events"], vec!["MET_pt"]);
/// # Ok::<(), rask_plan::PlanError>(())
/// ```
pub fn q1(ctx: &Context, events: &Expr) -> Result<Expr, PlanError> {
    let met = events.field("MET")?.field("pt")?;
    hist1(ctx, regular(100, 0.0, 200.0, "MET [GeV]"), &met)
}

/// Q2: the pT of every jet (a jagged fill).
pub fn q2(ctx: &Context, events: &Expr) -> Result<Expr, PlanError> {
    let pt = events.field("Jet")?.field("pt")?;
    hist1(ctx, regular(100, 15.0, 60.0, "Jet pT [GeV]"), &pt)
}

/// Q3: the pT of jets with |η| < 1.
pub fn q3(ctx: &Context, events: &Expr) -> Result<Expr, PlanError> {
    let jets = events.field("Jet")?;
    let central = jets.field("eta")?.abs()?.lt(1.0)?;
    let pt = jets.field("pt")?.mask(&central)?;
    hist1(ctx, regular(100, 15.0, 60.0, "Jet pT (|eta|<1) [GeV]"), &pt)
}

/// Q4: MET of events with at least two jets of pT > 40 GeV.
pub fn q4(ctx: &Context, events: &Expr) -> Result<Expr, PlanError> {
    let njets = events.field("Jet")?.field("pt")?.gt(40.0)?.sum(Some(1))?;
    let met = events.field("MET")?.field("pt")?.mask(&njets.ge(2)?)?;
    hist1(ctx, regular(100, 0.0, 200.0, "MET [GeV]"), &met)
}

/// Q5: MET of events with an opposite-charge muon pair of invariant mass in (60, 120) GeV.
pub fn q5(ctx: &Context, events: &Expr) -> Result<Expr, PlanError> {
    let mu = zip_fields(ctx, events, "Muon", &["pt", "eta", "phi", "mass", "charge"])?;
    let pairs = mu.combinations(2)?; // i < j
    let (m1, m2) = (pairs.field("0")?, pairs.field("1")?);
    let mass = m1.p4_add(&m2)?.p4_mass()?;
    let good = (&(&m1.field("charge")?.ne(&m2.field("charge")?)? & &mass.gt(60.0)?)?
        & &mass.lt(120.0)?)?;
    let met = events
        .field("MET")?
        .field("pt")?
        .mask(&good.any(Some(1))?)?;
    hist1(ctx, regular(100, 0.0, 200.0, "MET [GeV]"), &met)
}

/// Q6: in events with ≥ 3 jets, the trijet with mass closest to 172.5 GeV: its pT (`q6a`) and
/// the largest b-tag among its jets (`q6b`).
pub fn q6(ctx: &Context, events: &Expr) -> Result<(Expr, Expr), PlanError> {
    let jets = zip_fields(ctx, events, "Jet", &["pt", "eta", "phi", "mass", "btag"])?;
    let jets = jets.mask(&jets.num()?.ge(3)?)?;
    let tri = jets.combinations(3)?; // i < j < k
    let (j1, j2, j3) = (tri.field("0")?, tri.field("1")?, tri.field("2")?);
    let p4 = j1.p4_add(&j2)?.p4_add(&j3)?;
    let best = (&p4.p4_mass()? - 172.5)?.abs()?.argmin(true)?; // first minimum
    let pt = p4.p4_pt()?.take(&best)?.firsts()?;
    let btag = j1
        .field("btag")?
        .maximum(&j2.field("btag")?)?
        .maximum(&j3.field("btag")?)?;
    let btag = btag.take(&best)?.firsts()?;
    Ok((
        hist1(ctx, regular(100, 15.0, 40.0, "Trijet pT [GeV]"), &pt)?,
        hist1(ctx, regular(100, 0.0, 1.0, "Trijet max b-tag"), &btag)?,
    ))
}

/// Q7: the scalar sum of the pT of jets with pT > 30 GeV that are not within ΔR < 0.4 of a
/// light lepton with pT > 10 GeV, for events with at least one such jet.
pub fn q7(ctx: &Context, events: &Expr) -> Result<Expr, PlanError> {
    let jets = zip_fields(ctx, events, "Jet", &["pt", "eta", "phi"])?;
    let light = |name: &str| -> Result<Expr, PlanError> {
        let l = zip_fields(ctx, events, name, &["pt", "eta", "phi"])?;
        l.mask(&l.field("pt")?.gt(10.0)?)
    };
    let leps = light("Muon")?.concatenate(&light("Electron")?)?;
    let pairs = jets.cartesian_nested(&leps)?; // [event][jet][lepton]
    let close = pairs
        .field("0")?
        .delta_r(&pairs.field("1")?)?
        .lt(0.4)?
        .any(Some(2))?;
    let good = (&jets.field("pt")?.gt(30.0)? & &close.not()?)?;
    let sumpt = jets.field("pt")?.mask(&good)?.sum(Some(1))?;
    let sumpt = sumpt.mask(&good.sum(Some(1))?.gt(0)?)?;
    hist1(
        ctx,
        regular(100, 15.0, 200.0, "Scalar sum of jet pT [GeV]"),
        &sumpt,
    )
}

/// The queries by histogram name (`q1` … `q8`, Q6 giving `q6a` and `q6b`), as the expected
/// files of `../shared/adl/expected/` name them.
pub fn query(ctx: &Context, events: &Expr, name: &str) -> Result<Vec<(String, Expr)>, PlanError> {
    let one = |e: Expr| Ok(vec![(name.to_string(), e)]);
    match name {
        "q1" => one(q1(ctx, events)?),
        "q2" => one(q2(ctx, events)?),
        "q3" => one(q3(ctx, events)?),
        "q4" => one(q4(ctx, events)?),
        "q5" => one(q5(ctx, events)?),
        "q6" => {
            let (a, b) = q6(ctx, events)?;
            Ok(vec![("q6a".to_string(), a), ("q6b".to_string(), b)])
        }
        "q7" => one(q7(ctx, events)?),
        "q8" => one(q8(ctx, events)?),
        other => Err(PlanError::Type {
            expr: format!("adl::query({other:?})"),
            message: "the ADL queries are q1 … q8".to_string(),
        }),
    }
}

/// The names of the eight queries.
pub const QUERIES: [&str; 8] = ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8"];

/// Q8: events with ≥ 3 light leptons and a same-flavour opposite-sign pair; the transverse mass
/// of MET and the highest-pT lepton not in the pair closest to 91.2 GeV. 100 bins in [0, 200).
///
/// ```
/// # use std::sync::Arc;
/// # use arrow_schema::{DataType, Field, Schema};
/// let ctx = rask_plan::Context::new();
/// let events = ctx.source("events", &[], "Events", Arc::new(rask_adl::nano_schema()))?;
/// let q8 = rask_adl::q8(&ctx, &events)?;
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
