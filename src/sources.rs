//! Event sources of a plan, backed by the ROOT and Parquet readers.

use arrow_array::RecordBatch;
use rask_io_root::{EventSource, Partition};
use rask_plan::{Context, Expr, SourceReader, SourceSpec};

/// Opens `paths` (ROOT tree `tree`, or Parquet) and returns the plan's source node, labelled
/// `label`, with the files' schema (NanoAOD collections grouped: `events.field("Muon")`).
///
/// ```no_run
/// let ctx = rask::Context::new();
/// let events = rask::sources::open(&ctx, "events", &["data/nano-20k.root"], "Events")?;
/// let met = events.field("MET")?.field("pt")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open(
    ctx: &Context,
    label: &str,
    paths: &[&str],
    tree: &str,
) -> Result<Expr, Box<dyn std::error::Error>> {
    let src = EventSource::open(paths, tree)?;
    let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    Ok(ctx.source(label, &paths, tree, src.schema().clone())?)
}

/// The table functions of SQL's `FROM` for a session in `ctx`: `read_root('f.root' [, 'f2.root',
/// ...] [, tree])` (tree `Events` unless a last argument without `.root` names it) and
/// `read_parquet('f.parquet', ...)`.
///
/// ```no_run
/// let ctx = rask::Context::new();
/// let session = rask::SqlSession::new(&ctx).with_opener(rask::sources::table_opener(&ctx));
/// let outs = session.query("SELECT count(*) FROM read_root('data/nano-20k.root', 'Events')")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn table_opener(ctx: &Context) -> rask_plan::sql::TableOpener {
    let ctx = ctx.clone();
    std::sync::Arc::new(move |function: &str, args: &[String]| {
        let (paths, tree): (Vec<&str>, &str) = match function {
            "read_root" => match args.split_last() {
                Some((last, rest))
                    if !rest.is_empty() && !last.to_ascii_lowercase().ends_with(".root") =>
                {
                    (rest.iter().map(String::as_str).collect(), last.as_str())
                }
                _ => (args.iter().map(String::as_str).collect(), "Events"),
            },
            "read_parquet" => (args.iter().map(String::as_str).collect(), "Events"),
            other => {
                return Err(format!(
                    "unknown table function '{other}' (read_root, read_parquet)"
                ));
            }
        };
        if paths.is_empty() {
            return Err(format!("{function}('file', ...) needs at least one file"));
        }
        open(&ctx, function, &paths, tree).map_err(|e| e.to_string())
    })
}

/// Reads whole sources for the reference interpreter (every partition, concatenated).
pub struct FileReader;

impl SourceReader for FileReader {
    fn read(&self, spec: &SourceSpec, columns: &[String]) -> Result<RecordBatch, String> {
        let src = EventSource::open(&spec.paths, &spec.tree).map_err(|e| e.to_string())?;
        let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
        let mut batches = Vec::new();
        for file in 0..src.num_files() {
            let n = src
                .split_evenly(1)
                .into_iter()
                .find(|p| p.file == file)
                .map_or(0, |p| p.entries.end);
            batches.push(
                src.read(
                    &Partition {
                        file,
                        entries: 0..n,
                    },
                    &cols,
                )
                .map_err(|e| e.to_string())?,
            );
        }
        let schema = batches
            .first()
            .map(|b| b.schema())
            .ok_or("a source without files")?;
        arrow_select::concat::concat_batches(&schema, &batches).map_err(|e| e.to_string())
    }
}
