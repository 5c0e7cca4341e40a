//! SQL forms lowered through others: `x BETWEEN a AND b` as `x >= a AND x <= b`, `x IN (a, b)` as
//! `x = a OR x = b` (so `process IN ('ttbar', 'wjets')` compares a coded column by name), their
//! `NOT` forms, and `CASE [x] WHEN c THEN v ... ELSE w END` as nested `if(c, v, ...)` (with an
//! operand, `WHEN c` means `x = c`).

use sqlparser::ast::{self, BinaryOperator, Spanned};

use super::{R, Scope, SqlError, plan_error};
use rask_plan::expr::Expr;

/// What to write instead of `x[...]` on a list.
pub(super) const BRACKETS: &str = "lists are not indexed with [ ]: first(x) is each list's first \
     element, first(take(x, argmax(y))) the one of largest y, list_filter(x, v -> v > 30) keeps some";

/// `e`, an error of a WHERE, with a hint when the unknown name it reports is a select item's
/// alias (`SELECT list_sum(Jet.pt) AS ht ... WHERE ht > 100`): in SQL a WHERE reads the table.
pub(super) fn alias_hint(mut e: SqlError, projection: &[ast::SelectItem]) -> SqlError {
    let unknown = e
        .message
        .split_once("has no field '")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(name, _)| name.to_string());
    let aliased = |name: &str| {
        projection.iter().any(|item| {
            matches!(item, ast::SelectItem::ExprWithAlias { alias, .. } if alias.value.eq_ignore_ascii_case(name))
        })
    };
    if let Some(name) = unknown.filter(|n| aliased(n)) {
        e.message.push_str(&format!(
            " ('{name}' names a select item: a WHERE reads the table's columns, as in SQL; name \
             it in a WITH step, then filter that step)"
        ));
    }
    e
}

fn bin(left: ast::Expr, op: BinaryOperator, right: ast::Expr) -> ast::Expr {
    ast::Expr::BinaryOp {
        left: Box::new(left),
        op,
        right: Box::new(right),
    }
}

fn negated(x: ast::Expr, negated: bool) -> ast::Expr {
    if !negated {
        return x;
    }
    ast::Expr::UnaryOp {
        op: ast::UnaryOperator::Not,
        expr: Box::new(ast::Expr::Nested(Box::new(x))),
    }
}

impl Scope<'_> {
    /// `e` lowered through the forms it stands for, or `None` when it is none of them.
    pub(super) fn sugar(&self, e: &ast::Expr) -> R<Option<Expr>> {
        let rewritten = match e {
            ast::Expr::Between {
                expr,
                negated: not,
                low,
                high,
            } => {
                let above = bin(*expr.clone(), BinaryOperator::GtEq, *low.clone());
                let below = bin(*expr.clone(), BinaryOperator::LtEq, *high.clone());
                negated(bin(above, BinaryOperator::And, below), *not)
            }
            ast::Expr::InList {
                expr,
                list,
                negated: not,
            } => {
                let any = list
                    .iter()
                    .map(|v| bin(*expr.clone(), BinaryOperator::Eq, v.clone()))
                    .reduce(|acc, t| bin(acc, BinaryOperator::Or, t))
                    .ok_or_else(|| SqlError::at(e.span(), "IN needs at least one value"))?;
                negated(any, *not)
            }
            ast::Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let Some(otherwise) = else_result else {
                    return Err(SqlError::at(
                        e.span(),
                        "CASE needs an ELSE: the value of the events no WHEN matches",
                    ));
                };
                let mut value = self.expr(otherwise)?;
                for w in conditions.iter().rev() {
                    let cond = match operand {
                        Some(x) => bin(*x.clone(), BinaryOperator::Eq, w.condition.clone()),
                        None => w.condition.clone(),
                    };
                    let (c, then) = (self.expr(&cond)?, self.expr(&w.result)?);
                    value = self
                        .ctx
                        .where_(&c, &then, &value)
                        .map_err(|err| plan_error(w.condition.span(), err))?;
                }
                return Ok(Some(value));
            }
            ast::Expr::CompoundFieldAccess { access_chain, .. }
                if access_chain
                    .iter()
                    .any(|a| matches!(a, ast::AccessExpr::Subscript(_))) =>
            {
                return Err(SqlError::at(e.span(), BRACKETS));
            }
            _ => return Ok(None),
        };
        self.expr(&rewritten).map(Some)
    }
}
