//! `rask sql`: the interactive SQL prompt (rustyline: persisted history, multi-line statements
//! ended by `;` under a continuation prompt, tab completion of keywords, functions, tables,
//! collections and branches) and the same statements read from a pipe, one after another; an
//! error is reported with a caret and the session goes on.
//!
//! ```no_run
//! let mut repl = rask::repl::Repl::new(&[], "Events")?;
//! print!("{}", repl.execute(".open events data/nano-20k.root"));
//! print!("{}", repl.execute("SELECT hist(MET.pt, 10, 0, 200) AS met FROM events;"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod input;
mod open;
mod schema;
mod show;
mod terminal;

use std::time::Instant;

use rask_exec::{Cancel, Engine, ExecError, Scheduler};
use rask_sql::{FUNCTIONS, SqlSession};

pub use input::{is_quit, run_piped, statements};
pub use open::{OpenError, open_args};
pub use schema::SchemaError;
pub use show::number;
pub use terminal::{CONTINUATION, Helper, PROMPT, run_interactive};

const KEYWORDS: &[&str] = &[
    "SELECT", "FROM", "WHERE", "AS", "AND", "OR", "NOT", "EXPLAIN", "TRUE", "FALSE",
];

const HELP: &str = "\
Statements end with `;` (a statement may span lines). Examples:
  SELECT count(*) FROM events;
  SELECT hist(MET.pt, 50, 0, 200, 'MET [GeV]') AS met FROM events WHERE len(Muon) >= 2;
  SELECT list_max(Jet.pt) AS lead FROM events;
  EXPLAIN SELECT hist(list_filter(Jet.pt, pt -> Jet.pt > 30.0), 50, 0, 300) FROM events;
  SELECT count(*) FROM read_root('data/nano-20k.root', 'Events');   -- or read_parquet('f.parquet')
  WITH j AS (SELECT list_filter(Jet, x -> x.pt > 30) AS good, MET FROM events WHERE len(Jet) > 0)
    SELECT hist(len(good), 10, 0, 10) AS n FROM j;   -- named steps; see queries/adl/q8.sql
Commands:
  .schema [NAME]           collections and branches; NAME (Muon, events.Muon) lists all its fields
  .sources                 registered tables, their files and trees; the views created
  .open NAME FILE... [TREE]  open files as table NAME; the last word is a tree when it is not
                           a file on disk and does not end in .root or .parquet (default: the
                           --tree of `rask sql`, Events)
  .timer on|off            print the time of every statement
  .help                    this text
  .quit                    leave
Functions: ";

/// A registered table: its name, files and tree.
struct Table {
    name: String,
    files: Vec<String>,
    tree: String,
}

/// The state of one session.
pub struct Repl {
    ctx: rask_plan::Context,
    session: SqlSession,
    tables: Vec<Table>,
    tree: String,
    engine: Engine,
    /// Set by Ctrl-C while a statement runs (see [`Repl::cancel`]).
    cancel: Cancel,
    timer: bool,
}

impl Repl {
    /// The flag that stops the running statement: Ctrl-C's handler sets it
    /// ([`crate::interrupt::install_cancel`]); the statement prints `cancelled` and the prompt
    /// comes back.
    pub fn cancel(&self) -> Cancel {
        self.cancel.clone()
    }

    /// A session with `inputs` registered as `events` (when given); `tree` is also the default
    /// tree of `.open`.
    pub fn new(inputs: &[String], tree: &str) -> Result<Repl, Box<dyn std::error::Error>> {
        let ctx = rask_plan::Context::new();
        let session = SqlSession::new(&ctx).with_opener(crate::sources::table_opener(&ctx));
        let cancel = Cancel::default();
        let mut repl = Repl {
            ctx,
            session,
            tables: Vec::new(),
            tree: tree.to_string(),
            engine: Engine::new(Scheduler::threads()).with_cancel(cancel.clone()),
            cancel,
            timer: false,
        };
        if !inputs.is_empty() {
            repl.register("events", inputs.to_vec(), tree)?;
        }
        Ok(repl)
    }

    /// Opens `files` (tree `tree`) as the table `name`, replacing a table of that name.
    fn register(
        &mut self,
        name: &str,
        files: Vec<String>,
        tree: &str,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let paths: Vec<&str> = files.iter().map(String::as_str).collect();
        let events = crate::sources::open(&self.ctx, name, &paths, tree)?;
        self.session.register(name, events);
        self.tables.retain(|t| !t.name.eq_ignore_ascii_case(name));
        self.tables.push(Table {
            name: name.to_string(),
            files,
            tree: tree.to_string(),
        });
        Ok(())
    }

    /// What to say at the start: with no table open, how to open one.
    pub fn greeting(&self) -> String {
        if self.tables.is_empty() {
            "No table is open. `.open events FILE... [TREE]` opens files as the table\n\
             `events` (e.g. `.open events data/nano-20k.root`), or name files in a query:\n\
             SELECT count(*) FROM read_root('FILE');\n"
                .to_string()
        } else {
            String::new()
        }
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

    /// A query's error, with how to open a table when none is.
    fn error(&self, e: &rask_sql::SqlError, sql: &str) -> String {
        let mut s = format!("{}\n", e.render(sql));
        if self.tables.is_empty() && s.contains("no table '") {
            s.push_str(&self.greeting());
        }
        s
    }

    fn explain(&self, sql: &str) -> String {
        match self.session.query(sql) {
            Err(e) => self.error(&e, sql.trim()),
            Ok(outs) => {
                let mut s = String::new();
                for (name, e) in &outs {
                    s.push_str(&format!("-- {name}\n"));
                    match e.explain() {
                        Ok(text) => s.push_str(&text),
                        Err(err) => s.push_str(&format!("error: {err}\n")),
                    }
                }
                // What the engine would run for all outputs together (one pass).
                let exprs: Vec<&rask_plan::Expr> = outs.iter().map(|(_, e)| e).collect();
                match self.engine.physical_plan(&exprs) {
                    Ok(plan) => s.push_str(&format!("-- physical plan\n{plan}")),
                    Err(err) => s.push_str(&format!("-- physical plan: {err}\n")),
                }
                s
            }
        }
    }

    fn query(&mut self, sql: &str) -> String {
        let outs = match self.session.run(sql) {
            Ok(o) => o,
            Err(e) => return self.error(&e, sql),
        };
        if outs.is_empty() {
            // Only views were created: they are kept for the statements that follow.
            return format!("views: {}\n", self.session.views().join(", "));
        }
        let exprs: Vec<&rask_plan::Expr> = outs.iter().map(|(_, e)| e).collect();
        self.cancel.reset(); // a Ctrl-C before this statement does not stop it
        let results = match self.engine.compute_many(&exprs) {
            Ok(r) => r,
            Err(ExecError::Cancelled) => return "cancelled\n".to_string(),
            Err(e) => return format!("error: {e}\n"),
        };
        let mut s = String::new();
        for ((name, _), r) in outs.iter().zip(results) {
            s.push_str(&show::show(name, &r));
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
            "sources" if self.tables.is_empty() => self.greeting(),
            "sources" => {
                let mut s: String = self
                    .tables
                    .iter()
                    .map(|t| format!("{} (tree {}): {}\n", t.name, t.tree, t.files.join(", ")))
                    .collect();
                let views = self.session.views();
                if !views.is_empty() {
                    s.push_str(&format!("views: {}\n", views.join(", ")));
                }
                s
            }
            "schema" => match (words.next(), words.next()) {
                (name, None) => match schema::schema(&self.session, name) {
                    Ok(s) => s,
                    Err(e) => format!("error: {e}\n"),
                },
                _ => "usage: .schema [NAME]\n".to_string(),
            },
            "open" => self.open(&words.collect::<Vec<_>>()),
            other => format!("unknown command .{other} (try .help)\n"),
        }
    }

    /// `.open NAME FILE... [TREE]`.
    fn open(&mut self, words: &[&str]) -> String {
        let (name, files, tree) = match open_args(words, &self.tree) {
            Ok(a) => a,
            Err(e) => return format!("error: {e}\n"),
        };
        let (files, duplicates) = crate::sources::unique_inputs(&files);
        let mut s: String = duplicates
            .iter()
            .map(|d| format!("warning: {d}\n"))
            .collect();
        let files: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        let n = files.len();
        match self.register(&name, files, &tree) {
            Ok(()) => s.push_str(&format!(
                "registered {name}: {n} file{}, tree {tree}\n",
                if n == 1 { "" } else { "s" }
            )),
            Err(e) => s.push_str(&format!("error: {e}\n")),
        }
        s
    }

    /// Names for completion: keywords, functions, tables, collections and their fields.
    pub fn names(&self) -> Vec<String> {
        let mut out: Vec<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
        out.extend(FUNCTIONS.iter().map(|f| f.to_string()));
        for t in self.session.tables() {
            out.push(t.clone());
            if let Some(e) = self.session.table(&t)
                && let rask_plan::Ty::Events {
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
        out.sort();
        out.dedup();
        out
    }
}
