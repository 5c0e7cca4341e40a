//! Cut-flows (coffea's `PackedSelection.cutflow`): events passing each named cut in sequence,
//! each cut alone, and all cuts but one (N-1), counted and optionally summed with a weight,
//! all as outputs of one plan (one pass).
//!
//! ```
//! # use std::sync::Arc;
//! let ctx = rask_plan::Context::new();
//! let events = ctx.source("events", &[], "Events", Arc::new(rask_adl::nano_schema()))?;
//! let met = events.field("MET")?.field("pt")?;
//! let nj = events.field("Jet")?.num()?;
//! use rask_analysis::Analysis;
//! let flow = ctx.cutflow(&[("MET > 20", &met.gt(20.0)?), ("2 jets", &nj.ge(2)?)], None)?;
//! assert_eq!(flow.outputs().len(), 1 + 3 * 2);
//! # Ok::<(), rask_plan::PlanError>(())
//! ```

use rask_plan::types::{DType, Layout, Ty};
use rask_plan::{Context, Expr, PlanError};

/// The outputs of a cut-flow: whole-collection counts (and weighted sums), in a fixed order.
#[derive(Debug, Clone)]
pub struct Cutflow {
    /// The cut names, in order.
    pub names: Vec<String>,
    /// Events before any cut.
    pub total: Expr,
    /// Events passing cut `i` alone.
    pub onecut: Vec<Expr>,
    /// Events passing cuts `0..=i`.
    pub cutflow: Vec<Expr>,
    /// Events passing every cut but `i`.
    pub nminusone: Vec<Expr>,
    /// The same with the weight summed instead of events counted.
    pub weighted: Option<WeightedCutflow>,
}

/// The weighted sums of a [`Cutflow`].
#[derive(Debug, Clone)]
pub struct WeightedCutflow {
    /// The sum of the weight over all events.
    pub total: Expr,
    /// Over the events passing cut `i` alone.
    pub onecut: Vec<Expr>,
    /// Over the events passing cuts `0..=i`.
    pub cutflow: Vec<Expr>,
    /// Over the events passing every cut but `i`.
    pub nminusone: Vec<Expr>,
}

impl Cutflow {
    /// Every output, in the order [`CutflowValues::from_outputs`] reads them back: total, one
    /// cut, cut-flow, N-1, then the weighted ones in the same order.
    pub fn outputs(&self) -> Vec<&Expr> {
        let mut out = vec![&self.total];
        out.extend(&self.onecut);
        out.extend(&self.cutflow);
        out.extend(&self.nminusone);
        if let Some(w) = &self.weighted {
            out.push(&w.total);
            out.extend(&w.onecut);
            out.extend(&w.cutflow);
            out.extend(&w.nminusone);
        }
        out
    }
}

/// A computed cut-flow.
#[derive(Debug, Clone, PartialEq)]
pub struct CutflowValues {
    /// The cut names, in order.
    pub names: Vec<String>,
    /// Events before any cut.
    pub total: f64,
    /// Events passing cut `i` alone.
    pub onecut: Vec<f64>,
    /// Events passing cuts `0..=i`.
    pub cutflow: Vec<f64>,
    /// Events passing every cut but `i`.
    pub nminusone: Vec<f64>,
    /// `(total, onecut, cutflow, nminusone)` weighted.
    pub weighted: Option<WeightedValues>,
}

/// The weighted sums of a computed cut-flow: `(total, onecut, cutflow, nminusone)`.
pub type WeightedValues = (f64, Vec<f64>, Vec<f64>, Vec<f64>);

impl CutflowValues {
    /// Reads the values of [`Cutflow::outputs`], computed in that order.
    pub fn from_outputs(flow: &Cutflow, values: &[f64]) -> Result<CutflowValues, PlanError> {
        let n = flow.names.len();
        let want = (1 + 3 * n) * if flow.weighted.is_some() { 2 } else { 1 };
        if values.len() != want {
            return Err(PlanError::Internal {
                rule: "cutflow",
                message: format!("{} values for {want} outputs", values.len()),
            });
        }
        let part = |at: usize| (values[at], values[at + 1..at + 1 + n].to_vec());
        let (total, onecut) = part(0);
        let block = |at: usize| values[at..at + n].to_vec();
        let weighted = flow.weighted.as_ref().map(|_| {
            let at = 1 + 3 * n;
            let (t, one) = part(at);
            (t, one, block(at + 1 + n), block(at + 1 + 2 * n))
        });
        Ok(CutflowValues {
            names: flow.names.clone(),
            total,
            onecut,
            cutflow: block(1 + n),
            nminusone: block(1 + 2 * n),
            weighted,
        })
    }

    /// The cut-flow as JSON: `{"cuts": [...], "total": n, "onecut": [...], "cutflow": [...],
    /// "nminusone": [...], "weighted": {...}}` (the same keys as coffea's `Cutflow` result).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "cuts": self.names,
            "total": self.total,
            "onecut": self.onecut,
            "cutflow": self.cutflow,
            "nminusone": self.nminusone,
        });
        if let Some((total, onecut, cutflow, nminusone)) = &self.weighted {
            v["weighted"] = serde_json::json!({
                "total": total,
                "onecut": onecut,
                "cutflow": cutflow,
                "nminusone": nminusone,
            });
        }
        v
    }

    /// The cut-flow as a table: one row per cut (events alone, in sequence, N-1, and weighted
    /// sums in sequence when weighted).
    pub fn table(&self) -> String {
        let width = self
            .names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0)
            .max("(all events)".len());
        let mut s = format!(
            "{:<width$}  {:>12}  {:>12}  {:>12}{}\n",
            "cut",
            "alone",
            "cumulative",
            "N-1",
            if self.weighted.is_some() {
                format!("  {:>14}", "weighted cum.")
            } else {
                String::new()
            }
        );
        s.push_str(&format!(
            "{:<width$}  {:>12}  {:>12}  {:>12}",
            "(all events)", self.total, self.total, ""
        ));
        if let Some((t, ..)) = &self.weighted {
            s.push_str(&format!("  {t:>14.6}"));
        }
        s.push('\n');
        for (i, name) in self.names.iter().enumerate() {
            s.push_str(&format!(
                "{name:<width$}  {:>12}  {:>12}  {:>12}",
                self.onecut[i], self.cutflow[i], self.nminusone[i]
            ));
            if let Some((_, _, cum, _)) = &self.weighted {
                s.push_str(&format!("  {:>14.6}", cum[i]));
            }
            s.push('\n');
        }
        s
    }
}

/// The cut-flow of `cuts` (see [`crate::Analysis::cutflow`]).
pub(crate) fn cutflow(
    ctx: &Context,
    cuts: &[(&str, &Expr)],
    weight: Option<&Expr>,
) -> Result<Cutflow, PlanError> {
    let _ = ctx;
    {
        let Some((_, first)) = cuts.first() else {
            return Err(PlanError::Type {
                expr: "cutflow".to_string(),
                message: "needs at least one cut".to_string(),
            });
        };
        for (name, c) in cuts {
            if !matches!(
                c.ty(),
                Ty::Events {
                    layout: Layout::Prim(DType::Bool),
                    ..
                }
            ) {
                return Err(PlanError::Type {
                    expr: format!("cut '{name}'"),
                    message: format!(
                        "{} is {}, not one condition per event",
                        c.describe(),
                        c.ty().describe()
                    ),
                });
            }
        }
        let all = |skip: Option<usize>, upto: usize| -> Result<Option<Expr>, PlanError> {
            let mut acc: Option<Expr> = None;
            for (i, (_, c)) in cuts.iter().enumerate().take(upto) {
                if Some(i) == skip {
                    continue;
                }
                acc = Some(match acc {
                    None => (*c).clone(),
                    Some(a) => (&a & *c)?,
                });
            }
            Ok(acc)
        };
        let n = cuts.len();
        let count = |m: Option<Expr>| -> Result<Expr, PlanError> {
            match m {
                // The events a cut keeps are its trues (cuts are never missing): counted from
                // the mask's bits, with no column cut to count its rows.
                Some(m) => m.sum(None),
                None => first.count(None),
            }
        };
        let sum = |w: &Expr, m: Option<Expr>| -> Result<Expr, PlanError> {
            match m {
                Some(m) => w.mask(&m)?.sum(None),
                None => w.sum(None),
            }
        };
        let masks = |f: &dyn Fn(usize) -> Result<Option<Expr>, PlanError>| {
            (0..n).map(f).collect::<Result<Vec<_>, _>>()
        };
        let onecut = masks(&|i| Ok(Some(cuts[i].1.clone())))?;
        let seq = masks(&|i| all(None, i + 1))?;
        let nm1 = masks(&|i| all(Some(i), n))?;
        let counts =
            |ms: &[Option<Expr>]| ms.iter().cloned().map(count).collect::<Result<Vec<_>, _>>();
        let weighted = match weight {
            None => None,
            Some(w) => {
                let sums = |ms: &[Option<Expr>]| {
                    ms.iter()
                        .cloned()
                        .map(|m| sum(w, m))
                        .collect::<Result<Vec<_>, _>>()
                };
                Some(WeightedCutflow {
                    total: sum(w, None)?,
                    onecut: sums(&onecut)?,
                    cutflow: sums(&seq)?,
                    nminusone: sums(&nm1)?,
                })
            }
        };
        Ok(Cutflow {
            names: cuts.iter().map(|(n, _)| n.to_string()).collect(),
            total: count(None)?,
            onecut: counts(&onecut)?,
            cutflow: counts(&seq)?,
            nminusone: counts(&nm1)?,
            weighted,
        })
    }
}
