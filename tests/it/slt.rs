//! sqllogictest files (`tests/slt/*.slt`) run against the SQL front end: functions, lambdas,
//! histograms, named intermediate results and error messages, on the hand-made events of
//! `tests/slt/tiny.parquet` (registered as `events`; see `tests/data-gen/make_tiny_parquet.py`,
//! whose comments list them) and the shipped sample. Expected values were worked out by hand
//! (and the floats with Python's `math`), not copied from rask's output.
//!
//! Results become rows: per-event values one row per event (several outputs side by side),
//! a histogram one row per bin (`lower upper content`, flow bins as `-inf`/`inf`), a number one
//! row. Floats print with at most six decimal places.

use std::path::Path;

use arrow_array::{Array, ArrayRef, cast::AsArray, types};
use arrow_schema::DataType;
use rask::exec::Output;
use rask::{Context, Engine, Scheduler, SqlSession};
use sqllogictest::{DBOutput, DefaultColumnType};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct SltError(String);

struct Rask {
    session: SqlSession,
    engine: Engine,
}

impl Rask {
    fn new() -> Rask {
        let ctx = Context::new();
        let mut session = SqlSession::new(&ctx).with_opener(rask::sources::table_opener(&ctx));
        // Paths inside the .slt files are relative to the repository root, where cargo runs
        // the tests.
        let tiny = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/slt/tiny.parquet");
        let tiny = rask::sources::open(&ctx, "events", &[tiny], "Events")
            .expect("tests/slt/tiny.parquet opens");
        session.register("events", tiny);
        Rask {
            session,
            engine: Engine::new(Scheduler::Threads(2)).with_partition_entries(3),
        }
    }
}

impl sqllogictest::DB for Rask {
    type Error = SltError;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SltError> {
        // Statements run one at a time, as at the prompt: views live on (`SqlSession::run`).
        let outs = self.session.run(sql).map_err(|e| SltError(e.to_string()))?;
        if outs.is_empty() {
            return Ok(DBOutput::StatementComplete(0));
        }
        let exprs: Vec<&rask::Expr> = outs.iter().map(|(_, e)| e).collect();
        let results = self
            .engine
            .compute_many(&exprs)
            .map_err(|e| SltError(e.to_string()))?;
        let rows = if results.iter().all(|r| matches!(r, Output::Events(_))) {
            // Per-event values side by side.
            let arrays: Vec<&ArrayRef> = results
                .iter()
                .filter_map(|r| match r {
                    Output::Events(a) => Some(a),
                    _ => None,
                })
                .collect();
            let n = arrays.first().map_or(0, |a| a.len());
            if arrays.iter().any(|a| a.len() != n) {
                return Err(SltError(
                    "per-event outputs of different lengths cannot share rows".to_string(),
                ));
            }
            (0..n)
                .map(|i| arrays.iter().map(|a| value(a.as_ref(), i)).collect())
                .collect()
        } else {
            results
                .iter()
                .flat_map(rows_of)
                .collect::<Vec<Vec<String>>>()
        };
        let width = rows.first().map_or(1, Vec::len);
        Ok(DBOutput::Rows {
            types: vec![DefaultColumnType::Any; width],
            rows,
        })
    }
}

fn rows_of(r: &Output) -> Vec<Vec<String>> {
    match r {
        Output::Int(i) => vec![vec![i.to_string()]],
        Output::Float(x) => vec![vec![float(*x)]],
        Output::Bool(b) => vec![vec![b.to_string()]],
        Output::Events(a) | Output::Array { data: a, .. } => {
            (0..a.len()).map(|i| vec![value(a.as_ref(), i)]).collect()
        }
        Output::Hist(h) => {
            let values = h.values();
            let edges: Vec<f64> = match h.axes.as_slice() {
                [
                    rask::core::hist::Axis::Regular {
                        bins, lower, upper, ..
                    },
                ] => (0..=*bins)
                    .map(|i| lower + (upper - lower) * i as f64 / *bins as f64)
                    .collect(),
                [rask::core::hist::Axis::Variable { edges, .. }] => edges.clone(),
                _ => return vec![vec![format!("{values:?}")]],
            };
            // Underflow, the bins, overflow (both flows are on by default).
            let mut bounds = vec![f64::NEG_INFINITY];
            bounds.extend(&edges);
            bounds.push(f64::INFINITY);
            values
                .iter()
                .enumerate()
                .map(|(i, v)| vec![float(bounds[i]), float(bounds[i + 1]), float(*v)])
                .collect()
        }
    }
}

fn float(x: f64) -> String {
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if x.is_nan() {
        return "NaN".to_string();
    }
    let s = format!("{:.6}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

fn value(a: &dyn Array, i: usize) -> String {
    if a.is_null(i) {
        return "NULL".to_string();
    }
    match a.data_type() {
        DataType::Float64 => float(a.as_primitive::<types::Float64Type>().value(i)),
        DataType::Float32 => float(a.as_primitive::<types::Float32Type>().value(i) as f64),
        DataType::Int64 => a.as_primitive::<types::Int64Type>().value(i).to_string(),
        DataType::Int32 => a.as_primitive::<types::Int32Type>().value(i).to_string(),
        DataType::UInt32 => a.as_primitive::<types::UInt32Type>().value(i).to_string(),
        DataType::Boolean => a.as_boolean().value(i).to_string(),
        DataType::List(_) => {
            let inner = a.as_list::<i32>().value(i);
            let items: Vec<String> = (0..inner.len()).map(|j| value(inner.as_ref(), j)).collect();
            format!("[{}]", items.join(", "))
        }
        DataType::Struct(fields) => {
            let s = a.as_struct();
            let items: Vec<String> = fields
                .iter()
                .zip(s.columns())
                .map(|(f, c)| format!("{}: {}", f.name(), value(c.as_ref(), i)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        other => format!("<{other}>"),
    }
}

#[test]
fn slt_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "slt"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "slt files in {}", dir.display());
    let mut failures = Vec::new();
    for file in &files {
        let mut runner = sqllogictest::Runner::new(|| async { Ok(Rask::new()) });
        if let Err(e) = runner.run_file(file) {
            failures.push(format!("{}:\n{}", file.display(), e.display(true)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
