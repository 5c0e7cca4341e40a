//! `rask sql`: the interactive SQL prompt (rustyline: persisted history, multi-line statements
//! ended by `;`, tab completion of keywords, functions, tables, collections and branches) and the
//! same statements read from a pipe, one after another; an error is reported with a caret and
//! the session goes on.

use std::borrow::Cow;
use std::io::{BufRead, Write};
use std::time::Instant;

use rask_exec::{Engine, Output, Scheduler};
use rask_plan::sql::{FUNCTIONS, SqlSession};

const KEYWORDS: &[&str] = &[
    "SELECT", "FROM", "WHERE", "AS", "AND", "OR", "NOT", "EXPLAIN", "TRUE", "FALSE",
];

const HELP: &str = "\
Statements end with `;`. Examples:
  SELECT count(*) FROM events;
  SELECT hist(MET.pt, 50, 0, 200, 'MET [GeV]') AS met FROM events WHERE len(Muon) >= 2;
  SELECT list_max(Jet.pt) AS lead FROM events;
  EXPLAIN SELECT hist(list_filter(Jet.pt, pt -> Jet.pt > 30.0), 50, 0, 300) FROM events;
  SELECT count(*) FROM read_root('data/nano-20k.root', 'Events');   -- or read_parquet('f.parquet')
  WITH j AS (SELECT list_filter(Jet, x -> x.pt > 30) AS good, MET FROM events WHERE len(Jet) > 0)
    SELECT hist(len(good), 10, 0, 10) AS n FROM j;   -- named steps; see queries/adl/q8.sql
Commands:
  .schema [collection]   branches and collections of the events
  .sources               registered tables and their files
  .open NAME FILE...     register more files as table NAME (tree Events)
  .timer on|off          print the time of every statement
  .help                  this text
  .quit                  leave
Functions: ";

/// The state of one session.
pub struct Repl {
    session: SqlSession,
    files: Vec<(String, Vec<String>)>,
    engine: Engine,
    timer: bool,
}

impl Repl {
    /// A session with `inputs` registered as `events` (when given).
    pub fn new(inputs: &[String], tree: &str) -> Result<Repl, Box<dyn std::error::Error>> {
        let ctx = rask_plan::Context::new();
        let mut session = SqlSession::new(&ctx).with_opener(crate::sources::table_opener(&ctx));
        let mut files = Vec::new();
        if !inputs.is_empty() {
            let paths: Vec<&str> = inputs.iter().map(String::as_str).collect();
            let events = crate::sources::open(&ctx, "events", &paths, tree)?;
            session.register("events", events);
            files.push(("events".to_string(), inputs.to_vec()));
        }
        Ok(Repl {
            session,
            files,
            engine: Engine::new(Scheduler::threads()),
            timer: false,
        })
    }

    /// Runs one statement or dot-command; the text to print (errors included).
    pub fn execute(&mut self, input: &str) -> String {
        let text = input.trim().trim_end_matches(';').trim();
        if text.is_empty() {
            return String::new();
        }
        if let Some(cmd) = text.strip_prefix('.') {
            return self.command(cmd);
        }
        let t0 = Instant::now();
        let mut out = match text.get(..7).filter(|p| p.eq_ignore_ascii_case("explain")) {
            Some(_) => self.explain(&text[7..]),
            None => self.query(text),
        };
        if self.timer {
            out.push_str(&format!("Run Time: {:.3} s\n", t0.elapsed().as_secs_f64()));
        }
        out
    }

    fn explain(&self, sql: &str) -> String {
        match self.session.query(sql) {
            Err(e) => format!("{}\n", e.render(sql.trim())),
            Ok(outs) => {
                let mut s = String::new();
                for (name, e) in &outs {
                    s.push_str(&format!("-- {name}\n"));
                    match e.explain() {
                        Ok(text) => s.push_str(&text),
                        Err(err) => s.push_str(&format!("error: {err}\n")),
                    }
                }
                s
            }
        }
    }

    fn query(&self, sql: &str) -> String {
        let outs = match self.session.query(sql) {
            Ok(o) => o,
            Err(e) => return format!("{}\n", e.render(sql)),
        };
        let exprs: Vec<&rask_plan::Expr> = outs.iter().map(|(_, e)| e).collect();
        let results = match self.engine.compute_many(&exprs) {
            Ok(r) => r,
            Err(e) => return format!("error: {e}\n"),
        };
        let mut s = String::new();
        for ((name, _), r) in outs.iter().zip(results) {
            s.push_str(&show(name, &r));
        }
        s
    }

    fn command(&mut self, cmd: &str) -> String {
        let mut words = cmd.split_whitespace();
        match words.next().unwrap_or("") {
            "help" => format!("{HELP}{}\n", FUNCTIONS.join(", ")),
            "timer" => {
                match (words.next(), words.next()) {
                    (Some("on"), None) => self.timer = true,
                    (Some("off"), None) => self.timer = false,
                    _ => return "usage: .timer on|off\n".to_string(),
                }
                format!("timer {}\n", if self.timer { "on" } else { "off" })
            }
            "sources" => self
                .files
                .iter()
                .map(|(t, f)| format!("{t}: {}\n", f.join(", ")))
                .collect(),
            "schema" => self.schema(words.next()),
            "open" => {
                let (Some(name), files) =
                    (words.next(), words.map(String::from).collect::<Vec<_>>())
                else {
                    return "usage: .open NAME FILE...\n".to_string();
                };
                if files.is_empty() {
                    return "usage: .open NAME FILE...\n".to_string();
                }
                let ctx = self
                    .session
                    .tables()
                    .first()
                    .and_then(|t| self.session.table(t))
                    .map(|e| e.context().clone())
                    .unwrap_or_default();
                let paths: Vec<&str> = files.iter().map(String::as_str).collect();
                match crate::sources::open(&ctx, name, &paths, "Events") {
                    Ok(events) => {
                        if self.session.tables().is_empty() {
                            self.session = SqlSession::new(&ctx)
                                .with_opener(crate::sources::table_opener(&ctx));
                        }
                        self.session.register(name, events);
                        self.files.push((name.to_string(), files));
                        format!("registered {name}\n")
                    }
                    Err(e) => format!("error: {e}\n"),
                }
            }
            other => format!("unknown command .{other} (try .help)\n"),
        }
    }

    fn schema(&self, collection: Option<&str>) -> String {
        let mut s = String::new();
        for t in self.session.tables() {
            let Some(e) = self.session.table(&t) else {
                continue;
            };
            let rask_plan::Ty::Events {
                layout: rask_plan::Layout::Record(fields),
                ..
            } = e.ty()
            else {
                continue;
            };
            for (name, layout) in fields {
                if collection.is_none_or(|c| c.eq_ignore_ascii_case(&name)) {
                    s.push_str(&format!("{t}.{name}: {layout}\n"));
                }
            }
        }
        s
    }

    /// Names for completion: keywords, functions, tables, collections and their fields.
    pub fn names(&self) -> Vec<String> {
        let mut out: Vec<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
        out.extend(FUNCTIONS.iter().map(|f| f.to_string()));
        for t in self.session.tables() {
            out.push(t.clone());
            if let Some(e) = self.session.table(&t) {
                if let rask_plan::Ty::Events {
                    layout: rask_plan::Layout::Record(fields),
                    ..
                } = e.ty()
                {
                    for (name, layout) in fields {
                        for f in layout.field_names() {
                            out.push(format!("{name}.{f}"));
                        }
                        out.push(name);
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// One output as text: a number, the first rows of per-event values, or a histogram summary
/// with a bar chart.
fn show(name: &str, r: &Output) -> String {
    match r {
        Output::Int(i) => format!("{name} = {i}\n"),
        Output::Float(x) => format!("{name} = {x}\n"),
        Output::Bool(b) => format!("{name} = {b}\n"),
        Output::Events(a) | Output::Array { data: a, .. } => {
            let n = a.len();
            let shown = n.min(10);
            let mut s = format!("{name}: {n} rows\n");
            for i in 0..shown {
                let v = arrow_cast::display::array_value_to_string(a.as_ref(), i)
                    .unwrap_or_else(|_| "?".to_string());
                s.push_str(&format!("  {i:>6}  {v}\n"));
            }
            if n > shown {
                s.push_str(&format!("  … {} more\n", n - shown));
            }
            s
        }
        Output::Hist(h) => {
            let values = h.values();
            let total: f64 = values.iter().sum();
            let mut s = format!("{name}: histogram, {total} entries (flow bins included)\n");
            let [axis] = h.axes.as_slice() else {
                return s;
            };
            let (edges, start): (Vec<f64>, usize) = match axis {
                rask_core::hist::Axis::Regular {
                    bins,
                    lower,
                    upper,
                    underflow,
                    ..
                } => (
                    (0..=*bins)
                        .map(|i| lower + (upper - lower) * i as f64 / *bins as f64)
                        .collect(),
                    usize::from(*underflow),
                ),
                rask_core::hist::Axis::Variable {
                    edges, underflow, ..
                } => (edges.clone(), usize::from(*underflow)),
                _ => return s,
            };
            let inner = &values[start..start + edges.len() - 1];
            // At most 20 rows: neighbouring bins are merged.
            let group = inner.len().div_ceil(20).max(1);
            let rows: Vec<(f64, f64, f64)> = inner
                .chunks(group)
                .enumerate()
                .map(|(k, c)| {
                    let lo = edges[k * group];
                    let hi = edges[(k * group + c.len()).min(edges.len() - 1)];
                    (lo, hi, c.iter().sum())
                })
                .collect();
            let top = rows.iter().map(|r| r.2).fold(0.0, f64::max).max(1.0);
            for (lo, hi, v) in rows {
                let bar = "█".repeat(((v / top) * 40.0).round() as usize);
                s.push_str(&format!("  [{lo:>9.3}, {hi:>9.3})  {v:>9}  {bar}\n"));
            }
            s
        }
    }
}

/// Whether a line is `.quit` or `.exit`, which end the session (on a terminal and from a pipe).
pub fn is_quit(line: &str) -> bool {
    matches!(line.trim().trim_end_matches(';').trim(), ".quit" | ".exit")
}

/// Cuts text arriving line by line into statements at `;` outside quotes; a dot-command is one
/// whole line.
#[derive(Debug, Default)]
struct Splitter {
    cur: String,
    quote: bool,
}

impl Splitter {
    /// Adds one line (without its end); returns the statements it completes.
    fn push(&mut self, line: &str) -> Vec<String> {
        if !self.quote && self.cur.trim().is_empty() && line.trim_start().starts_with('.') {
            self.cur.clear();
            return vec![line.trim().to_string()];
        }
        let mut out = Vec::new();
        for ch in line.chars() {
            if ch == '\'' {
                self.quote = !self.quote;
            }
            if ch == ';' && !self.quote {
                out.push(std::mem::take(&mut self.cur));
            } else {
                self.cur.push(ch);
            }
        }
        self.cur.push('\n');
        out.retain(|st| !st.trim().is_empty());
        out
    }

    /// Whether no statement text is pending.
    fn is_empty(&self) -> bool {
        self.cur.trim().is_empty()
    }

    /// The statement left at the end of the input (without a `;`).
    fn finish(self) -> Option<String> {
        Some(self.cur).filter(|st| !st.trim().is_empty())
    }
}

/// Splits piped text into statements at `;` outside quotes; dot-commands end at the line end.
pub fn statements(text: &str) -> Vec<String> {
    let mut splitter = Splitter::default();
    let mut out: Vec<String> = text.lines().flat_map(|l| splitter.push(l)).collect();
    out.extend(splitter.finish());
    out
}

/// Runs statements read from a pipe as they arrive, printing each result, until the end of the
/// input or `.quit`. A line that is not valid UTF-8 is reported with its number and the
/// statement it belongs to is skipped; the session goes on.
pub fn run_piped(
    repl: &mut Repl,
    mut input: impl BufRead,
    mut out: impl Write,
) -> std::io::Result<()> {
    let mut splitter = Splitter::default();
    // The first line not in UTF-8 of the statement being read.
    let mut bad: Option<usize> = None;
    let mut bytes = Vec::new();
    let mut number = 0;
    loop {
        bytes.clear();
        if input.read_until(b'\n', &mut bytes)? == 0 {
            break;
        }
        number += 1;
        let raw = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let (line, valid) = match std::str::from_utf8(raw) {
            Ok(l) => (Cow::Borrowed(l), true),
            Err(_) => (String::from_utf8_lossy(raw), false),
        };
        if !valid {
            bad.get_or_insert(number);
        }
        for st in splitter.push(&line) {
            match bad {
                Some(n) => writeln!(
                    out,
                    "error: line {n} is not valid UTF-8; the statement is skipped"
                )?,
                None if is_quit(&st) => return Ok(()),
                None => write!(out, "{}", repl.execute(&st))?,
            }
            // Later statements on this line hold only its text.
            bad = if valid { None } else { Some(number) };
        }
        if splitter.is_empty() {
            bad = None;
        }
    }
    match (splitter.finish(), bad) {
        (Some(_), Some(n)) => writeln!(
            out,
            "error: line {n} is not valid UTF-8; the statement is skipped"
        )?,
        (Some(st), None) if !is_quit(&st) => write!(out, "{}", repl.execute(&st))?,
        _ => {}
    }
    Ok(())
}

/// The rustyline helper: completion of the session's names.
pub struct Helper {
    pub names: Vec<String>,
}

impl rustyline::completion::Completer for Helper {
    type Candidate = String;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let start = line[..pos]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .map_or(0, |i| i + 1);
        let word = &line[start..pos];
        if word.is_empty() {
            return Ok((start, Vec::new()));
        }
        let lower = word.to_lowercase();
        let found = self
            .names
            .iter()
            .filter(|n| n.to_lowercase().starts_with(&lower))
            .cloned()
            .collect();
        Ok((start, found))
    }
}

impl rustyline::hint::Hinter for Helper {
    type Hint = String;
}
impl rustyline::highlight::Highlighter for Helper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        Cow::Borrowed(prompt)
    }
}
impl rustyline::validate::Validator for Helper {
    fn validate(
        &self,
        ctx: &mut rustyline::validate::ValidationContext<'_>,
    ) -> rustyline::Result<rustyline::validate::ValidationResult> {
        let input = ctx.input().trim();
        // Dot-commands are one line; statements end with `;`.
        if input.is_empty() || input.starts_with('.') || input.ends_with(';') {
            Ok(rustyline::validate::ValidationResult::Valid(None))
        } else {
            Ok(rustyline::validate::ValidationResult::Incomplete)
        }
    }
}
impl rustyline::Helper for Helper {}

/// The interactive loop on a terminal.
pub fn run_interactive(repl: &mut Repl) -> Result<(), Box<dyn std::error::Error>> {
    // Tab as in bash: complete the common prefix, list the candidates on a second Tab.
    let config = rustyline::Config::builder()
        .completion_type(rustyline::CompletionType::List)
        .auto_add_history(false)
        .build();
    let mut rl: rustyline::Editor<Helper, rustyline::history::DefaultHistory> =
        rustyline::Editor::with_config(config)?;
    rl.set_helper(Some(Helper {
        names: repl.names(),
    }));
    let history =
        std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".rask_history"));
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    println!("rask sql — statements end with ';', .help for help, .quit to leave");
    loop {
        match rl.readline("rask> ") {
            Ok(line) => {
                let _ = rl.add_history_entry(line.as_str());
                if is_quit(&line) {
                    break;
                }
                print!("{}", repl.execute(&line));
                if let Some(h) = rl.helper_mut() {
                    h.names = repl.names();
                }
            }
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(rustyline::error::ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    Ok(())
}
