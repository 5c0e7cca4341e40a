//! Analyses in SQL: coded columns compared with their names (`process = 'data'`), and
//! systematic variations.
//!
//! `vary(x, name => e, ...)` is `x` in the query and `e` in variation `name`, wherever the
//! plan uses the expression `x` (the same expression written twice is one node), so a `WHERE`
//! on `x` varies too, as it should for a shift. `by => systematic` on a histogram stacks the
//! nominal histogram and one per variation met so far in the script (`vary` calls after it
//! are not its variations) on a `systematic` axis, all filled in the same pass
//! (`Analysis::vary`, then `Varied::stacked`). Shifts (`vary(Jet.pt, jes_up => Jet.pt * 1.03)`)
//! and weight variations (`whist(x, vary(w, btag_up => w * 1.1), ...)`) are the same thing.
//! The registry is kept with the context: two sessions on one context share it.

use std::sync::Mutex;

use rask_analysis::Analysis;
use rask_plan::expr::{Context, Expr};
use sqlparser::ast::{self as ast, Spanned, Value};
use sqlparser::tokenizer::Span;

use super::{Arg, R, SqlError, plan_error};

/// The axis name of `by => systematic`.
pub(super) const SYSTEMATIC: &str = "systematic";

/// The `vary` calls met while lowering the current query: `(variation, nominal, varied)`, in
/// order. Kept with the context (its extension slot), cleared when a query starts.
#[derive(Default)]
pub(super) struct Registered(Mutex<Vec<(String, Expr, Expr)>>);

pub(super) fn clear(ctx: &Context) {
    ctx.extension::<Registered>()
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clear();
}

impl super::Scope<'_> {
    /// `vary(x, name => e, ...)`: `x`, remembering that variation `name` replaces it by `e`.
    pub(super) fn vary(&self, args: &[Arg], span: Span) -> R<Expr> {
        let Some(Arg::Pos(x)) = args.first() else {
            return Err(SqlError::at(span, "vary(x, name => expression, ...)"));
        };
        let nominal = self.expr(x)?;
        // `vary` replaces the node `x` wherever the plan uses it: a number (`1.0`) is one node
        // for every use of that number, so varying it would change unrelated cuts too.
        if matches!(nominal.op(), rask_plan::op::Op::Literal(_)) {
            return Err(SqlError::at(
                x.span(),
                "vary(x, ...) of a number would vary that number everywhere it is used: vary a \
                 column or an expression of one",
            ));
        }
        let mut pairs = Vec::new();
        for a in &args[1..] {
            let Arg::Named(name, e) = a else {
                return Err(SqlError::at(
                    span,
                    "vary(x, name => expression, ...): the variations are named",
                ));
            };
            if name.eq_ignore_ascii_case("nominal") {
                return Err(SqlError::at(e.span(), "'nominal' is the query itself"));
            }
            pairs.push((name.clone(), nominal.clone(), self.expr(e)?));
        }
        if pairs.is_empty() {
            return Err(SqlError::at(
                span,
                "vary(x, name => expression, ...) needs a variation",
            ));
        }
        self.ctx
            .extension::<Registered>()
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(pairs);
        Ok(nominal)
    }

    /// `h` and every variation of it side by side on the `systematic` axis.
    pub(super) fn stack_systematics(&self, h: &Expr, span: Span) -> R<Expr> {
        let registered = self.ctx.extension::<Registered>();
        let registered = registered
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut names: Vec<&str> = Vec::new();
        for (n, _, _) in &registered {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
        let groups: Vec<(&str, Vec<(&Expr, &Expr)>)> = names
            .iter()
            .map(|n| {
                let pairs = registered
                    .iter()
                    .filter(|(m, _, _)| m == n)
                    .map(|(_, from, to)| (from, to))
                    .collect();
                (*n, pairs)
            })
            .collect();
        let varied = self
            .ctx
            .vary(&[h], &groups)
            .map_err(|e| plan_error(span, e))?;
        varied
            .stacked(0, SYSTEMATIC)
            .map_err(|e| plan_error(span, e))
    }
}

/// Whether `e` is the name `systematic` (the stacking axis, not a column).
pub(super) fn is_systematic(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(id) if id.value.eq_ignore_ascii_case(SYSTEMATIC))
}

/// The message for a string anywhere but beside a coded column.
pub(super) fn string_here(text: &str) -> String {
    format!(
        "a string ('{text}') only names a value of a coded column (a fileset's dataset, process \
         or string metadata: process = 'ttbar'); numbers have no quotes"
    )
}

/// A name that is not one of a coded column's values.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("'{name}' is not one of the column's values ({}){}", .categories.join(", "), rask_core::suggest::did_you_mean(.near))]
pub(super) struct NotACategory {
    name: String,
    categories: Vec<String>,
    near: Vec<String>,
}

/// `column = 'name'` on a coded string column (a fileset's `dataset`, `process`): the code of
/// `name`, or the error naming the categories; `None` when `right` is not a string or `column`
/// has no categories.
pub(super) fn category_code(column: &Expr, right: &ast::Expr) -> Option<Result<i64, NotACategory>> {
    let ast::Expr::Value(v) = right else {
        return None;
    };
    let Value::SingleQuotedString(name) = &v.value else {
        return None;
    };
    let categories = column.categories()?;
    Some(match categories.iter().position(|c| c == name) {
        Some(k) => Ok(k as i64),
        None => Err(NotACategory {
            near: rask_core::suggest::closest(name, categories.iter().map(String::as_str))
                .into_iter()
                .map(str::to_string)
                .collect(),
            name: name.clone(),
            categories,
        }),
    })
}
