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
