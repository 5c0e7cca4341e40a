//! [`FileReader`]: the reference interpreter's way to read event sources, whole.

use arrow_array::RecordBatch;
use rask_io_root::{EventSource, Partition};
use rask_plan::SourceSpec;

use crate::error::ReadError;
use crate::interp::SourceReader;

/// Reads whole sources for the reference interpreter: every entry of every file, concatenated
/// in file order (the order the engine's partitions merge in).
///
/// ```no_run
/// # let ctx = rask_plan::Context::new();
/// # let events = ctx.source("events", &["data/nano-20k.root".into()], "Events",
/// #     std::sync::Arc::new(rask_adl::nano_schema()))?;
/// let met = events.field("MET")?.field("pt")?;
/// let values = rask_reference::Reference::compute(&met, &rask_reference::FileReader)?; // the slow, obvious oracle
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct FileReader;

impl SourceReader for FileReader {
    fn read(&self, spec: &SourceSpec, columns: &[String]) -> Result<RecordBatch, ReadError> {
        let mut src = EventSource::open(&spec.paths, &spec.tree)?;
        if let Some(fc) = &spec.file_columns {
            src = src.with_file_columns(fc.as_ref().clone())?;
        }
        let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
        let whole_files = src.split_evenly(1);
        let mut batches = Vec::with_capacity(src.num_files());
        for file in 0..src.num_files() {
            let entries = whole_files
                .iter()
                .find(|p| p.file == file)
                .map_or(0..0, |p| 0..p.entries.end);
            batches.push(src.read(&Partition { file, entries }, &cols)?);
        }
        let schema = batches
            .first()
            .map(|b| b.schema())
            .ok_or_else(|| ReadError::NoFiles {
                label: spec.label.clone(),
            })?;
        Ok(arrow_select::concat::concat_batches(&schema, &batches)?)
    }
}
