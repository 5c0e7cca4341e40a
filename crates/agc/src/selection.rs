//! The task's selection, observables and weights, for every systematic: the plan.
//!
//! The nominal analysis is written once, as a function of the jets' pT. The jet-pT shifts are
//! [`Context::vary`] variations of it (only what depends on the jets' pT is built again), the
//! weight variations come from [`Weights`] (the selection is shared; only the weight changes).

use rask_analysis::{Analysis, Weights};
use rask_plan::{Axis, Context, DType, Expr, PlanError, Storage};

use crate::{BINS, LUMI, REGIONS};

/// The plan of the task: for every region and systematic, the histogram of the observable by
/// dataset (Weight storage), all over one source.
#[derive(Debug, Clone)]
pub struct AgcPlan {
    /// The systematics, in the order of `hists` within a region: `nominal`, the jet-pT
    /// shifts, then the weight variations (named as the AGC names them: `btag_var_0_up`).
    pub systematics: Vec<String>,
    /// `hists[r * systematics.len() + s]`: region `REGIONS[r]`, systematic `s`.
    pub hists: Vec<Expr>,
    /// The datasets, in the order of the histograms' `dataset` axis (the order of the
    /// per-file column's codes: sorted by name).
    pub datasets: Vec<String>,
    /// What the variations share: [`rask_analysis::Varied::summary`].
    pub sharing: String,
    /// The nominal selection's cut-flow (exactly one lepton, ≥ 4 jets, ≥ 1 and ≥ 2 b-tags),
    /// counted and weighted, computed in the same pass as the histograms.
    pub cutflow: rask_analysis::Cutflow,
}

/// A jet-pT shift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shift {
    /// Every jet's pT times a number (`pt_scale_up`: 1.03).
    Scale(f64),
    /// Every jet's pT times its `Jet_pt_res_smear` (`pt_res_up`).
    Smear,
}

/// The systematics to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct Systematics {
    /// Jet-pT shifts, by name.
    pub shifts: Vec<(String, Shift)>,
    /// The AGC's b-tag weight variations `btag_var_{0..3}_{up,down}`.
    pub btag: bool,
    /// The AGC's W+jets scale variations `scale_var_{up,down}` (×1.025, ×0.975).
    pub scale_var: bool,
    /// More weight variations `(name, up, down)`, constant factors (to build analyses with
    /// hundreds of variations, as the benches do).
    pub flat: Vec<(String, f64, f64)>,
}

impl Systematics {
    /// The AGC's systematics: `pt_scale_up`, `pt_res_up`, the b-tag and W+jets scale weights.
    pub fn agc() -> Systematics {
        Systematics {
            shifts: vec![
                ("pt_scale_up".into(), Shift::Scale(1.03)),
                ("pt_res_up".into(), Shift::Smear),
            ],
            btag: true,
            scale_var: true,
            flat: Vec::new(),
        }
    }
}

/// Builds the task over `events` (a fileset source with the per-file columns `dataset`,
/// `process`, `xsec`, `nevts`); `datasets` are the dataset names by code, `data_code` the
/// code of process `data` in the `process` column (weight 1; any other value if there is no
/// data). The AGC's systematics: see [`build_with`].
pub fn build(
    ctx: &Context,
    events: &Expr,
    datasets: &[String],
    data_code: i32,
) -> Result<AgcPlan, PlanError> {
    build_with(ctx, events, datasets, data_code, &Systematics::agc())
}

/// [`build`] with other systematics.
pub fn build_with(
    ctx: &Context,
    events: &Expr,
    datasets: &[String],
    data_code: i32,
    sys: &Systematics,
) -> Result<AgcPlan, PlanError> {
    let shared = shared(events)?;
    let jet = events.field("Jet")?;
    let pt = jet.field("pt")?.cast(DType::F64)?;
    let nominal = select(ctx, &shared, &pt)?;
    let weights = weights(ctx, events, &pt, &nominal.jets, data_code, sys)?;
    let hist = |r: usize, sel: &Selected, weight: &Expr| -> Result<Expr, PlanError> {
        let region = &sel.regions[r];
        let axes = vec![
            Axis::Regular {
                bins: BINS.0,
                lo: BINS.1,
                hi: BINS.2,
                label: "observable".into(),
            },
            Axis::StrCategory {
                categories: datasets.to_vec(),
                label: "dataset".into(),
            },
        ];
        ctx.hist(
            axes,
            Storage::Weight,
            &[&sel.observables[r], &shared.dataset.mask(region)?],
            Some(&weight.mask(region)?),
        )
    };
    let w0 = weights.weight(None)?;
    let nominal_hists = (0..REGIONS.len())
        .map(|r| hist(r, &nominal, &w0))
        .collect::<Result<Vec<_>, _>>()?;
    // Jet-pT shifts: the nominal histograms with the jets' pT replaced.
    let smear = jet.field("pt_res_smear")?.cast(DType::F64)?;
    let shifted = sys
        .shifts
        .iter()
        .map(|(name, s)| {
            let to = match s {
                Shift::Scale(f) => pt.mul(*f)?,
                Shift::Smear => (&pt * &smear)?,
            };
            Ok((name.as_str(), to))
        })
        .collect::<Result<Vec<_>, PlanError>>()?;
    let replacements: Vec<(&str, Vec<(&Expr, &Expr)>)> = shifted
        .iter()
        .map(|(name, to)| (*name, vec![(&pt, to)]))
        .collect();
    let outputs: Vec<&Expr> = nominal_hists.iter().collect();
    let varied = ctx.vary(&outputs, &replacements)?;
    let mut systematics: Vec<String> = varied.names().iter().map(|n| n.to_string()).collect();
    let mut per_region: Vec<Vec<Expr>> = vec![Vec::new(); REGIONS.len()];
    for (_, outs) in &varied.variations {
        for (r, h) in outs.iter().enumerate() {
            per_region[r].push(h.clone());
        }
    }
    // Weight variations: the nominal selection, another weight.
    for v in weights.variations() {
        let w = weights.weight(Some(&v))?;
        for (r, hists) in per_region.iter_mut().enumerate() {
            hists.push(hist(r, &nominal, &w)?);
        }
        systematics.push(agc_name(&v));
    }
    let cuts: Vec<(&str, &Expr)> = nominal.cuts.iter().map(|(n, e)| (*n, e)).collect();
    let cutflow = ctx.cutflow(&cuts, Some(&w0))?;
    Ok(AgcPlan {
        cutflow,
        systematics,
        hists: per_region.into_iter().flatten().collect(),
        datasets: datasets.to_vec(),
        sharing: varied.summary(),
    })
}

/// `btag_var_0Up` (coffea's `Weights` naming) as the AGC names it: `btag_var_0_up`.
fn agc_name(variation: &str) -> String {
    if let Some(base) = variation.strip_suffix("Up") {
        format!("{base}_up")
    } else if let Some(base) = variation.strip_suffix("Down") {
        format!("{base}_down")
    } else {
        variation.to_string()
    }
}

/// The event weights: `xsec * lumi / nevts` for simulation (1 for data), and the variations.
fn weights(
    ctx: &Context,
    events: &Expr,
    pt: &Expr,
    jets: &Expr,
    data_code: i32,
    sys: &Systematics,
) -> Result<Weights, PlanError> {
    let norm = (&(&events.field("xsec")? * LUMI)? / &events.field("nevts")?)?;
    let is_data = events.field("process")?.eq(data_code)?;
    let mut w = Weights::new(ctx);
    w.add("norm", &ctx.where_(&is_data, 1.0, &norm)?)?;
    if sys.btag {
        // `1 ± 0.075 pT_i / 50`, pT_i the nominal pT of the i-th selected jet (the AGC's
        // `corrections.json` formula).
        let selected = pt.mask(jets)?;
        let index = selected.local_index()?;
        for i in 0..4 {
            let pt_i = selected.mask(&index.eq(i)?)?.firsts()?.fill_none(0.0)?;
            let x = pt_i.mul(0.075)?.div(50.0)?;
            let (up, down) = (x.add(1.0)?, ctx.literal(1.0)?.sub(&x)?);
            w.add_variation(&format!("btag_var_{i}"), &up, &down)?;
        }
    }
    if sys.scale_var {
        w.add_variation("scale_var", &ctx.literal(1.025)?, &ctx.literal(0.975)?)?;
    }
    for (name, up, down) in &sys.flat {
        w.add_variation(name, &ctx.literal(*up)?, &ctx.literal(*down)?)?;
    }
    Ok(w)
}

/// What every systematic shares: the leptons and the jets' fixed properties.
struct Shared {
    one_lepton: Expr,
    eta: Expr,
    phi: Expr,
    mass: Expr,
    btag: Expr,
    /// |η| < 2.4 and the tight-lepton-veto jet ID.
    jet_ok: Expr,
    is_b: Expr,
    dataset: Expr,
}

/// One jet-pT variation's selection and observables.
struct Selected {
    regions: [Expr; 2],
    /// The cuts in order, for the cut-flow.
    cuts: Vec<(&'static str, Expr)>,
    observables: [Expr; 2],
    /// The selected jets (a per-jet mask).
    jets: Expr,
}

fn shared(events: &Expr) -> Result<Shared, PlanError> {
    let el = events.field("Electron")?;
    let electrons = (&(&el.field("pt")?.gt(30.0)? & &el.field("eta")?.abs()?.lt(2.1)?)?
        & &(&el.field("cutBased")?.eq(4)? & &el.field("sip3d")?.lt(4.0)?)?)?;
    let mu = events.field("Muon")?;
    let muons = (&(&(&mu.field("pt")?.gt(30.0)? & &mu.field("eta")?.abs()?.lt(2.1)?)?
        & &mu.field("tightId")?)?
        & &(&mu.field("sip3d")?.lt(4.0)? & &mu.field("pfRelIso04_all")?.lt(0.15)?)?)?;
    let leptons = (&electrons.sum(Some(1))? + &muons.sum(Some(1))?)?;
    let jet = events.field("Jet")?;
    let eta = jet.field("eta")?.cast(DType::F64)?;
    // `(jetId & 4) != 0` (bit 2, tight lepton veto) for the non-negative IDs NanoAOD writes.
    let id_ok = jet.field("jetId")?.rem(8)?.ge(4.0)?;
    let btag = jet.field("btagCSVV2")?;
    Ok(Shared {
        one_lepton: leptons.eq(1)?,
        jet_ok: (&eta.abs()?.lt(2.4)? & &id_ok)?,
        is_b: btag.gt(0.5)?,
        eta,
        phi: jet.field("phi")?.cast(DType::F64)?,
        mass: jet.field("mass")?.cast(DType::F64)?,
        btag: btag.cast(DType::F64)?,
        dataset: events.field("dataset")?,
    })
}

/// The selection and the two observables with jet pT `pt` (per jet, f64).
fn select(ctx: &Context, s: &Shared, pt: &Expr) -> Result<Selected, PlanError> {
    let jets = (&pt.gt(30.0)? & &s.jet_ok)?;
    let n_jets = jets.sum(Some(1))?;
    let n_b = (&jets & &s.is_b)?.sum(Some(1))?;
    let four_jets = (&s.one_lepton & &n_jets.ge(4)?)?;
    let r1 = (&four_jets & &n_b.eq(1)?)?;
    let r2 = (&four_jets & &n_b.ge(2)?)?;
    // 4j1b: HT, the scalar sum of the selected jets' pT.
    let ht = pt.mask(&jets)?.sum(Some(1))?.mask(&r1)?;
    // 4j2b: the mass of the trijet of highest pT among those with a b-tagged jet.
    let p4 = ctx.zip(&[
        ("pt", pt),
        ("eta", &s.eta),
        ("phi", &s.phi),
        ("mass", &s.mass),
        ("btag", &s.btag),
    ])?;
    let tri = p4.mask(&jets)?.mask(&r2)?.combinations(3)?;
    let (j1, j2, j3) = (tri.field("0")?, tri.field("1")?, tri.field("2")?);
    let sum = j1.p4_add(&j2)?.p4_add(&j3)?;
    let max_btag = j1
        .field("btag")?
        .maximum(&j2.field("btag")?)?
        .maximum(&j3.field("btag")?)?;
    let tagged = sum.mask(&max_btag.gt(0.5)?)?;
    let best = tagged.p4_pt()?.argmax(true)?; // the first maximum, as ak.argmax
    let mass = tagged.p4_mass()?.take(&best)?.firsts()?;
    let cuts = vec![
        ("exactly 1 lepton", s.one_lepton.clone()),
        (">= 4 jets", n_jets.ge(4)?),
        (">= 1 b-tag", n_b.ge(1)?),
        (">= 2 b-tags", n_b.ge(2)?),
    ];
    Ok(Selected {
        regions: [r1, r2],
        cuts,
        observables: [ht, mass],
        jets,
    })
}
