//! `FROM`: the frame a query reads — a registered table, a table function, a `WITH` query or a
//! subquery — and the names it makes visible.

use std::collections::BTreeMap;

use sqlparser::ast::{self as ast, FunctionArg, FunctionArgExpr, Spanned, TableFactor};

use super::{R, SqlError, SqlSession, string};
use rask_plan::error::PlanError;
use rask_plan::expr::Expr;

impl SqlSession {
    /// The frame a `FROM` names: a `WITH` query, a registered table, a table function or a
    /// subquery.
    pub(super) fn from(&self, relation: &TableFactor, ctes: &BTreeMap<String, Frame>) -> R<Frame> {
        match relation {
            TableFactor::Table {
                name,
                args: None,
                alias,
                sample,
                ..
            } => {
                no_alias_columns_or_sample(alias.as_ref(), sample.is_some(), relation)?;
                let table = table_name(name);
                if let Some(f) = ctes.get(&table) {
                    return Ok(f.clone());
                }
                let events = self.tables.get(&table).cloned().ok_or_else(|| {
                    let known: Vec<String> =
                        ctes.keys().chain(self.tables.keys()).cloned().collect();
                    SqlError::at(
                        name.span(),
                        format!("no table '{table}' (tables: {})", known.join(", ")),
                    )
                })?;
                Ok(Frame::source(events))
            }
            TableFactor::Table {
                name,
                args: Some(args),
                alias,
                sample,
                ..
            } => {
                no_alias_columns_or_sample(alias.as_ref(), sample.is_some(), relation)?;
                let function = table_name(name);
                let opener = self.opener.as_ref().ok_or_else(|| {
                    SqlError::at(
                        name.span(),
                        format!("{function}(...) cannot open files here"),
                    )
                })?;
                let mut strings = Vec::new();
                for a in &args.args {
                    match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => strings.push(string(e)?),
                        other => {
                            return Err(SqlError::at(
                                relation.span(),
                                format!("{function}: '...' arguments, not {other}"),
                            ));
                        }
                    }
                }
                let events = opener(&function, &strings)
                    .map_err(|e| SqlError::at(relation.span(), e.to_string()))?;
                Ok(Frame::source(events))
            }
            TableFactor::Derived {
                subquery,
                alias,
                sample,
                ..
            } => {
                no_alias_columns_or_sample(alias.as_ref(), sample.is_some(), relation)?;
                self.lower(subquery, ctes, false)
            }
            other => Err(SqlError::at(
                other.span(),
                "FROM a table, a WITH query or (SELECT ...)",
            )),
        }
    }
}

/// The unquoted, lower-cased last part of a table name (`"Events"` → `events`).
pub(super) fn table_name(name: &ast::ObjectName) -> String {
    match name.0.last().and_then(|p| p.as_ident()) {
        Some(id) => id.value.to_lowercase(),
        None => name.to_string().to_lowercase(),
    }
}

/// Column lists after a table alias (`AS t(a, b)`) and `TABLESAMPLE` would change what the
/// table means; rask does not support them, so it says so instead of ignoring them.
fn no_alias_columns_or_sample(
    alias: Option<&ast::TableAlias>,
    sample: bool,
    relation: &TableFactor,
) -> R<()> {
    if alias.is_some_and(|a| !a.columns.is_empty()) {
        return Err(SqlError::at(
            relation.span(),
            "name the columns inside the query (`SELECT x AS a`), not after the table alias",
        ));
    }
    if sample {
        return Err(SqlError::at(
            relation.span(),
            "TABLESAMPLE is not supported",
        ));
    }
    Ok(())
}

/// What a `FROM` makes visible: the columns a `WITH` query or subquery selected, and the
/// source's fields (a registered table, or a subquery selecting `*`), with the `WHERE`
/// conditions met on the way applied to them in order.
#[derive(Clone)]
pub(super) struct Frame {
    pub(super) events: Expr,
    pub(super) masks: Vec<Expr>,
    pub(super) columns: Vec<(String, Expr)>,
    pub(super) fields: bool,
    /// The name the frame was read by (`FROM t` or `FROM ... AS t`), for `t.x`.
    pub(super) qualifier: Option<String>,
}

impl Frame {
    pub(super) fn source(events: Expr) -> Frame {
        Frame {
            events,
            masks: Vec::new(),
            columns: Vec::new(),
            fields: true,
            qualifier: None,
        }
    }

    /// The source's field `name`, masked like the frame's events.
    pub(super) fn field(&self, name: &str) -> Result<Expr, PlanError> {
        let mut e = self.events.field(name)?;
        for m in &self.masks {
            e = e.mask(m)?;
        }
        Ok(e)
    }
}
