//! From the plan's histograms (observable × dataset, one per region and systematic) to the
//! AGC's (observable × process × variation, one per region).

use rask_core::hist::{Axis, Histogram, Storage, StorageKind};

use crate::{BINS, PROCESSES, REGIONS, VARIATIONS};

/// What the task needs to know of a dataset: its `process` and `variation` metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetInfo {
    /// The dataset's name in the fileset (`ttbar__nominal`).
    pub name: String,
    /// Its `process` metadata: one of [`crate::PROCESSES`].
    pub process: String,
    /// Its `variation` metadata: `nominal`, or a ttbar variation sample (`scaledown`, ...).
    pub variation: String,
}

/// Histograms or datasets that do not fit the task.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AgcError {
    /// A dataset whose process is not one of the task's.
    #[error("dataset '{dataset}': process '{process}' is not one of the AGC's ({})", PROCESSES.join(", "))]
    UnknownProcess { dataset: String, process: String },
    /// A dataset whose variation is not one of the task's.
    #[error("dataset '{dataset}': variation '{variation}' is not one of the AGC's ({})", VARIATIONS.join(", "))]
    UnknownVariation { dataset: String, variation: String },
    /// A dataset of the plan without its metadata.
    #[error("dataset '{0}' has no process and variation metadata")]
    NoMetadata(String),
    /// Histograms that are not the task's (a `--sql` query with other axes or storage).
    #[error("not the AGC's histograms: {0}")]
    NotTheTask(String),
    /// Not the histograms the plan made (an internal error).
    #[error("internal error: {0}")]
    Internal(String),
}

/// The axes a histogram of the task must have: the observable (25 bins, 50–550 GeV) and the
/// datasets, in the order of `datasets`.
fn check_task_axes(h: &Histogram, datasets: &[DatasetInfo]) -> Result<(), AgcError> {
    let observable = matches!(
        h.axes.first(),
        Some(Axis::Regular { bins, lower, upper, .. })
            if (*bins, *lower, *upper) == BINS
    );
    if !observable {
        return Err(AgcError::NotTheTask(format!(
            "the first axis must be Regular({}, {}, {}), the observable",
            BINS.0, BINS.1, BINS.2
        )));
    }
    let names: Vec<&str> = datasets.iter().map(|d| d.name.as_str()).collect();
    match h.axes.get(1) {
        Some(Axis::StrCategory { categories, .. }) if *categories == names => Ok(()),
        _ => Err(AgcError::NotTheTask(format!(
            "the second axis must be the datasets ({})",
            names.join(", ")
        ))),
    }
}

/// Where the systematic `systematic` of dataset `d` goes on the `variation` axis: nominal
/// simulation gets every systematic (`scale_var_*` for W+jets only), the ttbar variation
/// samples and data only the nominal selection.
fn target(d: &DatasetInfo, systematic: &str) -> Option<String> {
    if d.variation != "nominal" {
        return (systematic == "nominal").then(|| d.variation.clone());
    }
    if d.process == "data" && systematic != "nominal" {
        return None;
    }
    if systematic.starts_with("scale_var") && d.process != "wjets" {
        return None;
    }
    Some(systematic.to_string())
}

/// The AGC histograms, one per region (in [`REGIONS`] order): `observable` Regular(25, 50,
/// 550) × `process` × `variation`, Weight storage, from `hists` (the computed histograms of
/// the plan's `hists`, in its order), its `systematics` and the datasets of its `dataset`
/// axis. Systematics that are not the AGC's (the benches' extra ones) are left out.
///
/// ```
/// use rask_agc::{DatasetInfo, assemble};
/// let d = DatasetInfo { name: "data__nominal".into(), process: "data".into(), variation: "nominal".into() };
/// assert!(assemble(&[], &["nominal".to_string()], &[d]).is_err()); // no histograms
/// ```
pub fn assemble(
    hists: &[Histogram],
    systematics: &[String],
    datasets: &[DatasetInfo],
) -> Result<Vec<Histogram>, AgcError> {
    if hists.len() != REGIONS.len() * systematics.len() {
        return Err(AgcError::Internal(format!(
            "{} histograms for {} regions x {} systematics",
            hists.len(),
            REGIONS.len(),
            systematics.len()
        )));
    }
    let mut places = Vec::with_capacity(datasets.len());
    for d in datasets {
        let p = PROCESSES
            .iter()
            .position(|p| *p == d.process)
            .ok_or_else(|| AgcError::UnknownProcess {
                dataset: d.name.clone(),
                process: d.process.clone(),
            })?;
        if !VARIATIONS.contains(&d.variation.as_str()) {
            return Err(AgcError::UnknownVariation {
                dataset: d.name.clone(),
                variation: d.variation.clone(),
            });
        }
        places.push(p);
    }
    let obs_bins = BINS.0 as usize + 2;
    let (n_proc, n_var) = (PROCESSES.len(), VARIATIONS.len());
    let mut out = Vec::with_capacity(REGIONS.len());
    for (r, _) in REGIONS.iter().enumerate() {
        let mut sum = vec![0.0; obs_bins * n_proc * n_var];
        let mut sum2 = vec![0.0; obs_bins * n_proc * n_var];
        for (s, systematic) in systematics.iter().enumerate() {
            let h = &hists[r * systematics.len() + s];
            check_task_axes(h, datasets)?;
            let Storage::Weight { sum: hs, sum2: hs2 } = &h.storage else {
                return Err(AgcError::NotTheTask(
                    "the histograms must have Weight storage (whist)".into(),
                ));
            };
            // The plan's dataset axis has a flow bin after the datasets.
            let n_ds = datasets.len() + 1;
            if hs.len() != obs_bins * n_ds || hs2.len() != hs.len() {
                return Err(AgcError::Internal(format!(
                    "{} bins for {obs_bins} x {n_ds}",
                    hs.len()
                )));
            }
            for (k, d) in datasets.iter().enumerate() {
                let Some(v) = target(d, systematic) else {
                    continue;
                };
                let Some(v) = VARIATIONS.iter().position(|x| *x == v) else {
                    continue; // not one of the AGC's (the benches' extra variations)
                };
                for b in 0..obs_bins {
                    let to = (b * n_proc + places[k]) * n_var + v;
                    sum[to] += hs[b * n_ds + k];
                    sum2[to] += hs2[b * n_ds + k];
                }
            }
        }
        let category = |cats: &[&str], name: &str, label: &str| Axis::StrCategory {
            categories: cats.iter().map(|c| c.to_string()).collect(),
            flow: false,
            name: name.into(),
            label: label.into(),
        };
        let mut h = Histogram::new(
            vec![
                Axis::Regular {
                    bins: BINS.0,
                    lower: BINS.1,
                    upper: BINS.2,
                    underflow: true,
                    overflow: true,
                    name: "observable".into(),
                    label: "observable [GeV]".into(),
                },
                category(&PROCESSES, "process", "Process"),
                category(&VARIATIONS, "variation", "Systematic variation"),
            ],
            StorageKind::Weight,
        );
        h.storage = Storage::Weight { sum, sum2 };
        out.push(h);
    }
    Ok(out)
}

/// The 1-D histogram of one process and variation of an assembled region (the observable).
///
/// ```
/// # let h = rask_core::hist::Histogram::new(vec![], rask_core::hist::StorageKind::Weight);
/// assert!(rask_agc::slice(&h, "ttbar", "nominal").is_err()); // not an assembled region
/// ```
pub fn slice(h: &Histogram, process: &str, variation: &str) -> Result<Histogram, AgcError> {
    let position = |axis: Option<&Axis>, name: &str| match axis {
        Some(Axis::StrCategory { categories, .. }) => categories.iter().position(|c| c == name),
        _ => None,
    };
    let (Some(obs), Some(p), Some(v)) = (
        h.axes.first(),
        position(h.axes.get(1), process),
        position(h.axes.get(2), variation),
    ) else {
        return Err(AgcError::Internal(format!(
            "no process '{process}' and variation '{variation}' in this histogram"
        )));
    };
    let Storage::Weight { sum, sum2 } = &h.storage else {
        return Err(AgcError::Internal(
            "a histogram without Weight storage".into(),
        ));
    };
    let (n_p, n_v) = (h.axes[1].extent(), h.axes[2].extent());
    let cells = obs.extent() * n_p * n_v;
    if h.axes.len() != 3 || sum.len() != cells || sum2.len() != cells {
        return Err(AgcError::NotTheTask(
            "an AGC region is observable x process x variation".into(),
        ));
    }
    let pick = |s: &[f64]| -> Vec<f64> {
        (0..obs.extent())
            .map(|b| s[(b * n_p + p) * n_v + v])
            .collect()
    };
    let mut out = Histogram::new(vec![obs.clone()], StorageKind::Weight);
    out.storage = Storage::Weight {
        sum: pick(sum),
        sum2: pick(sum2),
    };
    Ok(out)
}

/// A histogram with a last string-category axis (the `systematic` axis of SQL's
/// `by => systematic`) split into one histogram per category, with the category names.
///
/// ```
/// use rask_core::hist::{Axis, Histogram, StorageKind};
/// let x = Histogram::new(vec![Axis::regular(2, 0.0, 2.0, "x")], StorageKind::Weight);
/// let s = Axis::StrCategory { categories: vec!["nominal".into(), "up".into()], flow: true,
///     name: "systematic".into(), label: "systematic".into() };
/// let both = Histogram::stack(s, &[x.clone(), x.clone()]).unwrap();
/// let (names, parts) = rask_agc::unstack(&both).unwrap();
/// assert_eq!(names, ["nominal", "up"]);
/// assert_eq!(parts[1], x);
/// ```
pub fn unstack(h: &Histogram) -> Result<(Vec<String>, Vec<Histogram>), AgcError> {
    let Some((Axis::StrCategory { categories, .. }, rest)) = h.axes.split_last() else {
        return Err(AgcError::NotTheTask(
            "no systematic axis (by => (dataset, systematic))".into(),
        ));
    };
    let n = h.axes.last().map_or(1, Axis::extent);
    let Storage::Weight { sum, sum2 } = &h.storage else {
        return Err(AgcError::Internal(
            "a histogram without Weight storage".into(),
        ));
    };
    let parts = (0..categories.len())
        .map(|k| {
            let pick = |s: &[f64]| -> Vec<f64> { s.iter().skip(k).step_by(n).copied().collect() };
            let mut part = Histogram::new(rest.to_vec(), StorageKind::Weight);
            part.storage = Storage::Weight {
                sum: pick(sum),
                sum2: pick(sum2),
            };
            part
        })
        .collect();
    Ok((categories.clone(), parts))
}
