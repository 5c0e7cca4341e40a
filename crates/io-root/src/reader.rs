//! Reading a tree's branches for an entry range into an Arrow `RecordBatch`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, ListArray, RecordBatch, RecordBatchOptions};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use rask_core::{COUNTER_METADATA_KEY, ROOT_TYPE_METADATA_KEY};

use crate::basket::BasketBuffers;
use crate::decode::{ColumnBuilder, Widths};
use crate::error::{Result, RootError, close_matches};
use crate::file::RootFile;
use crate::source::Lease;
use crate::tree::{BranchError, BranchMeta, TreeMeta};

/// Field metadata key marking a branch rask cannot read, with the reason.
pub const UNREADABLE_METADATA_KEY: &str = "rask.unreadable";

/// One tree of one ROOT file, ready to read.
///
/// ```no_run
/// let t = rask_io_root::RootTree::open("data/HZZ.root", "events")?;
/// let batch = t.read(0..t.entries(), &["NJet", "Jet_Px"])?;
/// assert_eq!(batch.num_rows() as u64, t.entries());
/// # Ok::<(), rask_io_root::RootError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RootTree {
    file: RootFile,
    meta: Arc<TreeMeta>,
    schema: SchemaRef,
    /// Each branch's place in `meta.branches` and in `schema`, by name (every partition looks
    /// its branches up: a linear search compared hundreds of names per column).
    by_name: Arc<HashMap<String, (usize, usize)>>,
}

impl RootTree {
    /// Opens tree `tree` of the local file `path`.
    pub fn open(path: impl AsRef<Path>, tree: &str) -> Result<Self> {
        Self::new(RootFile::open(path)?, tree)
    }

    /// The tree `tree` of an open file.
    pub fn new(file: RootFile, tree: &str) -> Result<Self> {
        let meta = file.tree(tree)?;
        let schema = Arc::new(tree_schema(&meta));
        let mut by_name = HashMap::with_capacity(meta.branches.len());
        for (b, branch) in meta.branches.iter().enumerate() {
            if let Ok(f) = schema.index_of(&branch.name) {
                // The first of equal names, as a search in file order finds.
                by_name.entry(branch.name.clone()).or_insert((b, f));
            }
        }
        Ok(RootTree {
            file,
            meta: Arc::new(meta),
            schema,
            by_name: Arc::new(by_name),
        })
    }

    /// The file.
    pub fn file(&self) -> &RootFile {
        &self.file
    }

    /// Branches, baskets and types.
    pub fn meta(&self) -> &TreeMeta {
        &self.meta
    }

    /// Number of entries (events).
    pub fn entries(&self) -> u64 {
        self.meta.entries
    }

    /// The Arrow schema of all branches; unreadable ones have type `Null` and the reason in
    /// their metadata ([`UNREADABLE_METADATA_KEY`]).
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The branch `name`, or an error listing close names.
    pub fn branch(&self, name: &str) -> Result<&BranchMeta> {
        let found = match self.by_name.get(name) {
            Some(&(b, _)) => self.meta.branches.get(b),
            None => self.meta.branch(name),
        };
        found.ok_or_else(|| RootError::NoSuchBranch {
            path: self.file.path().to_path_buf(),
            tree: self.meta.name.clone(),
            name: name.to_string(),
            suggestions: close_matches(name, self.meta.branches.iter().map(|b| b.name.as_str())),
        })
    }

    /// Names of the branches that can be read.
    pub fn readable_branches(&self) -> Vec<&str> {
        self.meta
            .branches
            .iter()
            .filter(|b| b.layout.is_ok())
            .map(|b| b.name.as_str())
            .collect()
    }

    /// Reads `columns` for entries `range` into one batch (columns in the order asked).
    ///
    /// Jagged columns that share a counter share one offsets buffer.
    pub fn read(&self, range: std::ops::Range<u64>, columns: &[&str]) -> Result<RecordBatch> {
        let mut buffers = BasketBuffers::default();
        self.read_with(range, columns, &mut buffers)
    }

    /// As [`RootTree::read`], reusing `buffers` between calls.
    pub fn read_with(
        &self,
        range: std::ops::Range<u64>,
        columns: &[&str],
        buffers: &mut BasketBuffers,
    ) -> Result<RecordBatch> {
        self.read_with_widths(range, columns, buffers, Widths::Stored)
    }

    /// As [`RootTree::read_with`], with numbers decoded as `widths` says (the batch's schema
    /// says the types read: [`crate::decode::widened_type`] of the stored ones when widened).
    pub fn read_with_widths(
        &self,
        range: std::ops::Range<u64>,
        columns: &[&str],
        buffers: &mut BasketBuffers,
        widths: Widths,
    ) -> Result<RecordBatch> {
        if range.start > range.end || range.end > self.entries() {
            return Err(RootError::EntryRange {
                path: self.file.path().to_path_buf(),
                tree: self.meta.name.clone(),
                start: range.start,
                stop: range.end,
                entries: self.entries(),
            });
        }
        let mut fields = Vec::with_capacity(columns.len());
        let mut arrays = Vec::with_capacity(columns.len());
        let mut shared: HashMap<String, ArrayRef> = HashMap::new();
        // The file is open (and mapped) while this partition is read, and only then.
        let lease = self.file.lease()?;
        for &name in columns {
            let branch = self.branch(name)?;
            // A jagged branch of a counter read before expects that branch's offsets.
            let expected = branch
                .counter
                .as_ref()
                .and_then(|c| shared.get(c))
                .and_then(|a| a.as_list_opt::<i32>())
                .map(|l| l.offsets().clone());
            let read = (range.clone(), widths, expected);
            let mut array = self.read_branch_in(&lease, branch, read, buffers)?;
            if let Some(counter) = &branch.counter {
                array = share_offsets(&mut shared, counter, array);
            }
            let index = match self.by_name.get(name) {
                Some(&(_, f)) => f,
                None => self
                    .schema
                    .index_of(name)
                    .map_err(|source| self.arrow_error(name, source))?,
            };
            let field = self.schema.field(index);
            fields.push(match widths {
                Widths::Stored => field.clone(),
                Widths::Widened => field
                    .clone()
                    .with_data_type(crate::decode::widened_type(field.data_type())),
            });
            arrays.push(array);
        }
        let schema = Arc::new(Schema::new(fields));
        let options =
            RecordBatchOptions::new().with_row_count(Some((range.end - range.start) as usize));
        RecordBatch::try_new_with_options(schema, arrays, &options)
            .map_err(|source| self.arrow_error("batch", source))
    }

    fn arrow_error(&self, what: &str, source: arrow_schema::ArrowError) -> RootError {
        RootError::Arrow {
            path: self.file.path().to_path_buf(),
            location: format!("tree '{}', {what}", self.meta.name),
            source,
        }
    }

    fn location(&self, branch: &BranchMeta, basket: usize) -> String {
        format!(
            "tree '{}', branch '{}', basket {basket}",
            self.meta.name, branch.name
        )
    }

    /// Reads one branch for `range`.
    pub fn read_branch(
        &self,
        branch: &BranchMeta,
        range: std::ops::Range<u64>,
        buffers: &mut BasketBuffers,
    ) -> Result<ArrayRef> {
        let read = (range, Widths::Stored, None);
        self.read_branch_in(&self.file.lease()?, branch, read, buffers)
    }

    /// Reads one branch for `range` while `lease` holds the file.
    /// Entries `range` of `branch` decoded as `widths` says, its offsets expected to be
    /// `expected` when given ([`ColumnBuilder::expecting`]).
    fn read_branch_in(
        &self,
        lease: &Lease,
        branch: &BranchMeta,
        (range, widths, expected): (std::ops::Range<u64>, Widths, Option<OffsetBuffer<i32>>),
        buffers: &mut BasketBuffers,
    ) -> Result<ArrayRef> {
        let layout = branch
            .layout
            .as_ref()
            .map_err(|reason| RootError::UnreadableBranch {
                path: self.file.path().to_path_buf(),
                tree: self.meta.name.clone(),
                branch: branch.name.clone(),
                root_type: branch.root_type.clone(),
                reason: Box::new(reason.clone()),
            })?;
        if range.end > branch.entries {
            return Err(self.file.corrupt(
                format!("tree '{}', branch '{}'", self.meta.name, branch.name),
                BranchError::Entries {
                    branch: branch.entries as i64,
                    tree: self.entries(),
                },
            ));
        }
        let entries = (range.end - range.start) as usize;
        let value_bytes_hint = (branch.uncompressed_bytes as u128 * entries as u128
            / branch.entries.max(1) as u128)
            .min(crate::compression::MAX_RECORD as u128) as usize;
        let mut builder = ColumnBuilder::with_widths(layout, entries, value_bytes_hint, widths);
        if let Some(offsets) = expected {
            builder = builder.expecting(offsets);
        }
        let first = branch
            .baskets
            .partition_point(|b| b.first_entry + b.entries <= range.start);
        for (i, loc) in branch.baskets.iter().enumerate().skip(first) {
            if loc.first_entry >= range.end {
                break;
            }
            let location = self.location(branch, i);
            let basket = buffers.read(&self.file, lease, loc, &location)?;
            let lo = range.start.saturating_sub(loc.first_entry) as usize;
            let hi = (range.end.min(loc.first_entry + loc.entries) - loc.first_entry) as usize;
            builder.append(basket, lo, hi).map_err(|e| {
                RootError::column(
                    self.file.path(),
                    format!("{location} (byte {})", loc.seek),
                    e,
                )
            })?;
            // A basket read from a mapping that lost pages meanwhile is not data.
            lease.check_read()?;
        }
        builder.finish().map_err(|e| {
            RootError::column(
                self.file.path(),
                format!("tree '{}', branch '{}'", self.meta.name, branch.name),
                e,
            )
        })
    }

    /// Entry numbers at which every branch in `columns` starts a basket (0 and the end included):
    /// the cheapest places to cut partitions.
    pub fn aligned_boundaries(&self, columns: &[&str]) -> Result<Vec<u64>> {
        let mut common: Option<Vec<u64>> = None;
        for &name in columns {
            let branch = self.branch(name)?;
            let starts: Vec<u64> = branch.baskets.iter().map(|b| b.first_entry).collect();
            common = Some(match common {
                None => starts,
                Some(c) => c
                    .into_iter()
                    .filter(|s| starts.binary_search(s).is_ok())
                    .collect(),
            });
        }
        let mut out = common.unwrap_or_default();
        if out.first() != Some(&0) {
            out.insert(0, 0);
        }
        if out.last() != Some(&self.entries()) {
            out.push(self.entries());
        }
        out.dedup();
        Ok(out)
    }
}

/// The Arrow schema of a tree: one field per branch, with the ROOT type and counter as metadata.
pub fn tree_schema(meta: &TreeMeta) -> Schema {
    let fields: Vec<Field> = meta
        .branches
        .iter()
        .map(|b| {
            let mut md = HashMap::from([(ROOT_TYPE_METADATA_KEY.to_string(), b.root_type.clone())]);
            if let Some(c) = &b.counter {
                md.insert(COUNTER_METADATA_KEY.to_string(), c.clone());
            }
            let data_type = match &b.layout {
                Ok(layout) => layout.arrow_type(),
                Err(reason) => {
                    md.insert(UNREADABLE_METADATA_KEY.to_string(), reason.to_string());
                    DataType::Null
                }
            };
            Field::new(&b.name, data_type, b.layout.is_err()).with_metadata(md)
        })
        .collect();
    Schema::new(fields)
}

/// Makes jagged columns of one counter share one offsets buffer when their offsets are equal.
fn share_offsets(
    shared: &mut HashMap<String, ArrayRef>,
    counter: &str,
    array: ArrayRef,
) -> ArrayRef {
    let Some(list) = array.as_list_opt::<i32>() else {
        return array;
    };
    match shared.get(counter).and_then(|a| a.as_list_opt::<i32>()) {
        // Already shared: the builder verified them against the first ([`ColumnBuilder::expecting`]).
        Some(first) if offsets_shared(first, list) && first.len() == list.len() => array,
        Some(first) if first.offsets() == list.offsets() && !std::ptr::eq(first, list) => {
            let (field, _, values, nulls) = list.clone().into_parts();
            Arc::new(ListArray::new(
                field,
                first.offsets().clone(),
                values,
                nulls,
            ))
        }
        Some(_) => array,
        None => {
            shared.insert(counter.to_string(), array.clone());
            array
        }
    }
}

/// Whether two list arrays use the very same offsets buffer.
pub fn offsets_shared(a: &dyn Array, b: &dyn Array) -> bool {
    match (a.as_list_opt::<i32>(), b.as_list_opt::<i32>()) {
        (Some(a), Some(b)) => {
            a.offsets().inner().inner().as_ptr() == b.offsets().inner().inner().as_ptr()
        }
        _ => false,
    }
}
