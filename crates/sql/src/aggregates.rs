//! Event-level aggregates, outputs beside `count(*)`: `sum(x)`, `min(x)`, `max(x)`,
//! `mean(x)` (or `avg(x)`) and `count_if(cond)` reduce over every selected event (after
//! `WHERE`) to one number.
//!
//! - Over a list (`sum(Muon.pt)`) they reduce over every element of every event, as awkward's
//!   `ak.sum(x, axis=None)` does; missing values (`list_max` of an empty list) are skipped.
//! - `sum` of integers (or of conditions, counting the true ones) is an exact 64-bit integer or
//!   an overflow error; of floats it is a float. `count_if(cond)` is `sum` of a condition.
//! - Over no values: `sum` and `count_if` are 0, `mean` is NaN (numpy's `np.mean([])`), `min`
//!   is +inf and `max` −inf (the identities of min and max, numpy's `np.min(x, initial=inf)`,
//!   so merging partitions needs no special case). `min`, `max` and `mean` are floats, also
//!   of integers; a NaN among the values makes `min`/`max` NaN (as numpy).
//!
//! The names are the list functions' without `list_`: inside an expression (`hist(sum(x), ...)`,
//! a `WITH` step) `sum(x)` is an error that names `list_sum`, the per-event sum.

use sqlparser::ast::{self, Spanned};
use sqlparser::tokenizer::Span;

use super::{Arg, R, Scope, SqlError, args_of, plan_error};
use rask_plan::expr::Expr;
use rask_plan::types::DType;

/// The event-level aggregates (select items of the final SELECT).
pub const AGGREGATES: &[&str] = &["sum", "min", "max", "mean", "avg", "count_if"];

impl Scope<'_> {
    /// The aggregate `function` (lower case) of the select item `f` as an output over the
    /// selected events, or `None` when `function` is not an aggregate.
    pub(super) fn aggregate(
        &self,
        function: &str,
        f: &ast::Function,
        span: Span,
    ) -> R<Option<Expr>> {
        if !AGGREGATES.contains(&function) {
            return Ok(None);
        }
        let args = args_of(f)?;
        let arg = match args.as_slice() {
            [Arg::Star] => {
                return Err(SqlError::at(
                    span,
                    format!("{function}(*): count(*) counts events; {function}(x) takes a value"),
                ));
            }
            [arg] => arg.expr()?,
            _ => {
                let what = if function == "count_if" {
                    "a condition"
                } else {
                    "one value"
                };
                return Err(SqlError::at(
                    span,
                    format!("{function} takes {what}: {function}(x)"),
                ));
            }
        };
        let x = self.expr(arg)?;
        let pe = |e| plan_error(span, e);
        if function == "count_if" && x.ty().dtype() != Some(DType::Bool) {
            return Err(SqlError::at(
                arg.span(),
                format!(
                    "count_if(cond) counts the events (or list elements) where a condition \
                     holds: it needs true/false values, not {}",
                    x.ty().describe()
                ),
            ));
        }
        // A constant (`1.5 AS w` of a view) is a value of every event.
        let x = self.selected(self.per_event_if_constant(x, span)?, span)?;
        Ok(Some(
            match function {
                "sum" | "count_if" => x.sum(None),
                "min" => x.min(None),
                "max" => x.max(None),
                _ => x.mean(None),
            }
            .map_err(pe)?,
        ))
    }
}

/// For an aggregate's name used inside an expression: the message saying where it belongs and
/// the per-event function to use instead. `None` for other names.
pub(super) fn misplaced(function: &str) -> Option<String> {
    let instead = match function {
        "sum" => "list_sum(l) sums each event's list",
        "min" => "list_min(l) is each event's smallest element, least(a, b) the smaller of two",
        "max" => "list_max(l) is each event's largest element, greatest(a, b) the larger of two",
        "mean" | "avg" => "list_mean(l) averages each event's list",
        "count_if" => "list_sum(cond) counts where cond holds in each event's list",
        _ => return None,
    };
    Some(format!(
        "{function}(x) aggregates over all events: write it as a select item of the final \
         SELECT (`SELECT {function}(x) AS name FROM ...`); per event, {instead}"
    ))
}
