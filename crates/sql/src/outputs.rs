//! The outputs of a query: histograms (`hist`, `whist`, `hist_var`, `hist2d`, `whist2d`, with
//! `by =>` category and systematic axes), cut-flows (`cutflow`, in `cutflow.rs`), `count(*)`,
//! the aggregates of [`super::aggregates`] and per-event values, each named by its alias, which
//! must be a plain file name ([`rask_plan::names`]).

use sqlparser::ast::{self as ast, Spanned, Value};
use sqlparser::tokenizer::Span;

use super::{Arg, R, Scope, SqlError, args_of, number, plan_error};
use rask_plan::error::PlanError;
use rask_plan::expr::Expr;
use rask_plan::types::{Axis, Storage};

/// Checks that the output name `name` (an alias at `span`) can name a file; see
/// [`rask_plan::names::check_output_name`].
pub(super) fn check_output_name(name: &str, span: Span) -> R<()> {
    rask_plan::names::check_output_name(name).map_err(|e| SqlError::at(span, e.to_string()))
}

impl Scope<'_> {
    /// A select item named `name`: a histogram, `count(*)`, an aggregate (`sum(x)`...), or a
    /// per-event value.
    pub(super) fn output(&self, name: &str, e: &ast::Expr) -> R<Expr> {
        if let ast::Expr::Function(f) = e {
            let function = f.name.to_string().to_lowercase();
            match function.as_str() {
                "hist" | "whist" | "hist_var" | "hist2d" | "whist2d" => {
                    return self.hist(name, &function, f, e.span());
                }
                "cutflow" => return self.cutflow(f, e.span()),
                "count" => {
                    if !matches!(args_of(f)?.as_slice(), [Arg::Star]) {
                        return Err(SqlError::at(
                            e.span(),
                            "count(*) counts events and count_if(cond) those where cond holds; list_count(x) counts a list's elements",
                        ));
                    }
                    return self.count(e.span());
                }
                other => {
                    if let Some(x) = self.aggregate(other, f, e.span())? {
                        return Ok(x);
                    }
                }
            }
        }
        // A constant output is the constant for every event (`SELECT 1 AS one`), as SQL gives it
        // for every row.
        let x = self.per_event_if_constant(self.expr(e)?, e.span())?;
        self.selected(x, e.span())
    }

    /// `x` masked by the WHERE condition, if any. A constant (`1.5 AS w`, `TRUE AS flag`) is the
    /// same in every event kept: it stays as it is.
    pub(super) fn selected(&self, x: Expr, span: Span) -> R<Expr> {
        match &self.keep {
            Some(_) if matches!(x.ty(), rask_plan::types::Ty::Scalar(_)) => Ok(x),
            Some((keep, at)) => x.mask(keep).map_err(|e| plan_error(*at, e)),
            None => {
                let _ = span;
                Ok(x)
            }
        }
    }

    fn count(&self, span: Span) -> R<Expr> {
        // Under a WHERE, the events it keeps: no branch is read for the count itself.
        if let Some((keep, at)) = &self.keep {
            return keep.sum(None).map_err(|e| plan_error(*at, e));
        }
        // The number of events: a count of the smallest per-event branch.
        let x = self.per_event_branch(span)?;
        self.selected(x, span)?
            .count(None)
            .map_err(|e| plan_error(span, e))
    }

    /// `x`, or if it is a constant, the constant once per event of the frame (`sum(1.5)` over the
    /// events, as SQL sums a constant column): `where(b == b, c, c)` of a per-event branch `b`.
    pub(super) fn per_event_if_constant(&self, x: Expr, span: Span) -> R<Expr> {
        if !matches!(x.ty(), rask_plan::types::Ty::Scalar(_)) {
            return Ok(x);
        }
        let b = self.per_event_branch(span)?;
        let pe = |e| plan_error(span, e);
        let any = b.eq(&b).map_err(pe)?;
        self.ctx.where_(&any, &x, &x).map_err(pe)
    }

    /// The frame's first per-event (not list) branch.
    fn per_event_branch(&self, span: Span) -> R<Expr> {
        let rask_plan::types::Ty::Events {
            layout: rask_plan::types::Layout::Record(fields),
            ..
        } = self.frame.events.ty()
        else {
            return Err(SqlError::at(span, "count(*) needs events"));
        };
        let flat = fields
            .iter()
            .find(|(_, l)| matches!(l, rask_plan::types::Layout::Prim(_)))
            .ok_or_else(|| SqlError::at(span, "count(*) needs a per-event branch"))?;
        self.frame.field(&flat.0).map_err(|e| plan_error(span, e))
    }

    /// `hist`, `whist` or `hist_var` (`function`) as the output `name`. The axes are checked by
    /// the builder (finite increasing edges, the context's cap on bins); its errors name the
    /// histogram by `name`.
    fn hist(&self, name: &str, function: &str, f: &ast::Function, span: Span) -> R<Expr> {
        let (named, args): (Vec<Arg>, Vec<Arg>) = args_of(f)?
            .into_iter()
            .partition(|a| matches!(a, Arg::Named(..)));
        let (cat_axes, cat_values, systematic) = self.category_axes(&named)?;
        let h = self.hist_axes(name, function, &args, cat_axes, cat_values, span)?;
        if systematic {
            return self.stack_systematics(&h, span);
        }
        Ok(h)
    }

    /// The histogram of `hist`, `whist` or `hist_var` with its category axes.
    fn hist_axes(
        &self,
        name: &str,
        function: &str,
        args: &[Arg],
        cat_axes: Vec<Axis>,
        cat_values: Vec<Expr>,
        span: Span,
    ) -> R<Expr> {
        // Errors of the axes point at them (the bins or the edges), others at the call.
        let pe = |axes: Span| {
            move |e: PlanError| match e {
                PlanError::Hist { message, .. } => {
                    SqlError::at(axes, format!("histogram '{name}': {message}"))
                }
                other => plan_error(span, other),
            }
        };
        let label_at = |i: usize| -> R<String> {
            match args.get(i) {
                Some(Arg::Pos(ast::Expr::Value(v))) => match &v.value {
                    Value::SingleQuotedString(s) => Ok(s.clone()),
                    _ => Err(SqlError::at(v.span, "the label is a 'string'")),
                },
                Some(other) => Err(SqlError::at(other.span(), "the label is a 'string'")),
                None => Ok(String::new()),
            }
        };
        if function == "hist2d" || function == "whist2d" {
            // hist2d(x, y, bins_x, lo_x, hi_x, bins_y, lo_y, hi_y [, 'label x', 'label y'])
            let weighted = function == "whist2d";
            let base = if weighted { 3 } else { 2 };
            if args.len() < base + 6 {
                return Err(SqlError::at(
                    span,
                    format!(
                        "{function}(x, y, {}bins_x, lo_x, hi_x, bins_y, lo_y, hi_y [, 'label x', 'label y'])",
                        if weighted { "weight, " } else { "" }
                    ),
                ));
            }
            let value = |i: usize| -> R<Expr> { self.selected(self.expr(args[i].expr()?)?, span) };
            let axis = |at: usize, label: usize| -> R<Axis> {
                Ok(Axis::Regular {
                    bins: bin_count(args[at].expr()?)?,
                    lo: number(args[at + 1].expr()?)?,
                    hi: number(args[at + 2].expr()?)?,
                    label: label_at(label)?,
                })
            };
            let (x, y) = (value(0)?, value(1)?);
            let w = if weighted { Some(value(2)?) } else { None };
            let mut axes = vec![axis(base, base + 6)?, axis(base + 3, base + 7)?];
            axes.extend(cat_axes);
            let mut values = vec![&x, &y];
            values.extend(&cat_values);
            let storage = if weighted {
                Storage::Weight
            } else {
                Storage::Int
            };
            return self
                .ctx
                .hist(axes, storage, &values, w.as_ref())
                .map_err(pe(args[base].span()));
        }
        if function == "hist_var" {
            let (Some(x), Some(edges)) = (args.first(), args.get(1)) else {
                return Err(SqlError::at(span, "hist_var(x, [edges...] [, 'label'])"));
            };
            let x = self.selected(self.expr(x.expr()?)?, span)?;
            let edges_at = edges.span();
            let ast::Expr::Array(arr) = edges.expr()? else {
                return Err(SqlError::at(
                    edges.span(),
                    "the edges are a list [e0, e1, ...]",
                ));
            };
            let edges: Vec<f64> = arr.elem.iter().map(number).collect::<R<_>>()?;
            let axis = Axis::Variable {
                edges,
                label: label_at(2)?,
            };
            let mut axes = vec![axis];
            axes.extend(cat_axes);
            let mut values = vec![&x];
            values.extend(&cat_values);
            return self
                .ctx
                .hist(axes, Storage::Int, &values, None)
                .map_err(pe(edges_at));
        }
        let weighted = function == "whist";
        let base = if weighted { 2 } else { 1 };
        if args.len() < base + 3 {
            return Err(SqlError::at(
                span,
                format!(
                    "{function}({}bins, lo, hi [, 'label'])",
                    if weighted { "x, weight, " } else { "x, " }
                ),
            ));
        }
        let x = self.selected(self.expr(args[0].expr()?)?, span)?;
        let w = if weighted {
            Some(self.selected(self.expr(args[1].expr()?)?, span)?)
        } else {
            None
        };
        let axis = Axis::Regular {
            bins: bin_count(args[base].expr()?)?,
            lo: number(args[base + 1].expr()?)?,
            hi: number(args[base + 2].expr()?)?,
            label: label_at(base + 3)?,
        };
        let storage = if weighted {
            Storage::Weight
        } else {
            Storage::Int
        };
        let mut axes = vec![axis];
        axes.extend(cat_axes);
        let mut values = vec![&x];
        values.extend(&cat_values);
        self.ctx
            .hist(axes, storage, &values, w.as_ref())
            .map_err(pe(args[base].span()))
    }

    /// The category axes of `by => column` or `by => (a, b)`: a fileset's coded columns
    /// (`dataset`, `process`, string metadata), each an axis of its categories, filled by code.
    /// `by => systematic` (last) adds the axis of the query's `vary` variations instead.
    fn category_axes(&self, named: &[Arg]) -> R<(Vec<Axis>, Vec<Expr>, bool)> {
        let mut axes = Vec::new();
        let mut values = Vec::new();
        let mut systematic = false;
        for a in named {
            let Arg::Named(key, e) = a else { continue };
            if key != "by" {
                return Err(SqlError::at(
                    e.span(),
                    format!("unknown argument '{key}' (histograms take by => column)"),
                ));
            }
            let columns: Vec<&ast::Expr> = match e {
                ast::Expr::Tuple(items) => items.iter().collect(),
                ast::Expr::Nested(inner) => vec![inner.as_ref()],
                one => vec![one],
            };
            for c in columns {
                if systematic {
                    return Err(SqlError::at(
                        c.span(),
                        "by => (..., systematic): the systematic axis comes last",
                    ));
                }
                if super::vary::is_systematic(c) {
                    systematic = true;
                    continue;
                }
                let value = self.expr(c)?;
                let categories = value.categories().ok_or_else(|| {
                    SqlError::at(
                        c.span(),
                        format!(
                            "by => {c}: not a category column (a fileset's dataset or string \
                             metadata, from read_fileset)"
                        ),
                    )
                })?;
                axes.push(Axis::StrCategory {
                    categories,
                    label: c.to_string(),
                });
                values.push(self.selected(value, c.span())?);
            }
        }
        Ok((axes, values, systematic))
    }
}

/// A number of bins: a whole number literal from 1 to 4,294,967,295 (the builder then applies
/// the context's cap). Fractions, negative numbers and larger numbers are errors, never
/// rounded or clamped.
fn bin_count(e: &ast::Expr) -> R<u32> {
    let n = number(e)?;
    let why = if !n.is_finite() || n > f64::from(u32::MAX) {
        "is too large"
    } else if n < 1.0 {
        "must be at least 1"
    } else if n.fract() != 0.0 {
        "must be a whole number"
    } else {
        return Ok(n as u32);
    };
    Err(SqlError::at(
        e.span(),
        format!("the number of bins {} {why}", source_text(e)),
    ))
}

/// The number as written (`1e400`, `-3`), for messages.
fn source_text(e: &ast::Expr) -> String {
    let text = e.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}
