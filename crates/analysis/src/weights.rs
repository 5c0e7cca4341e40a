//! Event weights as coffea's `Weights` keeps them: named per-event factors multiplied together,
//! some with up and down variations; the nominal weight and every variation's weight are
//! expressions of one plan, so histograms filled with all of them take one pass.
//!
//! ```
//! # use std::sync::Arc;
//! use rask_analysis::Weights;
//! let ctx = rask_plan::Context::new();
//! let events = ctx.source("events", &[], "Events", Arc::new(rask_adl::nano_schema()))?;
//! let met = events.field("MET")?.field("pt")?;
//! let mut w = Weights::new(&ctx);
//! w.add("lumi", &ctx.where_(&met.gt(0.0)?, 2.0, 2.0)?)?;
//! w.add_with_variations("trigger", &met.mul(0.0)?.add(0.9)?, &met.mul(0.0)?.add(0.95)?, &met.mul(0.0)?.add(0.85)?)?;
//! assert_eq!(w.variations(), ["triggerUp", "triggerDown"]);
//! let up = w.weight(Some("triggerUp"))?; // lumi × trigger up
//! assert!(w.weight(Some("trigerUp")).unwrap_err().to_string().contains("did you mean triggerUp?"));
//! # Ok::<(), rask_plan::PlanError>(())
//! ```

use rask_plan::types::{DType, Layout, Ty};
use rask_plan::{Context, Expr, PlanError};

/// One named factor: the nominal value, and optionally the values that replace it in its up
/// and down variations.
#[derive(Debug, Clone)]
struct Factor {
    name: String,
    /// `None`: 1 (a factor that only its variations change).
    nominal: Option<Expr>,
    shifts: Option<(Expr, Expr)>,
}

/// Named per-event weights, multiplied together (coffea's `Weights`).
#[derive(Debug, Clone)]
pub struct Weights {
    ctx: Context,
    factors: Vec<Factor>,
}

fn weight_error(name: &str, message: String) -> PlanError {
    PlanError::Type {
        expr: format!("weight '{name}'"),
        message,
    }
}

impl Weights {
    /// No weights yet: the weight is 1.
    pub fn new(ctx: &Context) -> Weights {
        Weights {
            ctx: ctx.clone(),
            factors: Vec::new(),
        }
    }

    /// Multiplies the weight by `weight` (one number per event, or a number).
    pub fn add(&mut self, name: &str, weight: &Expr) -> Result<(), PlanError> {
        self.push(name, Some(weight), None)
    }

    /// Multiplies the weight by `weight`, with the variations `{name}Up` and `{name}Down` in
    /// which `up` and `down` stand in its place (absolute weights, as coffea's `weightUp` and
    /// `weightDown`).
    pub fn add_with_variations(
        &mut self,
        name: &str,
        weight: &Expr,
        up: &Expr,
        down: &Expr,
    ) -> Result<(), PlanError> {
        self.push(name, Some(weight), Some((up.clone(), down.clone())))
    }

    /// The variations `{name}Up` and `{name}Down`, which multiply the weight by `up` and
    /// `down`; the nominal weight does not change (coffea's `add(name, ones, up, down)`,
    /// without multiplying by one).
    pub fn add_variation(&mut self, name: &str, up: &Expr, down: &Expr) -> Result<(), PlanError> {
        self.push(name, None, Some((up.clone(), down.clone())))
    }

    fn push(
        &mut self,
        name: &str,
        weight: Option<&Expr>,
        shifts: Option<(Expr, Expr)>,
    ) -> Result<(), PlanError> {
        if self.factors.iter().any(|f| f.name == name) {
            return Err(weight_error(name, "the name is used twice".to_string()));
        }
        let all = weight
            .into_iter()
            .chain(shifts.iter().flat_map(|(u, d)| [u, d]));
        for e in all {
            self.check(name, e)?;
        }
        self.factors.push(Factor {
            name: name.to_string(),
            nominal: weight.cloned(),
            shifts,
        });
        Ok(())
    }

    /// The first value given, which every later one must be aligned with.
    fn first(&self) -> Option<(&str, &Expr)> {
        self.factors.iter().find_map(|f| {
            let e = f.nominal.as_ref().or(f.shifts.as_ref().map(|(u, _)| u))?;
            matches!(e.ty(), Ty::Events { .. }).then_some((f.name.as_str(), e))
        })
    }

    /// A weight is one number per event, of the same events as the weights before it.
    fn check(&self, name: &str, e: &Expr) -> Result<(), PlanError> {
        let ty = e.ty();
        // A number is the same factor for every event (`1.025`).
        if let Ty::Scalar(dtype) = &ty
            && !matches!(dtype, DType::Bool)
        {
            return Ok(());
        }
        let Ty::Events {
            layout: Layout::Prim(dtype),
            rows,
        } = &ty
        else {
            return Err(weight_error(
                name,
                format!(
                    "{} is {}, not one number per event",
                    e.describe(),
                    ty.describe()
                ),
            ));
        };
        if matches!(dtype, DType::Bool) {
            return Err(weight_error(
                name,
                format!("{} is a condition, not a number", e.describe()),
            ));
        }
        if let Some((first, e0)) = self.first()
            && let Ty::Events { rows: r0, .. } = e0.ty()
            && r0 != *rows
        {
            return Err(weight_error(
                name,
                format!(
                    "{} belongs to other events than weight '{first}' (another selection or \
                     source): weights must have one value for every event",
                    e.describe(),
                ),
            ));
        }
        Ok(())
    }

    /// The names of the variations, `{name}Up` then `{name}Down`, in the order added.
    pub fn variations(&self) -> Vec<String> {
        self.factors
            .iter()
            .filter(|f| f.shifts.is_some())
            .flat_map(|f| [format!("{}Up", f.name), format!("{}Down", f.name)])
            .collect()
    }

    /// The product of the factors (in the order added); with a variation's name, its factor
    /// replaced by the shifted value. Without factors the weight is the literal 1.
    pub fn weight(&self, variation: Option<&str>) -> Result<Expr, PlanError> {
        let known = self.variations();
        if let Some(v) = variation
            && !known.iter().any(|k| k == v)
        {
            let near = rask_core::suggest::closest(v, known.iter().map(String::as_str));
            return Err(PlanError::Type {
                expr: format!("weight variation '{v}'"),
                message: format!(
                    "no such variation{}",
                    rask_core::suggest::did_you_mean(&near)
                ),
            });
        }
        let mut product: Option<Expr> = None;
        for f in &self.factors {
            let factor = match (&f.shifts, variation) {
                (Some((up, _)), Some(v)) if v == format!("{}Up", f.name) => up,
                (Some((_, down)), Some(v)) if v == format!("{}Down", f.name) => down,
                _ => match &f.nominal {
                    Some(n) => n,
                    None => continue,
                },
            };
            product = Some(match product {
                None => factor.clone(),
                Some(p) => (&p * factor)?,
            });
        }
        match product {
            Some(p) => Ok(p),
            None => self.ctx.literal(1.0),
        }
    }
}
