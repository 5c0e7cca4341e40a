//! The IRIS-HEP Analysis Grand Challenge (AGC) CMS ttbar task, NanoAOD version, written with
//! the plan's builder API: the definition in `tests/data-gen/AGC.md`, which the coffea
//! reference `benches/compare/agc_coffea.py` implements too.
//!
//! The whole task is one plan over a fileset opened as one source (`dataset`, `process`,
//! `xsec`, `nevts` are per-file columns): for every region and systematic a histogram of the
//! observable by dataset, all filled in one pass. The jet-pT variations rebuild only what
//! depends on the jets' pT (CSE shares the leptons, the b-tags and the event counts); the
//! weight variations share the whole selection. [`assemble`] then regroups the datasets and
//! systematics into the AGC's `process` × `variation` axes.
//!
//! ```
//! let ctx = rask_plan::Context::new();
//! let events = rask_agc::source(&ctx, &["data__nominal", "ttbar__nominal"])?;
//! let plan = rask_agc::build(&ctx, &events, &["data__nominal".into(), "ttbar__nominal".into()], 0)?;
//! assert_eq!(plan.hists.len(), 2 * plan.systematics.len());
//! assert_eq!(plan.systematics.len(), rask_agc::SYSTEMATICS.len());
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```

mod assemble;
mod schema;
mod selection;

pub use assemble::{AgcError, DatasetInfo, assemble, slice, unstack};
pub use schema::{schema, source};
pub use selection::{AgcPlan, Shift, Systematics, build, build_with};

/// The regions: exactly one tight lepton and at least four jets, with one b-tagged jet (HT)
/// or at least two (the mass of the b-tagged trijet of highest pT).
pub const REGIONS: [&str; 2] = ["4j1b", "4j2b"];

/// The `process` axis, in the AGC's order.
pub const PROCESSES: [&str; 6] = [
    "ttbar",
    "single_top_s_chan",
    "single_top_t_chan",
    "single_top_tW",
    "wjets",
    "data",
];

/// The `variation` axis: the systematics, then the ttbar variation samples.
pub const VARIATIONS: [&str; 17] = [
    "nominal",
    "pt_scale_up",
    "pt_res_up",
    "btag_var_0_up",
    "btag_var_0_down",
    "btag_var_1_up",
    "btag_var_1_down",
    "btag_var_2_up",
    "btag_var_2_down",
    "btag_var_3_up",
    "btag_var_3_down",
    "scale_var_up",
    "scale_var_down",
    "scaledown",
    "scaleup",
    "ME_var",
    "PS_var",
];

/// The systematics computed for every nominal simulated dataset (`scale_var_*` are kept for
/// W+jets only): the first 13 variations.
pub const SYSTEMATICS: &[&str] = VARIATIONS.split_at(13).0;

/// The integrated luminosity of the task, in /pb.
pub const LUMI: f64 = 3378.0;

/// The observable's binning: 25 bins from 50 to 550 GeV.
pub const BINS: (u32, f64, f64) = (25, 50.0, 550.0);
