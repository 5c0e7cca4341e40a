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
//! - Operators: `+ - * /`, comparisons, `AND OR NOT`, unary minus; literals.
//! - Per-element math: `abs sqrt exp log sin cos tan atan sinh cosh tanh`, `atan2 hypot least
//!   greatest`, `if(c, a, b)`; constants `infinity()`, `pi()`.
//! - Lists: `len`/`cardinality`/`num`, `list_filter(l, x -> pred)`, `list_transform(l, x -> e)`,
//!   `list_sum list_min list_max list_mean list_count list_any list_all` (over the innermost
//!   lists: per event, or per element for lists of lists), `get(x, 'field')`,
//!   `combinations(l, n)`, `argcombinations(l, n)`, `cartesian(a, b)`, `concat(a, b)`,
//!   `argmin(l)`/`argmax(l)` (kept as lists of 0 or 1), `take(l, i)`, `first(l)`,
//!   `fill_none(x, v)`, `local_index(l)`, `flatten(l)`,
//!   `zip(name => l, ...)`, `with_field(rec, 'name', v)`.
//! - Physics: `mass(a, b, ...)` and `pt4(a, b, ...)` of four-vector sums, `delta_r(a, b)`,
//!   `delta_phi(a, b)`, `mt(a, b)`.
//! - Outputs: `hist(x, bins, lo, hi [, 'label'])` (regular bins, integer counts),
//!   `hist_var(x, [edges...] [, 'label'])`, `whist(x, w, bins, lo, hi [, 'label'])` (weighted),
//!   and `count(*)`.
//!
//! ```
//! # use std::sync::Arc;
//! let ctx = rask_plan::Context::new();
//! let events = ctx.source("events", &[], "Events", Arc::new(rask_plan::adl::nano_schema()))?;
//! let mut session = rask_plan::sql::SqlSession::new(&ctx);
//! session.register("events", events);
//! let outs = session.query("SELECT hist(MET.pt, 100, 0, 200, 'MET [GeV]') AS q1 FROM events")?;
//! assert_eq!(outs[0].0, "q1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use sqlparser::ast::{
    self as ast, BinaryOperator, FunctionArg, FunctionArgExpr, FunctionArguments, SelectItem,
    SetExpr, Spanned, Statement, TableFactor, UnaryOperator, Value,
};
use sqlparser::dialect::DuckDbDialect;
use sqlparser::parser::Parser;

use crate::error::PlanError;
use crate::expr::{Context, Expr};
use crate::op::{BinaryOp, Scalar, UnaryOp};
use crate::types::{Axis, Storage};

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
    /// let e = rask_plan::sql::SqlError { message: "no field 'pz'".into(), line: 1, column: 8 };
    /// assert!(e.render("SELECT pz FROM events").contains("       ^"));
    /// ```
    pub fn render(&self, sql: &str) -> String {
        let Some(line) = sql.lines().nth(self.line.saturating_sub(1) as usize) else {
            return format!("error: {}", self.message);
        };
        let pad = " ".repeat(self.column.saturating_sub(1) as usize);
        format!("{line}\n{pad}^\nerror: {}", self.message)
    }
}

type R<T> = Result<T, SqlError>;

/// Opens a table function of `FROM` (`read_root('f.root', 'Events')`, `read_parquet(...)`):
/// given the function name and its string arguments, the source's events. The plan crate does
/// not read files; the facade supplies this.
pub type TableOpener =
    std::sync::Arc<dyn Fn(&str, &[String]) -> Result<Expr, String> + Send + Sync>;

/// Registered tables and the context expressions are built in.
#[derive(Clone)]
pub struct SqlSession {
    ctx: Context,
    tables: BTreeMap<String, Expr>,
    opener: Option<TableOpener>,
}

impl SqlSession {
    pub fn new(ctx: &Context) -> Self {
        SqlSession {
            ctx: ctx.clone(),
            tables: BTreeMap::new(),
            opener: None,
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
        let statements = Parser::parse_sql(&DuckDbDialect {}, sql).map_err(parse_error)?;
        let mut out = Vec::new();
        for st in &statements {
            out.extend(self.statement(st)?);
        }
        Ok(out)
    }

    fn statement(&self, st: &Statement) -> R<Vec<(String, Expr)>> {
        let Statement::Query(q) = st else {
            return Err(SqlError::at(
                st.span(),
                "only SELECT statements are supported",
            ));
        };
        Ok(self.lower(q, &BTreeMap::new(), true)?.columns)
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
        if let Some(l) = &q.limit_clause {
            return Err(SqlError::at(l.span(), "LIMIT is not supported"));
        }
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
                let k = scope.expr(cond)?;
                if !matches!(
                    k.ty(),
                    crate::types::Ty::Events {
                        layout: crate::types::Layout::Prim(crate::types::DType::Bool),
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
                SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.value.clone())),
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
            let name = match (alias, e) {
                (Some(a), _) => a,
                (None, ast::Expr::Identifier(id)) if !top => id.value.clone(),
                (None, ast::Expr::CompoundIdentifier(parts)) if !top => parts
                    .last()
                    .map_or_else(|| format!("col{}", i + 1), |p| p.value.clone()),
                _ => format!("col{}", i + 1),
            };
            let value = if top {
                scope.output(e)?
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
                columns,
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

    /// The frame a `FROM` names: a `WITH` query, a registered table, a table function or a
    /// subquery.
    fn from(&self, relation: &TableFactor, ctes: &BTreeMap<String, Frame>) -> R<Frame> {
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
                let events =
                    opener(&function, &strings).map_err(|e| SqlError::at(relation.span(), e))?;
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
fn table_name(name: &ast::ObjectName) -> String {
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

fn group_by_span(g: &ast::GroupByExpr) -> Option<sqlparser::tokenizer::Span> {
    match g {
        ast::GroupByExpr::All(_) => Some(sqlparser::tokenizer::Span::empty()),
        ast::GroupByExpr::Expressions(e, _) => e.first().map(|e| e.span()),
    }
}

/// What a `FROM` makes visible: the columns a `WITH` query or subquery selected, and the
/// source's fields (a registered table, or a subquery selecting `*`), with the `WHERE`
/// conditions met on the way applied to them in order.
#[derive(Clone)]
struct Frame {
    events: Expr,
    masks: Vec<Expr>,
    columns: Vec<(String, Expr)>,
    fields: bool,
    /// The name the frame was read by (`FROM t` or `FROM ... AS t`), for `t.x`.
    qualifier: Option<String>,
}

impl Frame {
    fn source(events: Expr) -> Frame {
        Frame {
            events,
            masks: Vec::new(),
            columns: Vec::new(),
            fields: true,
            qualifier: None,
        }
    }

    /// The source's field `name`, masked like the frame's events.
    fn field(&self, name: &str) -> Result<Expr, PlanError> {
        let mut e = self.events.field(name)?;
        for m in &self.masks {
            e = e.mask(m)?;
        }
        Ok(e)
    }
}

fn parse_error(e: sqlparser::parser::ParserError) -> SqlError {
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
    match pos {
        Some((i, line, column)) => SqlError {
            message: text[..i]
                .trim()
                .trim_start_matches("sql parser error: ")
                .to_string(),
            line,
            column,
        },
        None => SqlError {
            message: text,
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

    /// A select item: a histogram, `count(*)`, or a per-event value.
    fn output(&self, e: &ast::Expr) -> R<Expr> {
        if let ast::Expr::Function(f) = e {
            let name = f.name.to_string().to_lowercase();
            match name.as_str() {
                "hist" | "whist" | "hist_var" => return self.hist(&name, f, e.span()),
                "count" => {
                    if !matches!(args_of(f)?.as_slice(), [Arg::Star]) {
                        return Err(SqlError::at(
                            e.span(),
                            "count(*) counts events; list_count(x) counts a list's elements",
                        ));
                    }
                    return self.count(e.span());
                }
                _ => {}
            }
        }
        self.selected(self.expr(e)?, e.span())
    }

    /// `x` masked by the WHERE condition, if any.
    fn selected(&self, x: Expr, span: sqlparser::tokenizer::Span) -> R<Expr> {
        match &self.keep {
            Some((keep, at)) => x.mask(keep).map_err(|e| plan_error(*at, e)),
            None => {
                let _ = span;
                Ok(x)
            }
        }
    }

    fn count(&self, span: sqlparser::tokenizer::Span) -> R<Expr> {
        // The number of events: a count of the smallest per-event branch.
        let crate::types::Ty::Events {
            layout: crate::types::Layout::Record(fields),
            ..
        } = self.frame.events.ty()
        else {
            return Err(SqlError::at(span, "count(*) needs events"));
        };
        let flat = fields
            .iter()
            .find(|(_, l)| matches!(l, crate::types::Layout::Prim(_)))
            .ok_or_else(|| SqlError::at(span, "count(*) needs a per-event branch"))?;
        let x = self.frame.field(&flat.0).map_err(|e| plan_error(span, e))?;
        self.selected(x, span)?
            .count(None)
            .map_err(|e| plan_error(span, e))
    }

    fn hist(&self, name: &str, f: &ast::Function, span: sqlparser::tokenizer::Span) -> R<Expr> {
        let args = args_of(f)?;
        let pe = |e: PlanError| plan_error(span, e);
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
        match name {
            "hist" | "whist" => {
                let weighted = name == "whist";
                let base = if weighted { 2 } else { 1 };
                if args.len() < base + 3 {
                    return Err(SqlError::at(
                        span,
                        format!(
                            "{name}({}bins, lo, hi [, 'label'])",
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
                let bins = number(args[base].expr()?)?;
                let lo = number(args[base + 1].expr()?)?;
                let hi = number(args[base + 2].expr()?)?;
                if bins < 1.0 || bins.fract() != 0.0 || !(lo < hi) {
                    return Err(SqlError::at(
                        args[base].span(),
                        "bins is a positive integer and lo < hi",
                    ));
                }
                let axis = Axis::Regular {
                    bins: bins as u32,
                    lo,
                    hi,
                    label: label_at(base + 3)?,
                };
                let storage = if weighted {
                    Storage::Weight
                } else {
                    Storage::Int
                };
                self.ctx
                    .hist(vec![axis], storage, &[&x], w.as_ref())
                    .map_err(pe)
            }
            _ => {
                let (Some(x), Some(edges)) = (args.first(), args.get(1)) else {
                    return Err(SqlError::at(span, "hist_var(x, [edges...] [, 'label'])"));
                };
                let x = self.selected(self.expr(x.expr()?)?, span)?;
                let ast::Expr::Array(arr) = edges.expr()? else {
                    return Err(SqlError::at(
                        edges.span(),
                        "the edges are a list [e0, e1, ...]",
                    ));
                };
                let edges: Vec<f64> = arr.elem.iter().map(number).collect::<R<_>>()?;
                if edges.len() < 2 || edges.windows(2).any(|w| !(w[0] < w[1])) {
                    return Err(SqlError::at(span, "at least two increasing edges"));
                }
                let axis = Axis::Variable {
                    edges,
                    label: label_at(2)?,
                };
                self.ctx
                    .hist(vec![axis], Storage::Int, &[&x], None)
                    .map_err(pe)
            }
        }
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
            ast::Expr::BinaryOp { left, op, right } => {
                let (a, b) = (self.expr(left)?, self.expr(right)?);
                let op = match op {
                    BinaryOperator::Plus => BinaryOp::Add,
                    BinaryOperator::Minus => BinaryOp::Sub,
                    BinaryOperator::Multiply => BinaryOp::Mul,
                    BinaryOperator::Divide => BinaryOp::Div,
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
                binary(op, &a, &b).map_err(pe)?
            }
            ast::Expr::Function(f) => self.function(f, span)?,
            other => {
                return Err(SqlError::at(
                    span,
                    format!("expressions like `{other}` are not supported"),
                ));
            }
        })
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
            other => return Err(SqlError::at(v.span, format!("literal {other} here"))),
        };
        self.ctx.literal(s).map_err(|e| plan_error(v.span, e))
    }

    /// `name(l, x -> body)`: the body with `x` bound to the list `l` (element-wise operations
    /// on `x` then work on every element).
    fn lambda(&self, list: &Expr, arg: &Arg<'_>) -> R<Expr> {
        let Arg::Pos(ast::Expr::Lambda(l)) = arg else {
            return Err(SqlError::at(arg.span(), "a lambda `x -> ...`"));
        };
        let params: Vec<&ast::LambdaFunctionParameter> = match &l.params {
            ast::OneOrManyWithParens::One(p) => vec![p],
            ast::OneOrManyWithParens::Many(ps) => ps.iter().collect(),
        };
        let [p] = params.as_slice() else {
            return Err(SqlError::at(arg.span(), "a lambda of one parameter"));
        };
        self.with_var(&p.name.value, list.clone()).expr(&l.body)
    }

    fn function(&self, f: &ast::Function, span: sqlparser::tokenizer::Span) -> R<Expr> {
        let name = f.name.to_string().to_lowercase();
        let args = args_of(f)?;
        let pe = |err: PlanError| plan_error(span, err);
        let arity = |n: usize| -> R<()> {
            if args.len() == n {
                Ok(())
            } else {
                Err(SqlError::at(
                    span,
                    format!("{name} takes {n} argument{}", if n == 1 { "" } else { "s" }),
                ))
            }
        };
        let x = |i: usize| -> R<Expr> { self.expr(args[i].expr()?) };
        let unary = |op: UnaryOp| -> R<Expr> {
            arity(1)?;
            x(0)?.unary_op(op).map_err(pe)
        };
        // `name(a, b)` as the builder's `a.method(&b)`.
        let pair = |method: fn(&Expr, &Expr) -> Result<Expr, PlanError>| -> R<Expr> {
            arity(2)?;
            method(&x(0)?, &x(1)?).map_err(pe)
        };
        Ok(match name.as_str() {
            "infinity" | "pi" => {
                arity(0)?;
                let v = if name == "pi" {
                    std::f64::consts::PI
                } else {
                    f64::INFINITY
                };
                self.ctx.literal(Scalar::F64(v)).map_err(pe)?
            }
            "abs" => unary(UnaryOp::Abs)?,
            "sqrt" => unary(UnaryOp::Sqrt)?,
            "exp" => unary(UnaryOp::Exp)?,
            "log" | "ln" => unary(UnaryOp::Log)?,
            "sin" => unary(UnaryOp::Sin)?,
            "cos" => unary(UnaryOp::Cos)?,
            "tan" => unary(UnaryOp::Tan)?,
            "atan" => unary(UnaryOp::Arctan)?,
            "sinh" => unary(UnaryOp::Sinh)?,
            "cosh" => unary(UnaryOp::Cosh)?,
            "tanh" => unary(UnaryOp::Tanh)?,
            "atan2" | "hypot" | "least" | "greatest" => {
                arity(2)?;
                let op = match name.as_str() {
                    "atan2" => BinaryOp::Arctan2,
                    "hypot" => BinaryOp::Hypot,
                    "least" => BinaryOp::Minimum,
                    _ => BinaryOp::Maximum,
                };
                binary(op, &x(0)?, &x(1)?).map_err(pe)?
            }
            "if" => {
                arity(3)?;
                self.ctx.where_(&x(0)?, &x(1)?, &x(2)?).map_err(pe)?
            }
            "len" | "cardinality" | "num" => {
                arity(1)?;
                x(0)?.num().map_err(pe)?
            }
            "list_filter" => {
                arity(2)?;
                let l = x(0)?;
                let keep = self.lambda(&l, &args[1])?;
                l.mask(&keep).map_err(pe)?
            }
            "list_transform" => {
                arity(2)?;
                let l = x(0)?;
                self.lambda(&l, &args[1])?
            }
            "list_sum" | "list_min" | "list_max" | "list_mean" | "list_count" | "list_any"
            | "list_all" | "any" | "all" => {
                arity(1)?;
                let l = x(0)?;
                // The innermost lists: per event for a list, per element for lists of lists.
                let axis = match l.ty() {
                    crate::types::Ty::Events { layout, .. } if layout.depth() >= 2 => Some(2),
                    _ => Some(1),
                };
                match name.trim_start_matches("list_") {
                    "sum" => l.sum(axis),
                    "min" => l.min(axis),
                    "max" => l.max(axis),
                    "mean" => l.mean(axis),
                    "count" => l.count(axis),
                    "any" => l.any(axis),
                    _ => l.all(axis),
                }
                .map_err(pe)?
            }
            "combinations" | "argcombinations" => {
                arity(2)?;
                let n = number(args[1].expr()?)?;
                if n != 2.0 && n != 3.0 {
                    return Err(SqlError::at(args[1].span(), "n is 2 or 3"));
                }
                let l = x(0)?;
                if name == "combinations" {
                    l.combinations(n as u8)
                } else {
                    l.argcombinations(n as u8)
                }
                .map_err(pe)?
            }
            "cartesian" => pair(Expr::cartesian)?,
            "cartesian_nested" => pair(Expr::cartesian_nested)?,
            "concat" | "list_concat" => pair(Expr::concatenate)?,
            "argmin" | "argmax" => {
                arity(1)?;
                let l = x(0)?;
                if name == "argmin" {
                    l.argmin(true)
                } else {
                    l.argmax(true)
                }
                .map_err(pe)?
            }
            "take" => pair(Expr::take)?,
            "first" | "firsts" => {
                arity(1)?;
                x(0)?.firsts().map_err(pe)?
            }
            "fill_none" => {
                arity(2)?;
                let v = number(args[1].expr()?)?;
                let s = if v.fract() == 0.0 {
                    Scalar::I64(v as i64)
                } else {
                    Scalar::F64(v)
                };
                x(0)?.fill_none(s).map_err(pe)?
            }
            "local_index" => {
                arity(1)?;
                x(0)?.local_index().map_err(pe)?
            }
            "flatten" => {
                arity(1)?;
                x(0)?.flatten().map_err(pe)?
            }
            "zip" => {
                let mut fields = Vec::new();
                for a in &args {
                    let Arg::Named(n, e) = a else {
                        return Err(SqlError::at(a.span(), "zip(name => list, ...)"));
                    };
                    fields.push((n.clone(), self.expr(e)?));
                }
                let refs: Vec<(&str, &Expr)> =
                    fields.iter().map(|(n, e)| (n.as_str(), e)).collect();
                self.ctx.zip(&refs).map_err(pe)?
            }
            "get" => {
                arity(2)?;
                let field = string(args[1].expr()?)?;
                x(0)?.field(&field).map_err(pe)?
            }
            "with_field" => {
                arity(3)?;
                let name = string(args[1].expr()?)?;
                x(0)?.with_field(&name, &x(2)?).map_err(pe)?
            }
            "mass" | "pt4" => {
                if args.len() < 2 {
                    return Err(SqlError::at(span, format!("{name} of two or more vectors")));
                }
                let mut sum = x(0)?.p4_add(&x(1)?).map_err(pe)?;
                for i in 2..args.len() {
                    sum = sum.p4_add(&x(i)?).map_err(pe)?;
                }
                if name == "mass" {
                    sum.p4_mass()
                } else {
                    sum.p4_pt()
                }
                .map_err(pe)?
            }
            "delta_r" => pair(Expr::delta_r)?,
            "delta_phi" => pair(Expr::delta_phi)?,
            "mt" => pair(Expr::mt)?,
            "hist" | "whist" | "hist_var" | "count" => {
                return Err(SqlError::at(
                    span,
                    format!("{name}(...) is an output: use it as a select item"),
                ));
            }
            other => {
                let close = closest(FUNCTIONS.iter().copied(), other);
                let hint = if close.is_empty() {
                    String::new()
                } else {
                    format!(" (did you mean {}?)", close.join(", "))
                };
                return Err(SqlError::at(
                    span,
                    format!("unknown function '{other}'{hint}"),
                ));
            }
        })
    }
}

/// The function names of the language (for completion and suggestions).
pub const FUNCTIONS: &[&str] = &[
    "abs",
    "sqrt",
    "exp",
    "log",
    "sin",
    "cos",
    "tan",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "atan2",
    "hypot",
    "least",
    "greatest",
    "if",
    "infinity",
    "pi",
    "len",
    "cardinality",
    "num",
    "list_filter",
    "list_transform",
    "list_sum",
    "list_min",
    "list_max",
    "list_mean",
    "list_count",
    "list_any",
    "list_all",
    "any",
    "all",
    "combinations",
    "argcombinations",
    "cartesian",
    "cartesian_nested",
    "concat",
    "argmin",
    "argmax",
    "take",
    "first",
    "fill_none",
    "local_index",
    "flatten",
    "zip",
    "get",
    "with_field",
    "mass",
    "pt4",
    "delta_r",
    "delta_phi",
    "mt",
    "hist",
    "whist",
    "hist_var",
    "count",
];

/// Close in edit distance (≤ 2) or sharing a prefix of 3.
/// The names closest to `name` for a "did you mean" hint: those within an edit distance of 2,
/// nearest first; failing that, those sharing its first three letters (at most five).
fn closest<'k>(known: impl IntoIterator<Item = &'k str>, name: &str) -> Vec<&'k str> {
    let name = name.to_lowercase();
    let known: Vec<&str> = known.into_iter().collect();
    let mut near: Vec<(usize, &str)> = known
        .iter()
        .map(|k| (edit_distance(&k.to_lowercase(), &name), *k))
        .filter(|(d, _)| *d <= 2)
        .collect();
    near.sort_by_key(|(d, _)| *d);
    if !near.is_empty() {
        return near.into_iter().map(|(_, k)| k).collect();
    }
    known
        .into_iter()
        .filter(|k| {
            let k = k.to_lowercase();
            k.len() >= 3 && name.len() >= 3 && k.as_bytes()[..3] == name.as_bytes()[..3]
        })
        .take(5)
        .collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
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
            Arg::Named(_, e) => Err(SqlError::at(e.span(), "a positional argument")),
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
