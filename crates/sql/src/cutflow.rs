//! `cutflow('name', cond, 'name', cond, ... [, weight => w]) AS flow`: a cut-flow as one
//! histogram — events (or the sum of `w`) passing each cut alone, in sequence and all but
//! one (N-1), on the axes `cut` (`(all events)` first, then the cuts in order) and `step`
//! (`alone`, `cumulative`, `N-1`), after the statement's WHERE. Each count is a one-bin
//! histogram of the events kept, stacked (`Analysis::stack`): all in the same pass.

use rask_analysis::Analysis;
use rask_plan::expr::Expr;
use rask_plan::types::{Axis, DType, Layout, Storage, Ty};
use sqlparser::ast::{self as ast, Spanned, Value};
use sqlparser::tokenizer::Span;

use super::{Arg, R, Scope, SqlError, args_of, plan_error};

impl Scope<'_> {
    pub(super) fn cutflow(&self, f: &ast::Function, span: Span) -> R<Expr> {
        let usage = "cutflow('name', condition, 'name', condition, ... [, weight => w])";
        let mut cuts: Vec<(String, Expr)> = Vec::new();
        let mut weight = None;
        let args = args_of(f)?;
        let mut pos = Vec::new();
        for a in &args {
            match a {
                Arg::Named(k, e) if k == "weight" => {
                    weight = Some(self.selected(self.expr(e)?, e.span())?)
                }
                Arg::Named(k, e) => {
                    return Err(SqlError::at(
                        e.span(),
                        format!("unknown argument '{k}' ({usage})"),
                    ));
                }
                Arg::Pos(e) => pos.push(*e),
                Arg::Star => return Err(SqlError::at(span, usage)),
            }
        }
        if pos.is_empty() || pos.len() % 2 != 0 {
            return Err(SqlError::at(span, usage));
        }
        for pair in pos.chunks(2) {
            let ast::Expr::Value(v) = pair[0] else {
                return Err(SqlError::at(
                    pair[0].span(),
                    format!("a cut's name is a 'string' ({usage})"),
                ));
            };
            let Value::SingleQuotedString(name) = &v.value else {
                return Err(SqlError::at(
                    v.span,
                    format!("a cut's name is a 'string' ({usage})"),
                ));
            };
            let cond = self.selected(self.expr(pair[1])?, pair[1].span())?;
            if !matches!(
                cond.ty(),
                Ty::Events {
                    layout: Layout::Prim(DType::Bool),
                    ..
                }
            ) {
                return Err(SqlError::at(
                    pair[1].span(),
                    format!(
                        "cut '{name}' needs one true/false per event, not {}",
                        cond.ty().describe()
                    ),
                ));
            }
            if name == "(all events)" || cuts.iter().any(|(n, _)| n == name) {
                return Err(SqlError::at(
                    v.span,
                    format!("the cut name '{name}' is used twice"),
                ));
            }
            cuts.push((name.clone(), cond));
        }
        let pe = |e| plan_error(span, e);
        let ctx = self.ctx;
        let every = &cuts[0].1;
        // One bin, filled with 0.5 by every event a mask keeps (all events without one).
        let count = |mask: Option<&Expr>| -> R<Expr> {
            let x = ctx.where_(every, 0.5, 0.5).map_err(pe)?;
            let (x, w) = match mask {
                Some(m) => (
                    x.mask(m).map_err(pe)?,
                    weight.as_ref().map(|w| w.mask(m)).transpose().map_err(pe)?,
                ),
                None => (x, weight.clone()),
            };
            let axis = Axis::Regular {
                bins: 1,
                lo: 0.0,
                hi: 1.0,
                label: "events".into(),
            };
            let storage = if w.is_some() {
                Storage::Weight
            } else {
                Storage::Int
            };
            ctx.hist(vec![axis], storage, &[&x], w.as_ref()).map_err(pe)
        };
        let and = |keep: &dyn Fn(usize) -> bool| -> R<Option<Expr>> {
            let mut acc: Option<Expr> = None;
            for (i, (_, c)) in cuts.iter().enumerate() {
                if keep(i) {
                    acc = Some(match acc {
                        None => c.clone(),
                        Some(a) => (&a & c).map_err(pe)?,
                    });
                }
            }
            Ok(acc)
        };
        let total = count(None)?;
        let mut steps = Vec::new();
        for step in ["alone", "cumulative", "N-1"] {
            let mut row = vec![("(all events)".to_string(), total.clone())];
            for (i, (name, _)) in cuts.iter().enumerate() {
                let mask = match step {
                    "alone" => and(&|j| j == i)?,
                    "cumulative" => and(&|j| j <= i)?,
                    _ => and(&|j| j != i)?,
                };
                row.push((name.clone(), count(mask.as_ref())?));
            }
            let parts: Vec<(&str, &Expr)> = row.iter().map(|(n, e)| (n.as_str(), e)).collect();
            steps.push((step, ctx.stack("cut", &parts).map_err(pe)?));
        }
        let parts: Vec<(&str, &Expr)> = steps.iter().map(|(n, e)| (*n, e)).collect();
        ctx.stack("step", &parts).map_err(pe)
    }
}
