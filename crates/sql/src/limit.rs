//! `LIMIT n [OFFSET m]` (and `LIMIT m, n`): the events `m .. m + n` of a query's per-event
//! outputs, counted after its `WHERE` and its views' cuts, as `events[mask][m:m + n]` is with
//! the API (`Expr::rows`: the engine slices the computed values).

use sqlparser::ast::{self, LimitClause, Spanned, Value};
use sqlparser::tokenizer::Span;

use rask_plan::expr::Expr;
use rask_plan::types::Ty;

use crate::{R, SqlError, plan_error};

/// The positions a `LIMIT` clause keeps, `(start, stop)`; only at the top of a statement.
pub(crate) fn bounds(clause: &LimitClause, top: bool) -> R<(i64, Option<i64>, Span)> {
    let span = clause.span();
    if !top {
        return Err(SqlError::at(
            span,
            "LIMIT applies to a statement's outputs, not inside a view or WITH",
        ));
    }
    let (limit, offset) = match clause {
        LimitClause::LimitOffset {
            limit,
            offset,
            limit_by,
        } => {
            if let Some(by) = limit_by.first() {
                return Err(SqlError::at(by.span(), "LIMIT ... BY is not supported"));
            }
            (limit.as_ref(), offset.as_ref().map(|o| &o.value))
        }
        LimitClause::OffsetCommaLimit { offset, limit } => (Some(limit), Some(offset)),
    };
    let start = offset.map(count).transpose()?.unwrap_or(0);
    let stop = limit
        .map(count)
        .transpose()?
        .map(|n| start.saturating_add(n));
    Ok((start, stop, span))
}

/// `outputs` limited to the events `start..stop`: per-event values only (a histogram or a
/// count fills over every event, so a limit there is an error naming it).
pub(crate) fn apply(
    outputs: Vec<(String, Expr)>,
    (start, stop, span): (i64, Option<i64>, Span),
) -> R<Vec<(String, Expr)>> {
    outputs
        .into_iter()
        .map(|(name, e)| {
            if !matches!(e.ty(), Ty::Events { .. }) {
                return Err(SqlError::at(
                    span,
                    format!(
                        "LIMIT keeps events of per-event outputs; '{name}' is {} (it fills over \
                         every event: cut with WHERE instead)",
                        e.ty().describe()
                    ),
                ));
            }
            let limited = e.rows(start, stop).map_err(|err| plan_error(span, err))?;
            Ok((name, limited))
        })
        .collect()
}

/// A non-negative whole number (`LIMIT 10`, `OFFSET 5`; `LIMIT ALL` is no limit).
fn count(e: &ast::Expr) -> R<i64> {
    if let ast::Expr::Value(v) = e
        && let Value::Number(n, _) = &v.value
        && let Ok(k) = n.parse::<i64>()
        && k >= 0
    {
        return Ok(k);
    }
    Err(SqlError::at(
        e.span(),
        "LIMIT and OFFSET take a whole number of events (LIMIT 10 OFFSET 5)",
    ))
}
