//! `COPY (SELECT ...) TO 'dir/' [(FORMAT parquet)]`: a skim, the query's per-event columns
//! written to a directory of Parquet files. The SQL side only lowers the query and checks the
//! statement's form; the facade (`rask::skim`) runs it and writes the files.

use std::collections::BTreeMap;

use sqlparser::ast::{
    CopyOption, CopySource, CopyTarget, Expr as AstExpr, SelectItem, SetExpr, Spanned, Statement,
};
use sqlparser::dialect::DuckDbDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Tokenizer;

use super::{R, SqlError, SqlSession, guard, parse_error, vary};
use rask_plan::expr::Expr;

/// One statement of a script, as [`SqlSession::statements`] lowers it.
#[derive(Debug, Clone)]
pub enum SqlStatement {
    /// A query's outputs (histograms, counts, per-event values), named by their alias; empty
    /// for a statement that only names something (`CREATE VIEW`).
    Query(Vec<(String, Expr)>),
    /// `COPY (SELECT ...) TO 'dir'`: the query's columns, to be written as a skim.
    Copy(CopyTo),
}

/// A `COPY (SELECT ...) TO 'dir'` statement, lowered.
#[derive(Debug, Clone)]
pub struct CopyTo {
    /// The select items, named by their alias, in order (checked to be per-event columns by
    /// the writer, which names any that is not).
    pub columns: Vec<(String, Expr)>,
    /// The target directory as written in the statement.
    pub target: String,
    /// 1-based line of the statement's query (for messages about the target).
    pub line: u64,
}

impl SqlSession {
    /// Parses and lowers one or more `;`-separated statements: queries (as [`SqlSession::query`]
    /// does) and `COPY (SELECT ...) TO 'dir' [(FORMAT parquet)]`, the skim of the query's
    /// per-event columns (the only format is Parquet).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let ctx = rask_plan::Context::new();
    /// let events = ctx.source("events", &[], "Events", Arc::new(rask_adl::nano_schema()))?;
    /// let mut session = rask_sql::SqlSession::new(&ctx);
    /// session.register("events", events);
    /// let st = session.statements("COPY (SELECT MET.pt AS met FROM events WHERE nJet >= 2) TO 'skim/'")?;
    /// let rask_sql::SqlStatement::Copy(copy) = &st[0] else { panic!("a COPY") };
    /// assert_eq!((copy.target.as_str(), copy.columns[0].0.as_str()), ("skim/", "met"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn statements(&self, sql: &str) -> R<Vec<SqlStatement>> {
        let statements = parse(sql)?;
        vary::clear(&self.ctx);
        let mut views = self.views.clone();
        let mut out = Vec::new();
        for st in &statements {
            out.push(match copy_query(st)? {
                Some((q, target)) => SqlStatement::Copy(CopyTo {
                    columns: self.columns_of(q, &views)?,
                    target,
                    line: q.span().start.line,
                }),
                None => SqlStatement::Query(self.statement(st, &mut views)?),
            });
        }
        Ok(out)
    }
}

impl SqlSession {
    /// The per-event columns of a skim query (`rask skim --sql`): the select items of its
    /// `SELECT` statements (after any `CREATE VIEW`), named by their alias or, for a plain
    /// name (`dataset`, `MET.pt`), by the name's last part (`dataset`, `pt`), as DuckDB does.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let ctx = rask_plan::Context::new();
    /// let events = ctx.source("events", &[], "Events", Arc::new(rask_adl::nano_schema()))?;
    /// let mut session = rask_sql::SqlSession::new(&ctx);
    /// session.register("events", events);
    /// let cols = session.skim_columns("SELECT MET.pt, Jet.pt AS jet_pt, nJet FROM events WHERE nJet >= 2")?;
    /// let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
    /// assert_eq!(names, ["pt", "jet_pt", "nJet"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn skim_columns(&self, sql: &str) -> R<Vec<(String, Expr)>> {
        let statements = parse(sql)?;
        vary::clear(&self.ctx);
        let mut views = BTreeMap::new();
        let mut out = Vec::new();
        for st in &statements {
            match st {
                Statement::Query(q) => out.extend(self.columns_of(q, &views)?),
                other => out.extend(self.statement(other, &mut views)?),
            }
        }
        Ok(out)
    }

    /// The top query `q`'s outputs, a plain name without alias named by its last part.
    fn columns_of(
        &self,
        q: &sqlparser::ast::Query,
        views: &BTreeMap<String, super::Frame>,
    ) -> R<Vec<(String, Expr)>> {
        let mut columns = self.lower(q, views, true)?.columns;
        if let SetExpr::Select(select) = q.body.as_ref() {
            // At the top every select item is one output, in order (no wildcards).
            for (item, column) in select.projection.iter().zip(columns.iter_mut()) {
                let name = match item {
                    SelectItem::UnnamedExpr(AstExpr::Identifier(id)) => &id.value,
                    SelectItem::UnnamedExpr(AstExpr::CompoundIdentifier(parts)) => {
                        match parts.last() {
                            Some(p) => &p.value,
                            None => continue,
                        }
                    }
                    _ => continue,
                };
                column.0 = name.clone();
            }
            for (i, (name, _)) in columns.iter().enumerate() {
                if columns[..i]
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(name))
                {
                    return Err(SqlError::at(
                        select.projection[i].span(),
                        format!("two select items are named '{name}': name them apart with AS"),
                    ));
                }
            }
        }
        Ok(columns)
    }
}

/// Whether `sql` parses and holds a `COPY` statement (without lowering anything: a script
/// that does not parse is `false`, and its error is reported where it is run).
///
/// ```
/// assert!(rask_sql::has_copy("COPY (SELECT MET.pt AS met FROM events) TO 'out'"));
/// assert!(!rask_sql::has_copy("SELECT hist(MET.pt, 10, 0, 100) AS h FROM events"));
/// ```
pub fn has_copy(sql: &str) -> bool {
    parse(sql).is_ok_and(|sts| sts.iter().any(|s| matches!(s, Statement::Copy { .. })))
}

/// The statements of `sql` (DuckDB's dialect, nesting bounded by `guard`).
pub(super) fn parse(sql: &str) -> R<Vec<Statement>> {
    let dialect = DuckDbDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| parse_error(e.into()))?;
    guard::check(&tokens)?;
    Parser::new(&dialect)
        .with_recursion_limit(guard::MAX_PARSER_RECURSION)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(parse_error)
}

/// The query and target directory of a `COPY (query) TO 'dir'` statement; `None` for other
/// statements; an error for the forms of COPY a skim cannot be.
fn copy_query(st: &Statement) -> R<Option<(&sqlparser::ast::Query, String)>> {
    let Statement::Copy {
        source,
        to,
        target,
        options,
        legacy_options,
        ..
    } = st
    else {
        return Ok(None);
    };
    let at = |message: &str| {
        let span = match source {
            CopySource::Query(q) => q.span(),
            CopySource::Table { table_name, .. } => table_name.span(),
        };
        SqlError::at(span, message.to_string())
    };
    let CopySource::Query(q) = source else {
        return Err(at(
            "COPY writes a query's columns: COPY (SELECT ... FROM events) TO 'dir/'",
        ));
    };
    if !to {
        return Err(at(
            "COPY ... FROM reads nothing here: COPY (SELECT ...) TO 'dir/'",
        ));
    }
    let CopyTarget::File { filename } = target else {
        return Err(at(
            "COPY writes to a directory of Parquet files: TO 'dir/' (not STDIN, STDOUT or PROGRAM)",
        ));
    };
    if !legacy_options.is_empty() {
        return Err(at(
            "COPY takes no options besides (FORMAT parquet): the files are Parquet, ZSTD-compressed",
        ));
    }
    for option in options {
        match option {
            CopyOption::Format(f) if f.value.eq_ignore_ascii_case("parquet") => {}
            CopyOption::Format(f) => {
                return Err(SqlError::at(
                    f.span,
                    format!("COPY writes Parquet only, not {}", f.value),
                ));
            }
            other => {
                return Err(at(&format!(
                    "COPY option {other} is not supported (only FORMAT parquet)"
                )));
            }
        }
    }
    if filename.is_empty() {
        return Err(at("COPY needs a directory: TO 'dir/'"));
    }
    Ok(Some((q, filename.clone())))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn session() -> SqlSession {
        let ctx = rask_plan::Context::new();
        let events = ctx
            .source("events", &[], "Events", Arc::new(rask_adl::nano_schema()))
            .expect("source");
        let mut s = SqlSession::new(&ctx);
        s.register("events", events);
        s
    }

    #[test]
    fn copy_and_queries_mix_in_a_script() {
        let st = session()
            .statements(
                "SELECT hist(MET.pt, 10, 0, 100) AS h FROM events;\n\
                 COPY (SELECT MET.pt AS met, Jet.pt AS jet_pt FROM events WHERE nJet >= 2) \
                 TO 'skims/two_jets' (FORMAT parquet);",
            )
            .expect("lowers");
        assert_eq!(st.len(), 2);
        assert!(matches!(&st[0], SqlStatement::Query(o) if o[0].0 == "h"));
        let SqlStatement::Copy(c) = &st[1] else {
            panic!("a COPY: {st:?}");
        };
        assert_eq!(c.target, "skims/two_jets");
        let names: Vec<&str> = c.columns.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["met", "jet_pt"]);
        assert_eq!(c.line, 2);
    }

    #[test]
    fn other_forms_of_copy_are_errors() {
        let s = session();
        for (sql, part) in [
            ("COPY events TO 'x'", "query's columns"),
            (
                "COPY (SELECT MET.pt AS m FROM events) TO STDOUT",
                "directory",
            ),
            (
                "COPY (SELECT MET.pt AS m FROM events) TO 'x' (FORMAT csv)",
                "Parquet only",
            ),
            (
                "COPY (SELECT MET.pt AS m FROM events) TO 'x' (HEADER)",
                "not supported",
            ),
            (
                "COPY (SELECT MET.pt AS m FROM events) TO ''",
                "needs a directory",
            ),
            ("COPY (SELECT nope AS m FROM events) TO 'x'", "nope"),
        ] {
            let e = s.statements(sql).expect_err(sql);
            assert!(e.message.contains(part), "{sql}: {}", e.message);
        }
    }

    #[test]
    fn plain_names_name_their_columns() {
        let s = session();
        let cols = s
            .skim_columns("SELECT nJet, MET.pt, Jet.pt AS jet_pt, nJet + 1 FROM events")
            .expect("lowers");
        let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["nJet", "pt", "jet_pt", "col4"]);
        let e = s
            .skim_columns("SELECT MET.pt, Jet.pt FROM events")
            .expect_err("two columns named pt");
        assert!(
            e.message.contains("two select items are named 'pt'"),
            "{}",
            e.message
        );
        assert_eq!((e.line, e.column), (1, 16));
        let st = s
            .statements("COPY (SELECT MET.pt FROM events) TO 'd'")
            .expect("lowers");
        assert!(matches!(&st[0], SqlStatement::Copy(c) if c.columns[0].0 == "pt"));
    }

    #[test]
    fn has_copy_finds_copy_statements() {
        assert!(has_copy(
            "SELECT 1 AS a FROM events; COPY (SELECT 1 AS a FROM events) TO 'd'"
        ));
        assert!(!has_copy("COPY (SELECT"));
        assert!(!has_copy("SELECT count(*) FROM events"));
    }
}
