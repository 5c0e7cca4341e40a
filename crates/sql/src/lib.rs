//! The SQL-ish front end: `SELECT hist(...) AS name, ... FROM events WHERE ...`, parsed with
//! `sqlparser` (DuckDB dialect, for lambdas) and lowered into the same expression plan the Rust
//! API builds — the same rules and execution, and the same keys for the same analysis.
//!
//! The language (first slice):
//! - `FROM <table>`: a source registered with [`SqlSession::register`], a table function
//!   (`read_root('f.root', 'Events')`, `read_parquet('f.parquet')`, when the session has an
//!   opener), a `WITH name AS (SELECT ...)` query or a subquery `(SELECT ...)`. `WHERE <cond>`
//!   keeps the events where the per-event condition holds.
//! - Named intermediate results: `WITH leptons AS (SELECT concat(Muon, Electron) AS l, MET FROM
//!   events WHERE ...)` defines per-event columns `l` and `MET`, masked by its `WHERE`, that
//!   later queries read by name; `SELECT *, x AS y FROM t` keeps `t`'s columns (and the source's
//!   fields, when `t` shows them) and adds `y`.
//! - Names: `MET.pt`, `Muon.pt`, `Muon` (collections of records); lambda parameters.
//! - Operators: `+ - * / %`, comparisons, `AND OR NOT`, unary minus; literals. Integer
//!   arithmetic is exact or an error; `/` and `%` compute in f64, so by zero they give ±inf or
//!   NaN (see [`rask_plan::reference`]'s `arith`).
//! - Limits: a statement nests at most [`MAX_NESTING`] operations (checked on its tokens
//!   before parsing); output names are plain file names ([`rask_plan::names`]); histograms have at
//!   most the context's cap of bins and finite increasing edges ([`rask_plan::limits`]).
//! - Per-element math: `abs sqrt exp log sin cos tan atan sinh cosh tanh`, `atan2 hypot least
//!   greatest`, `if(c, a, b)`; constants `infinity()`, `pi()`.
//! - Lists: `len`/`cardinality`/`num`, `list_filter(l, x -> pred)`, `list_transform(l, x -> e)`,
//!   `list_sum list_min list_max list_mean list_count list_any list_all` (over the innermost
//!   lists: per event, or per element for lists of lists), `get(x, 'field')`,
//!   `combinations(l, n)`, `argcombinations(l, n)`, `cartesian(a, b)`, `concat(a, b)`,
//!   `argmin(l)`/`argmax(l)` (kept as lists of 0 or 1), `take(l, i)`, `first(l)`,
//!   `sort(l [, 'asc' | 'desc'])` (or `list_sort`) and `argsort(l [, ...])` per event, stable,
//!   NaN last in both orders (after a comma in a select list the DuckDB dialect reads `sort` as
//!   the SORT keyword: write `list_sort` there),
//!   `fill_none(x, v)`, `local_index(l)`, `flatten(l)`,
//!   `zip(name => l, ...)`, `with_field(rec, 'name', v)`.
//! - Physics: `mass(a, b, ...)` and `pt4(a, b, ...)` of four-vector sums, `delta_r(a, b)`,
//!   `delta_phi(a, b)`, `mt(a, b)`, of records with `pt, eta, phi, mass` or with Cartesian
//!   `px, py, pz, E` (any case, or `energy`: HZZ-style `Muon_Px ... Muon_E`), mixed freely
//!   (`rask_core::kernels::vector_kind`).
//! - Outputs: `hist(x, bins, lo, hi [, 'label'])` (regular bins, integer counts),
//!   `hist_var(x, [edges...] [, 'label'])`, `whist(x, w, bins, lo, hi [, 'label'])` (weighted),
//!   `count(*)`, and the aggregates `sum(x)`, `min(x)`, `max(x)`, `mean(x)`/`avg(x)`,
//!   `count_if(cond)` over every selected event and, for lists, every element (see
//!   `aggregates.rs` for empty selections and types). They are select items of the final
//!   SELECT; inside an expression `sum(x)` is an error naming `list_sum(x)`.
//!
//! ```
//! # use std::sync::Arc;
//! let ctx = rask_plan::Context::new();
//! let events = ctx.source("events", &[], "Events", Arc::new(rask_adl::nano_schema()))?;
//! let mut session = rask_sql::SqlSession::new(&ctx);
//! session.register("events", events);
//! let outs = session.query("SELECT hist(MET.pt, 100, 0, 200, 'MET [GeV]') AS q1 FROM events")?;
//! assert_eq!(outs[0].0, "q1");
//! // Aggregates over the selected events are outputs beside count(*).
//! let outs = session.query("SELECT sum(Muon.pt) AS s, count(*) AS n FROM events WHERE MET.pt > 20")?;
//! assert_eq!(outs[0].1.ty(), rask_plan::types::Ty::Scalar(rask_plan::types::DType::F64));
//! // Inside an expression, the per-event list_sum is meant.
//! let err = session.query("SELECT hist(sum(Muon.pt), 10, 0, 100) AS h FROM events").unwrap_err();
//! assert!(err.message.contains("list_sum"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use sqlparser::ast::{
    self as ast, BinaryOperator, FunctionArg, FunctionArgExpr, FunctionArguments, SelectItem,
    SetExpr, Spanned, Statement, TableFactor, UnaryOperator, Value,
};

mod aggregates;
mod copy;
mod correction;
mod cutflow;
mod from;
mod functions;
mod guard;
mod limit;
mod opener;
mod outputs;
mod sugar;
mod suggest;
mod vary;
mod views;

pub use copy::{CopyTo, SqlStatement, has_copy};
pub use functions::FUNCTIONS;
pub use guard::{MAX_NESTING, MAX_PARSER_RECURSION};
pub use opener::{TableError, TableOpener};

use from::{Frame, table_name};
use suggest::closest;

use rask_plan::error::PlanError;
use rask_plan::expr::{Context, Expr};
use rask_plan::op::{BinaryOp, Scalar};

/// A SQL error with the position (1-based line and column) of the part at fault.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlError {
    pub message: String,
    pub line: u64,
    pub column: u64,
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        } else {
            write!(f, "{}", self.message)
        }
    }
}

impl std::error::Error for SqlError {}

impl SqlError {
    fn at(span: sqlparser::tokenizer::Span, message: impl Into<String>) -> SqlError {
        SqlError {
            message: message.into(),
            line: span.start.line,
            column: span.start.column,
        }
    }

    /// The statement with a caret under the position of the error, then the message.
    ///
    /// ```
    /// let e = rask_sql::SqlError { message: "no field 'pz'".into(), line: 1, column: 8 };
    /// assert!(e.render("SELECT pz FROM events").contains("       ^"));
    /// ```
    ///
    /// A long line is shown as the 100 characters around the position, with `…` where it is cut.
    pub fn render(&self, sql: &str) -> String {
        self.render_with(sql, None)
    }

    /// As compilers print errors: `ORIGIN:LINE:COLUMN: error: message`, then the line with a
    /// caret under the position (`ORIGIN: error: message` when there is no position).
    ///
    /// ```
    /// let e = rask_sql::SqlError { message: "no field 'pz'".into(), line: 1, column: 8 };
    /// let text = e.render_in("q.sql", "SELECT pz FROM events");
    /// assert_eq!(text, "q.sql:1:8: error: no field 'pz'\nSELECT pz FROM events\n       ^");
    /// ```
    pub fn render_in(&self, origin: &str, sql: &str) -> String {
        self.render_with(sql, Some(origin))
    }

    fn render_with(&self, sql: &str, origin: Option<&str>) -> String {
        const WIDTH: usize = 100;
        let line = match self.line {
            0 => None,
            n => sql.lines().nth(n as usize - 1),
        };
        let Some(line) = line else {
            return match origin {
                Some(o) => format!("{o}: error: {}", self.message),
                None => format!("error: {}", self.message),
            };
        };
        let chars: Vec<char> = line.chars().collect();
        let at = (self.column.saturating_sub(1) as usize).min(chars.len());
        let start = at.saturating_sub(WIDTH / 2);
        let end = (start + WIDTH).min(chars.len());
        let (head, tail) = (
            if start > 0 { "…" } else { "" },
            if end < chars.len() { "…" } else { "" },
        );
        let shown: String = chars[start..end].iter().collect();
        let pad = " ".repeat(at - start + usize::from(start > 0));
        match origin {
            Some(o) => format!(
                "{o}:{}:{}: error: {}\n{head}{shown}{tail}\n{pad}^",
                self.line, self.column, self.message
            ),
            None => format!("{head}{shown}{tail}\n{pad}^\nerror: {}", self.message),
        }
    }
}

type R<T> = Result<T, SqlError>;

/// Registered tables and the context expressions are built in.
#[derive(Clone)]
pub struct SqlSession {
    ctx: Context,
    tables: BTreeMap<String, Expr>,
    opener: Option<TableOpener>,
    /// Views kept by [`SqlSession::run`] for later statements (`views.rs`).
    views: BTreeMap<String, Frame>,
}

impl SqlSession {
    pub fn new(ctx: &Context) -> Self {
        SqlSession {
            ctx: ctx.clone(),
            tables: BTreeMap::new(),
            opener: None,
            views: BTreeMap::new(),
        }
    }

    /// Lets `FROM name('arg', ...)` open sources through `opener`.
    pub fn with_opener(mut self, opener: TableOpener) -> Self {
        self.opener = Some(opener);
        self
    }

    /// Makes `events` (a source) queryable as `name`.
    pub fn register(&mut self, name: &str, events: Expr) {
        self.tables.insert(name.to_lowercase(), events);
    }

    /// The registered table names.
    pub fn tables(&self) -> Vec<String> {
        self.tables.keys().cloned().collect()
    }

    /// The expression of a registered table.
    pub fn table(&self, name: &str) -> Option<&Expr> {
        self.tables.get(&name.to_lowercase())
    }

    /// Parses and lowers one or more `;`-separated SELECT statements: the outputs, named by
    /// their alias (`AS q1`) or by position (`col1`, ...).
    pub fn query(&self, sql: &str) -> R<Vec<(String, Expr)>> {
        self.query_in(sql, &mut self.views.clone())
    }

    /// [`SqlSession::query`] with the views `views` (extended by the statements' `CREATE VIEW`).
    fn query_in(&self, sql: &str, views: &mut BTreeMap<String, Frame>) -> R<Vec<(String, Expr)>> {
        let statements = copy::parse(sql)?;
        vary::clear(&self.ctx);
        let mut out = Vec::new();
        // `CREATE VIEW v AS SELECT ...` names a frame for the statements after it.
        for st in &statements {
            out.extend(self.statement(st, views)?);
        }
        Ok(out)
    }

    fn statement(
        &self,
        st: &Statement,
        views: &mut BTreeMap<String, Frame>,
    ) -> R<Vec<(String, Expr)>> {
        match st {
            Statement::Query(q) => Ok(self.lower(q, views, true)?.columns),
            Statement::CreateView(view) => {
                let frame = self.lower(&view.query, views, false)?;
                views.insert(table_name(&view.name).to_lowercase(), frame);
                Ok(Vec::new())
            }
            Statement::Copy { .. } => Err(SqlError::at(
                st.span(),
                "COPY (SELECT ...) TO 'dir/' writes a skim: run it with `rask query` (SqlSession::statements)",
            )),
            _ => Err(SqlError::at(
                st.span(),
                "only SELECT (and CREATE VIEW name AS SELECT ...) statements are supported",
            )),
        }
    }

    /// Lowers a query: at the top (`top`), its outputs (histograms, counts, values); inside
    /// `WITH` or `FROM (...)`, the frame it defines for the queries that read it.
    fn lower(&self, q: &ast::Query, ctes: &BTreeMap<String, Frame>, top: bool) -> R<Frame> {
        let mut ctes = ctes.clone();
        if let Some(with) = &q.with {
            if with.recursive {
                return Err(SqlError::at(with.span(), "WITH RECURSIVE is not supported"));
            }
            for cte in &with.cte_tables {
                if !cte.alias.columns.is_empty() {
                    return Err(SqlError::at(
                        cte.alias.span(),
                        "name the columns inside the query (`SELECT x AS a`), not after the WITH name",
                    ));
                }
                let frame = self.lower(&cte.query, &ctes, false)?;
                ctes.insert(cte.alias.name.value.to_lowercase(), frame);
            }
        }
        if let Some(o) = &q.order_by {
            return Err(SqlError::at(
                o.span(),
                "ORDER BY: events keep their file order",
            ));
        }
        let limit = q.limit_clause.as_ref().map(|l| limit::bounds(l, top));
        let limit = limit.transpose()?;
        if let Some(f) = &q.fetch {
            return Err(SqlError::at(f.span(), "FETCH is not supported"));
        }
        let SetExpr::Select(select) = q.body.as_ref() else {
            return Err(SqlError::at(q.span(), "only a plain SELECT is supported"));
        };
        let unsupported = [
            (select.distinct.is_some(), "DISTINCT"),
            (select.having.is_some(), "HAVING (use WHERE)"),
            (select.qualify.is_some(), "QUALIFY"),
            (!select.named_window.is_empty(), "WINDOW"),
            (select.prewhere.is_some(), "PREWHERE (use WHERE)"),
            (!select.sort_by.is_empty(), "SORT BY"),
        ];
        if let Some((_, what)) = unsupported.iter().find(|(present, _)| *present) {
            return Err(SqlError::at(
                select.span(),
                format!("{what} is not supported"),
            ));
        }
        if let Some(g) = group_by_span(&select.group_by) {
            return Err(SqlError::at(
                g,
                "GROUP BY: aggregate with hist(...), which fills over all events",
            ));
        }
        let [from] = select.from.as_slice() else {
            return Err(SqlError::at(
                select.span(),
                "a query reads FROM exactly one table (e.g. FROM events)",
            ));
        };
        if !from.joins.is_empty() {
            return Err(SqlError::at(
                from.span(),
                "JOIN: combine collections of one event with cartesian(a, b)",
            ));
        }
        let mut frame = self.from(&from.relation, &ctes)?;
        frame.qualifier = match &from.relation {
            TableFactor::Table { alias: Some(a), .. }
            | TableFactor::Derived { alias: Some(a), .. } => Some(a.name.value.clone()),
            TableFactor::Table {
                name, args: None, ..
            } => Some(table_name(name)),
            _ => None,
        };
        let scope = Scope::new(&self.ctx, &frame);
        // WHERE keeps events: the condition masks every output's per-event values
        // (`MET.pt[keep]`, as one writes it with the API), which is the same as masking first.
        let keep = match &select.selection {
            Some(cond) => {
                // `WHERE TRUE` (or `1 = 1`): the constant for every event.
                let k = scope
                    .expr(cond)
                    .map_err(|e| sugar::alias_hint(e, &select.projection))?;
                let k = scope.per_event_if_constant(k, cond.span())?;
                if !matches!(
                    k.ty(),
                    rask_plan::types::Ty::Events {
                        layout: rask_plan::types::Layout::Prim(rask_plan::types::DType::Bool),
                        ..
                    }
                ) {
                    return Err(SqlError::at(
                        cond.span(),
                        format!(
                            "WHERE keeps events: it needs one true/false per event, not {} \
                             (reduce lists with list_any, list_all or list_sum)",
                            k.ty().describe()
                        ),
                    ));
                }
                Some((k, cond.span()))
            }
            None => None,
        };
        let scope = Scope { keep, ..scope };
        let mut columns: Vec<(String, Expr)> = Vec::new();
        let mut star = false;
        for (i, item) in select.projection.iter().enumerate() {
            let (e, alias) = match item {
                SelectItem::UnnamedExpr(e) => (e, None),
                SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias)),
                SelectItem::Wildcard(opts) if !top => {
                    let plain = opts.opt_ilike.is_none()
                        && opts.opt_exclude.is_none()
                        && opts.opt_except.is_none()
                        && opts.opt_replace.is_none()
                        && opts.opt_rename.is_none()
                        && opts.opt_alias.is_none();
                    if !plain {
                        return Err(SqlError::at(
                            item.span(),
                            "`*` without EXCLUDE/REPLACE/RENAME: add or override columns with `*, x AS name`",
                        ));
                    }
                    star = true;
                    continue;
                }
                other => {
                    return Err(SqlError::at(
                        other.span(),
                        if top {
                            "select expressions, not wildcards"
                        } else {
                            "`*` or expressions"
                        },
                    ));
                }
            };
            let alias_span = alias.map(|a| a.span);
            let name = match (alias, e) {
                (Some(a), _) => a.value.clone(),
                (None, ast::Expr::Identifier(id)) if !top => id.value.clone(),
                (None, ast::Expr::CompoundIdentifier(parts)) if !top => parts
                    .last()
                    .map_or_else(|| format!("col{}", i + 1), |p| p.value.clone()),
                _ => format!("col{}", i + 1),
            };
            let value = if top {
                outputs::check_output_name(&name, alias_span.unwrap_or_else(|| item.span()))?;
                scope.output(&name, e)?
            } else {
                scope.selected(scope.expr(e)?, e.span())?
            };
            if columns.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                return Err(SqlError::at(
                    item.span(),
                    format!("two select items are named '{name}': name them apart with AS"),
                ));
            }
            columns.push((name, value));
        }
        let mut masks = frame.masks.clone();
        masks.extend(scope.keep.as_ref().map(|(k, _)| k.clone()));
        if top || !star {
            return Ok(Frame {
                events: frame.events.clone(),
                masks,
                columns: match limit {
                    Some(l) => limit::apply(columns, l)?,
                    None => columns,
                },
                fields: false,
                qualifier: None,
            });
        }
        // `*`: the columns and fields of the frame read, masked by this WHERE.
        let mut all = Vec::new();
        for (n, e) in &frame.columns {
            if !columns.iter().any(|(c, _)| c.eq_ignore_ascii_case(n)) {
                all.push((n.clone(), scope.selected(e.clone(), select.span())?));
            }
        }
        all.extend(columns);
        Ok(Frame {
            events: frame.events.clone(),
            masks,
            columns: all,
            fields: frame.fields,
            qualifier: None,
        })
    }
}

fn group_by_span(g: &ast::GroupByExpr) -> Option<sqlparser::tokenizer::Span> {
    match g {
        ast::GroupByExpr::All(_) => Some(sqlparser::tokenizer::Span::empty()),
        ast::GroupByExpr::Expressions(e, _) => e.first().map(|e| e.span()),
    }
}

fn parse_error(e: sqlparser::parser::ParserError) -> SqlError {
    if matches!(e, sqlparser::parser::ParserError::RecursionLimitExceeded) {
        return SqlError {
            message: format!(
                "the statement nests parentheses, calls or unary operators more than {} deep",
                guard::MAX_PARSER_RECURSION
            ),
            line: 0,
            column: 0,
        };
    }
    let text = e.to_string();
    // sqlparser ends its messages with "at Line: L, Column: C".
    let pos = text.rfind("at Line: ").and_then(|i| {
        let rest = &text[i + 9..];
        let (l, c) = rest.split_once(", Column: ")?;
        Some((
            i,
            l.trim().parse().ok()?,
            c.trim()
                .trim_end_matches(|ch: char| !ch.is_ascii_digit())
                .parse()
                .ok()?,
        ))
    });
    // `SELECT a, sort(l)`: the DuckDB dialect takes `, sort` for a trailing comma before the
    // SORT keyword.
    let lower = text.to_lowercase();
    let sort_keyword = lower
        .match_indices("found: sort")
        .any(|(i, m)| !lower[i + m.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_'));
    let hint = if sort_keyword {
        " (after a comma in a select list, write list_sort(...) or (sort(...)))".to_string()
    } else if lower.contains("expected: :, found") {
        format!(" ({})", sugar::BRACKETS) // `x[cond]`, read as a slice
    } else {
        String::new()
    };
    match pos {
        Some((i, line, column)) => SqlError {
            message: text[..i]
                .trim()
                .trim_start_matches("sql parser error: ")
                .to_string()
                + &hint,
            line,
            column,
        },
        None => SqlError {
            message: text.trim_start_matches("sql parser error: ").to_string(),
            line: 0,
            column: 0,
        },
    }
}

fn plan_error(span: sqlparser::tokenizer::Span, e: PlanError) -> SqlError {
    SqlError::at(span, e.to_string())
}

/// Names in scope: lambda parameters, the frame's columns and the source's fields.
struct Scope<'a> {
    ctx: &'a Context,
    frame: &'a Frame,
    vars: HashMap<String, Expr>,
    /// The WHERE condition, applied to output values.
    keep: Option<(Expr, sqlparser::tokenizer::Span)>,
}

impl<'a> Scope<'a> {
    fn new(ctx: &'a Context, frame: &'a Frame) -> Self {
        Scope {
            ctx,
            frame,
            vars: HashMap::new(),
            keep: None,
        }
    }

    fn with_var(&self, name: &str, value: Expr) -> Scope<'a> {
        let mut vars = self.vars.clone();
        vars.insert(name.to_lowercase(), value);
        Scope {
            ctx: self.ctx,
            frame: self.frame,
            vars,
            keep: None,
        }
    }

    /// A name: a lambda parameter, then a column of the frame spelt exactly, then a field of
    /// the source, then a column spelt in another case; `t.x` with `t` the table read is `x`.
    fn name(&self, parts: &[ast::Ident], span: sqlparser::tokenizer::Span) -> R<Expr> {
        let first = parts[0].value.as_str();
        let exact = |n: &str| n == first;
        let folded = |n: &str| n.eq_ignore_ascii_case(first);
        let column = |same: &dyn Fn(&str) -> bool| {
            self.frame
                .columns
                .iter()
                .find(|(n, _)| same(n))
                .map(|(_, e)| e.clone())
        };
        let found = match self.vars.get(&first.to_lowercase()) {
            Some(v) => Ok(v.clone()),
            None => match column(&exact) {
                Some(c) => Ok(c),
                None => {
                    let field = if self.frame.fields {
                        Some(self.frame.field(first))
                    } else {
                        None
                    };
                    match (field, column(&folded)) {
                        (Some(Ok(f)), _) => Ok(f),
                        (_, Some(c)) => Ok(c),
                        (Some(Err(err)), None) => Err(plan_error(span, err)),
                        (None, None) => {
                            let known: Vec<&str> =
                                self.frame.columns.iter().map(|(n, _)| n.as_str()).collect();
                            let close = closest(known.iter().copied(), first);
                            let hint = if close.is_empty() {
                                format!("columns: {}", known.join(", "))
                            } else {
                                format!("did you mean {}?", close.join(", "))
                            };
                            Err(SqlError::at(span, format!("no column '{first}' ({hint})")))
                        }
                    }
                }
            },
        };
        let qualified = parts.len() > 1
            && self
                .frame
                .qualifier
                .as_deref()
                .is_some_and(|q| q.eq_ignore_ascii_case(first));
        let (mut e, rest) = match found {
            Ok(e) => (e, &parts[1..]),
            Err(_) if qualified => return self.name(&parts[1..], span),
            Err(err) => return Err(err),
        };
        for p in rest {
            e = e.field(&p.value).map_err(|err| plan_error(p.span, err))?;
        }
        Ok(e)
    }

    fn expr(&self, e: &ast::Expr) -> R<Expr> {
        let span = e.span();
        let pe = |err: PlanError| plan_error(span, err);
        Ok(match e {
            ast::Expr::Identifier(id) => self.name(std::slice::from_ref(id), span)?,
            ast::Expr::CompoundIdentifier(parts) => self.name(parts, span)?,
            ast::Expr::Nested(inner) => self.expr(inner)?,
            ast::Expr::Value(v) => self.literal(v)?,
            ast::Expr::UnaryOp { op, expr } => {
                let x = self.expr(expr)?;
                match op {
                    UnaryOperator::Minus => x.neg().map_err(pe)?,
                    UnaryOperator::Plus => x,
                    UnaryOperator::Not => x.not().map_err(pe)?,
                    other => return Err(SqlError::at(span, format!("operator {other}"))),
                }
            }
            ast::Expr::BinaryOp { .. } => self.binary_chain(e)?,
            ast::Expr::Function(f) => self.function(f, span)?,
            // sqlparser reads `floor(x)` and `ceil(x)` as their own expressions.
            ast::Expr::Floor {
                expr,
                field: ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime),
            } => self.expr(expr)?.floor().map_err(pe)?,
            ast::Expr::Ceil {
                expr,
                field: ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime),
            } => self.expr(expr)?.ceil().map_err(pe)?,
            other => match self.sugar(other)? {
                Some(x) => x,
                None => {
                    return Err(SqlError::at(
                        span,
                        format!("expressions like `{other}` are not supported"),
                    ));
                }
            },
        })
    }

    /// `a op b`, and the chains `a + b + c + ...` that sqlparser builds left-deep: the left
    /// spine is walked in a loop, so a long chain does not recurse once per term (the guard
    /// allows a thousand).
    fn binary_chain(&self, e: &ast::Expr) -> R<Expr> {
        let mut spine: Vec<(&ast::Expr, &BinaryOperator, &ast::Expr)> = Vec::new();
        let mut left = e;
        while let ast::Expr::BinaryOp { left: l, op, right } = left {
            spine.push((left, op, right));
            left = l;
        }
        let mut a = self.expr(left)?;
        for (node, op, right) in spine.into_iter().rev() {
            let span = node.span();
            let b = match (op, vary::category_code(&a, right)) {
                (BinaryOperator::Eq | BinaryOperator::NotEq, Some(code)) => {
                    let code = code.map_err(|e| SqlError::at(right.span(), e.to_string()))?;
                    self.ctx
                        .literal(code)
                        .map_err(|err| plan_error(span, err))?
                }
                _ => self.expr(right)?,
            };
            let op = match op {
                BinaryOperator::Plus => BinaryOp::Add,
                BinaryOperator::Minus => BinaryOp::Sub,
                BinaryOperator::Multiply => BinaryOp::Mul,
                BinaryOperator::Divide => BinaryOp::Div,
                BinaryOperator::Modulo => BinaryOp::Mod,
                BinaryOperator::Gt => BinaryOp::Gt,
                BinaryOperator::GtEq => BinaryOp::Ge,
                BinaryOperator::Lt => BinaryOp::Lt,
                BinaryOperator::LtEq => BinaryOp::Le,
                BinaryOperator::Eq => BinaryOp::Eq,
                BinaryOperator::NotEq => BinaryOp::Ne,
                BinaryOperator::And => BinaryOp::And,
                BinaryOperator::Or => BinaryOp::Or,
                other => return Err(SqlError::at(span, format!("operator {other}"))),
            };
            a = binary(op, &a, &b).map_err(|err| plan_error(span, err))?;
        }
        Ok(a)
    }

    fn literal(&self, v: &ast::ValueWithSpan) -> R<Expr> {
        let s = match &v.value {
            Value::Number(n, _) => match n.parse::<i64>() {
                Ok(i) => Scalar::I64(i),
                Err(_) => Scalar::F64(
                    n.parse::<f64>()
                        .map_err(|_| SqlError::at(v.span, format!("bad number {n}")))?,
                ),
            },
            Value::Boolean(b) => Scalar::Bool(*b),
            Value::SingleQuotedString(t) => return Err(SqlError::at(v.span, vary::string_here(t))),
            other => return Err(SqlError::at(v.span, format!("literal {other} here"))),
        };
        self.ctx.literal(s).map_err(|e| plan_error(v.span, e))
    }
}

fn binary(op: BinaryOp, a: &Expr, b: &Expr) -> Result<Expr, PlanError> {
    a.binary_op(op, b)
}

/// A function argument: positional or `name => value`.
enum Arg<'a> {
    Pos(&'a ast::Expr),
    Named(String, &'a ast::Expr),
    /// `*`, as in `count(*)`.
    Star,
}

impl<'a> Arg<'a> {
    fn expr(&self) -> R<&'a ast::Expr> {
        match self {
            Arg::Pos(e) => Ok(e),
            Arg::Named(_, e) => Err(SqlError::at(
                e.span(),
                "a positional argument (inside a call `a = b` reads as the named argument a; \
                 write (a = b) to compare)",
            )),
            Arg::Star => Err(SqlError {
                message: "`*` only in count(*)".to_string(),
                line: 0,
                column: 0,
            }),
        }
    }
    fn span(&self) -> sqlparser::tokenizer::Span {
        match self {
            Arg::Pos(e) | Arg::Named(_, e) => e.span(),
            Arg::Star => sqlparser::tokenizer::Span::empty(),
        }
    }
}

fn args_of(f: &ast::Function) -> R<Vec<Arg<'_>>> {
    match &f.args {
        FunctionArguments::None => Ok(Vec::new()),
        FunctionArguments::List(list) => list
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(Arg::Pos(e)),
                FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => Ok(Arg::Star),
                FunctionArg::Named {
                    name,
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => Ok(Arg::Named(name.value.clone(), e)),
                other => Err(SqlError::at(f.span(), format!("argument {other}"))),
            })
            .collect(),
        FunctionArguments::Subquery(q) => Err(SqlError::at(q.span(), "subqueries")),
    }
}

fn number(e: &ast::Expr) -> R<f64> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n
                .parse()
                .map_err(|_| SqlError::at(v.span, format!("bad number {n}"))),
            _ => Err(SqlError::at(v.span, "a number")),
        },
        ast::Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => Ok(-number(expr)?),
        other => Err(SqlError::at(other.span(), "a number")),
    }
}

fn string(e: &ast::Expr) -> R<String> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Ok(s.clone()),
            _ => Err(SqlError::at(v.span, "a 'string'")),
        },
        other => Err(SqlError::at(other.span(), "a 'string'")),
    }
}
