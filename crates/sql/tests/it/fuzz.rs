//! A long-running SQL fuzz target: random statements from a grammar of rask's dialect (NanoAOD
//! names, the functions of `sql::FUNCTIONS`, literals huge, tiny, infinite and negative,
//! lambdas, nested calls, long chains, deep parentheses, `WITH`, hostile aliases, stray tokens)
//! are lowered, optimised, explained and evaluated by the reference interpreter on three
//! in-memory events. Any of them may be an error; none may panic or overflow the stack.
//!
//! Few cases by default, so `cargo test` stays quick. For a long run (the seed of a failing case
//! is printed and saved by proptest under `proptest-regressions/`):
//!
//! ```text
//! RASK_FUZZ_SECONDS=3600 PROPTEST_CASES=100000000 \
//!     cargo test --release -p rask-sql --test it fuzz -- --nocapture
//! ```

use rask_reference::{MemoryReader, Reference};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::builder::{Float32Builder, Int32Builder, ListBuilder};
use arrow_array::{ArrayRef, BooleanArray, Float32Array, Int32Array, RecordBatch, UInt64Array};
use arrow_schema::{DataType, Field};
use proptest::prelude::*;
use rask_plan::Context;
use rask_sql::{FUNCTIONS, SqlSession};

/// A small deterministic generator (xorshift64*), seeded by proptest.
struct Gen {
    state: u64,
    names: Vec<String>,
    /// Nesting left before only leaves are made.
    budget: u32,
    /// Whether this statement is mostly well typed (then it reaches the rules and the
    /// interpreter) rather than mostly random.
    typed: bool,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        let schema = rask_adl::nano_schema();
        let mut names: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| match f.name().split_once('_') {
                Some((coll, field)) => format!("{coll}.{field}"),
                None => f.name().clone(),
            })
            .collect();
        names.extend(
            [
                "Muon",
                "Jet",
                "Electron",
                "MET",
                "events.MET.pt",
                "nope",
                "Muon.ptt",
            ]
            .map(String::from),
        );
        Gen {
            state: seed | 1,
            names,
            budget: 0,
            typed: false,
        }
    }

    fn next(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }

    fn literal(&mut self) -> String {
        const LITERALS: &[&str] = &[
            "0",
            "1",
            "2",
            "3",
            "-1",
            "0.5",
            "1.0",
            "-0.0",
            "1e400",
            "-1e400",
            "1e-320",
            "9223372036854775807",
            "-9223372036854775808",
            "99999999999999999999999",
            "2000000000",
            "4294967296",
            "true",
            "false",
            "'x'",
            "''",
            "infinity()",
            "pi()",
            "NULL",
            "0x10",
        ];
        self.pick(LITERALS).to_string()
    }

    fn name(&mut self) -> String {
        let i = self.below(self.names.len());
        self.names[i].clone()
    }

    fn expr(&mut self, vars: &[&str]) -> String {
        if self.budget == 0 || self.chance(25) {
            return match self.below(3) {
                0 => self.literal(),
                1 if !vars.is_empty() => vars[self.below(vars.len())].to_string(),
                _ => self.name(),
            };
        }
        self.budget -= 1;
        let e = match self.below(9) {
            0..=2 => {
                const OPS: &[&str] = &[
                    "+", "-", "*", "/", "%", ">", ">=", "<", "<=", "=", "!=", "AND", "OR", "||",
                ];
                let op = self.pick(OPS);
                format!("{} {op} {}", self.expr(vars), self.expr(vars))
            }
            3 => format!("({})", self.expr(vars)),
            4 => format!("{}{}", self.pick(&["-", "NOT ", "+"]), self.expr(vars)),
            5 => {
                // A lambda over a list.
                let v = self.pick(&["x", "y", "m"]);
                let mut inner = vars.to_vec();
                inner.push(v);
                let f = self.pick(&["list_filter", "list_transform", "list_sum", "any"]);
                format!("{f}({}, {v} -> {})", self.expr(vars), self.expr(&inner))
            }
            6 => format!("zip(a => {}, b => {})", self.expr(vars), self.expr(vars)),
            7 => self.chain(vars),
            _ => {
                let f = self.pick(FUNCTIONS);
                let n = self.below(4);
                let args: Vec<String> = (0..n).map(|_| self.expr(vars)).collect();
                format!("{f}({})", args.join(", "))
            }
        };
        self.budget += 1;
        e
    }

    /// A chain of one operator, sometimes near or past the nesting limit.
    fn chain(&mut self, vars: &[&str]) -> String {
        let n = match self.below(10) {
            0 => 900 + self.below(300),
            1 => 50 + self.below(200),
            _ => 2 + self.below(10),
        };
        if self.typed {
            let op = self.pick(&[" + 1.0", " * 1", " - nMuon", " % 7"]);
            return format!("{}{}", self.num(), op.repeat(n));
        }
        let op = self.pick(&[" + 1.0", " * 1", " AND MET.pt > 1", " - nMuon", " OR true"]);
        format!("{}{}", self.expr(vars), op.repeat(n))
    }

    /// One number per event, mostly well typed.
    fn num(&mut self) -> String {
        const LEAVES: &[&str] = &[
            "MET.pt",
            "MET.phi",
            "nMuon",
            "nJet",
            "run",
            "event",
            "1",
            "2.5",
            "0",
            "-1",
            "100",
            "9223372036854775807",
            "1e308",
            "infinity()",
            "list_sum(Muon.pt)",
            "len(Jet)",
            "list_count(Electron.pt > 5)",
            "list_sum(Muon.charge)",
            "MET.pt",
            "nMuon",
            "MET.pt",
        ];
        if self.budget == 0 || self.chance(30) {
            return self.pick(LEAVES).to_string();
        }
        self.budget -= 1;
        let e = match self.below(8) {
            0..=2 => {
                let op = self.pick(&["+", "-", "*", "/", "%"]);
                format!("{} {op} {}", self.num(), self.num())
            }
            3 => format!("({})", self.num()),
            4 => {
                let f = self.pick(&[
                    "abs", "sqrt", "exp", "log", "sin", "cos", "atan", "tanh", "-",
                ]);
                format!("{f}({})", self.num())
            }
            5 => format!("if({}, {}, {})", self.cond(), self.num(), self.num()),
            6 => {
                let f = self.pick(&["list_sum", "list_max", "list_min", "list_mean", "len"]);
                format!("fill_none({f}({}), 0)", self.list())
            }
            _ => self.chain(&[]),
        };
        self.budget += 1;
        e
    }

    /// One condition per event.
    fn cond(&mut self) -> String {
        if self.budget == 0 || self.chance(30) {
            return format!("{} > {}", self.num(), self.num());
        }
        self.budget -= 1;
        let e = match self.below(5) {
            0 => format!("{} AND {}", self.cond(), self.cond()),
            1 => format!("{} OR {}", self.cond(), self.cond()),
            2 => format!("NOT {}", self.cond()),
            3 => format!("list_any({} > {})", self.list(), self.num_literal()),
            _ => format!(
                "{} {} {}",
                self.num(),
                self.pick(&["<", "<=", "=", "!=", ">="]),
                self.num()
            ),
        };
        self.budget += 1;
        e
    }

    fn num_literal(&mut self) -> String {
        self.pick(&["0", "10", "25.5", "-3", "1e400", "9223372036854775807"])
            .to_string()
    }

    /// One list of numbers per event.
    fn list(&mut self) -> String {
        const LISTS: &[&str] = &[
            "Muon.pt",
            "Jet.pt",
            "Electron.eta",
            "Muon.charge",
            "Jet.btag",
        ];
        if self.budget == 0 || self.chance(40) {
            return self.pick(LISTS).to_string();
        }
        self.budget -= 1;
        let e = match self.below(5) {
            0 => format!(
                "list_filter({}, x -> x > {})",
                self.list(),
                self.num_literal()
            ),
            1 => format!(
                "list_transform({}, x -> x * {} + 1)",
                self.list(),
                self.num_literal()
            ),
            2 => format!("{} * {}", self.list(), self.num_literal()),
            3 => "list_transform(combinations(Muon, 2), p -> mass(p.\"0\", p.\"1\"))".to_string(),
            _ => {
                let l = self.list();
                format!("{l} + {l}")
            }
        };
        self.budget += 1;
        e
    }

    fn alias(&mut self) -> String {
        const ALIASES: &[&str] = &[
            "h",
            "q1",
            "a.b-c",
            "\"/abs/path\"",
            "\"../up\"",
            "\"\"",
            "\"a\nb\"",
            "\".hidden\"",
            "\"é\"",
            "h2",
            "select",
        ];
        self.pick(ALIASES).to_string()
    }

    fn item(&mut self, vars: &[&str]) -> String {
        let alias = if self.typed && self.chance(90) {
            format!(" AS h{}", self.below(1000))
        } else if self.chance(80) {
            format!(" AS {}", self.alias())
        } else {
            String::new()
        };
        if self.typed {
            let bins = if self.chance(90) {
                self.pick(&["10", "1", "100"])
            } else {
                self.pick(&["0", "2.5", "20000000", "-1"])
            };
            let (lo, hi) = if self.chance(90) {
                [("0", "100"), ("-5", "5"), ("-1e300", "1e300")][self.below(3)]
            } else {
                [("0", "1e400"), ("1", "1"), ("2", "1")][self.below(3)]
            };
            let body = match self.below(4) {
                0 | 1 => format!("hist({}, {bins}, {lo}, {hi})", self.num()),
                2 => format!("hist({}, {bins}, {lo}, {hi})", self.list()),
                _ => "count(*)".to_string(),
            };
            return format!("{body}{alias}");
        }
        let body = match self.below(5) {
            0 | 1 => format!(
                "hist({}, {}, {}, {}{})",
                self.expr(vars),
                self.literal(),
                self.literal(),
                self.literal(),
                if self.chance(30) { ", 'label'" } else { "" }
            ),
            2 => format!(
                "hist_var({}, [{}, {}, {}])",
                self.expr(vars),
                self.literal(),
                self.literal(),
                self.literal()
            ),
            3 => "count(*)".to_string(),
            _ => self.expr(vars),
        };
        format!("{body}{alias}")
    }

    fn select(&mut self, from: &str) -> String {
        let n = 1 + self.below(3);
        let items: Vec<String> = (0..n).map(|_| self.item(&[])).collect();
        let mut s = format!("SELECT {} FROM {from}", items.join(", "));
        if self.chance(50) {
            let cond = if self.typed {
                self.cond()
            } else {
                self.expr(&[])
            };
            s.push_str(&format!(" WHERE {cond}"));
        }
        s
    }

    fn statement(&mut self) -> String {
        self.budget = 1 + self.below(8) as u32;
        self.typed = self.chance(70);
        let mut s = if self.chance(30) {
            let (value, cond) = if self.typed {
                (self.num(), self.cond())
            } else {
                (self.expr(&[]), self.expr(&[]))
            };
            let star = self.typed || self.chance(50);
            let inner_items = format!("{}{value} AS a", if star { "*, " } else { "" });
            let cte = format!("SELECT {inner_items} FROM events WHERE {cond}");
            format!("WITH t AS ({cte}) {}", self.select("t"))
        } else if self.chance(10) {
            format!(
                "{}(SELECT * FROM events){}",
                "(".repeat(self.below(70)),
                ")".repeat(self.below(70))
            )
        } else {
            let from = if self.typed {
                self.pick(&["events", "events", "(SELECT * FROM events)"])
            } else {
                self.pick(&["events", "(SELECT * FROM events)", "nope", "read_root('x')"])
            };
            self.select(from)
        };
        if !self.typed && self.chance(30) {
            // Stray tokens somewhere.
            const JUNK: &[&str] = &[
                "(", ")", ",", "[", "]", "'", "\"", "->", "=>", ";", "::", "SELECT", "\u{0}", "é",
                "--",
            ];
            let at = self.below(s.len() + 1);
            let at = (0..=at).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
            s.insert_str(at, self.pick(JUNK));
        }
        if self.chance(10) {
            s = format!("{s}; {}", self.select("events"));
        }
        s
    }
}

/// Three events with the NanoAOD schema: two muons, jets and electrons in the first, none in
/// the second, one in the third.
fn events() -> RecordBatch {
    let schema = Arc::new(rask_adl::nano_schema());
    let counts = [2usize, 0, 1];
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .map(|f| -> ArrayRef {
            match f.data_type() {
                DataType::Int32 => Arc::new(Int32Array::from(
                    counts.iter().map(|&c| c as i32).collect::<Vec<_>>(),
                )),
                DataType::UInt64 => Arc::new(UInt64Array::from(vec![1, 2, 3])),
                DataType::Boolean => Arc::new(BooleanArray::from(vec![true, false, true])),
                DataType::Float32 => Arc::new(Float32Array::from(vec![25.0, f32::NAN, -3.5])),
                DataType::List(item) => {
                    let field = Arc::new(Field::new("item", item.data_type().clone(), false));
                    let mut k = 0;
                    if item.data_type() == &DataType::Int32 {
                        let mut b = ListBuilder::new(Int32Builder::new()).with_field(field);
                        for c in counts {
                            for _ in 0..c {
                                b.values().append_value(if k % 2 == 0 { 1 } else { -1 });
                                k += 1;
                            }
                            b.append(true);
                        }
                        Arc::new(b.finish())
                    } else {
                        let mut b = ListBuilder::new(Float32Builder::new()).with_field(field);
                        for c in counts {
                            for _ in 0..c {
                                b.values().append_value([40.5, -1.25, f32::INFINITY][k % 3]);
                                k += 1;
                            }
                            b.append(true);
                        }
                        Arc::new(b.finish())
                    }
                }
                other => panic!("no fixture values for {other}"),
            }
        })
        .collect();
    RecordBatch::try_new(schema, columns).expect("the fixture fits the NanoAOD schema")
}

/// Lowers, optimises, explains and evaluates `sql`; errors are fine, panics are not.
fn exercise(sql: &str, batch: &RecordBatch) {
    let ctx = Context::new();
    let events = ctx
        .source(
            "events",
            &["nano.root".to_string()],
            "Events",
            batch.schema(),
        )
        .expect("the source builds");
    let mut session = SqlSession::new(&ctx);
    session.register("events", events);
    let Ok(outputs) = session.query(sql) else {
        return;
    };
    let reader = MemoryReader(batch.clone());
    for (_, e) in &outputs {
        if e.optimize().is_ok() {
            let _ = e.explain();
            let _ = e.compute(&reader);
        }
    }
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48);
    ProptestConfig {
        cases,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    }
}

/// When `RASK_FUZZ_SECONDS` is set, the cases after that many seconds pass at once, so a long
/// run ends cleanly on time.
fn out_of_time() -> bool {
    static START: std::sync::OnceLock<(Instant, Option<Duration>)> = std::sync::OnceLock::new();
    let (start, limit) = START.get_or_init(|| {
        let limit = std::env::var("RASK_FUZZ_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs);
        (Instant::now(), limit)
    });
    let over = limit.is_some_and(|l| start.elapsed() > l);
    if over && !REPORTED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        eprintln!(
            "sql_fuzz: {} statements in {:?} without a panic",
            RUN.load(std::sync::atomic::Ordering::Relaxed),
            start.elapsed()
        );
    }
    over
}

/// Statements exercised so far, and whether the count was printed (a long run prints it once).
static RUN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static REPORTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sql_fuzz(seed in any::<u64>()) {
        if !out_of_time() {
            RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let sql = Gen::new(seed).statement();
            // A long run can name a file to hold the statement being tried: a crash that no
            // panic handler sees (a stack overflow aborts) leaves its culprit there.
            if let Some(path) = std::env::var_os("RASK_FUZZ_LAST") {
                let _ = std::fs::write(path, &sql);
            }
            let batch = events();
            // Printed only when this case fails (proptest reruns the failing seed).
            let shown: String = sql.chars().take(2000).collect();
            let result =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| exercise(&sql, &batch)));
            prop_assert!(result.is_ok(), "panicked on:\n{}", shown);
        }
    }
}

#[test]
fn the_generator_makes_statements_that_lower() {
    // The grammar must also reach the lowering, not only parse errors.
    let batch = events();
    let ctx = Context::new();
    let events = ctx
        .source(
            "events",
            &["nano.root".to_string()],
            "Events",
            batch.schema(),
        )
        .unwrap();
    let mut session = SqlSession::new(&ctx);
    session.register("events", events);
    let ok = (0..400u64)
        .filter(|s| session.query(&Gen::new(*s).statement()).is_ok())
        .count();
    eprintln!("{ok} of 400 generated statements lowered");
    assert!(ok >= 60, "only {ok} of 400 generated statements lowered");
}
