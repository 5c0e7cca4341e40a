//! The pages of the column chunks a read takes, checked on their way into the `parquet` crate's
//! Arrow reader. Each column chunk is read with one positional read; its page headers are walked
//! strictly ([`super::thrift`]) and must tile the chunk; every data page's levels are
//! range-checked ([`super::levels`]). The first damaged page (or page that does not read or
//! decompress) is recorded with its column and row group, so the error can name them.

use std::fs::File;
use std::sync::{Arc, Mutex, PoisonError};

use parquet::arrow::arrow_reader::RowGroups;
use parquet::basic::Encoding;
use parquet::column::page::{Page, PageIterator, PageMetadata, PageReader};
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{ParquetMetaData, RowGroupMetaData};
use parquet::file::reader::{ChunkReader, Length};
use parquet::file::serialized_reader::SerializedPageReader;

use super::levels::{LeafInfo, check_page};
use super::thrift::{self, ThriftError};

/// Column-chunk page headers that do not walk or do not tile the chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum PageError {
    #[error("the page at byte {pos} of the chunk: {source}")]
    Header { pos: usize, source: ThriftError },
    #[error(
        "the page at byte {pos} of the chunk claims {compressed} compressed and {uncompressed} uncompressed bytes"
    )]
    Sizes {
        pos: usize,
        compressed: i64,
        uncompressed: i64,
    },
    #[error("the data page at byte {0} of the chunk has no (or a negative) number of values")]
    Values(usize),
    #[error("the data page at byte {pos} of the chunk has {rows} rows")]
    Rows { pos: usize, rows: i64 },
    #[error("a page runs past the end of its column chunk ({0} bytes)")]
    PastChunk(usize),
    #[error("its pages hold {pages} values, its metadata says {metadata}")]
    ValueCount { pages: i64, metadata: i64 },
    #[error("its pages hold {pages} rows, the row group has {row_group}")]
    RowCount { pages: i64, row_group: i64 },
}

/// Where the data of a read is damaged, as far as known.
#[derive(Debug, Clone, Default)]
pub(crate) struct Damage {
    /// The top-level column.
    pub column: Option<String>,
    pub row_group: Option<usize>,
    pub detail: String,
}

/// The first damage a read's pages showed.
pub(super) type DamageSlot = Arc<Mutex<Option<Damage>>>;

/// Some row groups of one open file, whose pages are checked as they are read.
pub(super) struct CheckedRowGroups {
    file: Arc<File>,
    metadata: Arc<ParquetMetaData>,
    row_groups: Vec<usize>,
    damage: DamageSlot,
}

impl CheckedRowGroups {
    pub fn new(
        file: File,
        metadata: Arc<ParquetMetaData>,
        row_groups: Vec<usize>,
        damage: DamageSlot,
    ) -> Self {
        CheckedRowGroups {
            file: Arc::new(file),
            metadata,
            row_groups,
            damage,
        }
    }
}

impl RowGroups for CheckedRowGroups {
    fn num_rows(&self) -> usize {
        self.row_groups()
            .map(|rg| rg.num_rows().max(0) as usize)
            .sum()
    }

    fn column_chunks(&self, i: usize) -> Result<Box<dyn PageIterator>> {
        let descr = self.metadata.file_metadata().schema_descr();
        if i >= descr.num_columns() {
            return Err(ParquetError::General(format!("no leaf column {i}")));
        }
        let leaf = descr.column(i);
        Ok(Box::new(CheckedPageIterator {
            file: self.file.clone(),
            metadata: self.metadata.clone(),
            leaf: i,
            column: descr.get_column_root(i).name().to_string(),
            info: LeafInfo {
                rep: leaf.max_rep_level(),
                def: leaf.max_def_level(),
                boolean: leaf.physical_type() == parquet::basic::Type::BOOLEAN,
            },
            row_groups: self.row_groups.clone().into_iter(),
            damage: self.damage.clone(),
        }))
    }

    fn row_groups(&self) -> Box<dyn Iterator<Item = &RowGroupMetaData> + '_> {
        Box::new(
            self.row_groups
                .iter()
                .filter_map(|&i| self.metadata.row_groups().get(i)),
        )
    }

    fn metadata(&self) -> &ParquetMetaData {
        &self.metadata
    }
}

/// The checked page readers of one leaf column, one per row group.
struct CheckedPageIterator {
    file: Arc<File>,
    metadata: Arc<ParquetMetaData>,
    leaf: usize,
    column: String,
    info: LeafInfo,
    row_groups: std::vec::IntoIter<usize>,
    damage: DamageSlot,
}

impl Iterator for CheckedPageIterator {
    type Item = Result<Box<dyn PageReader>>;

    fn next(&mut self) -> Option<Self::Item> {
        let rg = self.row_groups.next()?;
        let where_ = Where {
            column: self.column.clone(),
            row_group: rg,
            damage: self.damage.clone(),
        };
        let Some(meta) = self.metadata.row_groups().get(rg) else {
            return Some(Err(where_.record(format!("no row group {rg}"))));
        };
        let Some(chunk) = meta.columns().get(self.leaf) else {
            return Some(Err(
                where_.record(format!("row group {rg} has no column {}", self.leaf))
            ));
        };
        let total_rows = meta.num_rows().max(0) as usize;
        // The footer's chunk ranges were checked to lie within the file when it was opened.
        let (start, len) = chunk.byte_range();
        let mut data = vec![0u8; len as usize];
        if let Err(e) = crate::source::read_exact_at(&self.file, &mut data, start) {
            return Some(Err(where_.record(format!(
                "cannot read its bytes {start}..{}: {e}",
                start + len
            ))));
        }
        let flat = self.info.rep == 0;
        if let Err(e) = check_page_headers(&data, chunk.num_values(), meta.num_rows(), flat) {
            return Some(Err(where_.record(e)));
        }
        let bytes = ChunkBytes {
            start,
            data: bytes::Bytes::from(data),
        };
        Some(
            match SerializedPageReader::new(Arc::new(bytes), chunk, total_rows, None) {
                Ok(inner) => Ok(Box::new(CheckedPages {
                    inner,
                    leaf: self.info,
                    dictionary: None,
                    where_,
                }) as Box<dyn PageReader>),
                Err(e) => Err(where_.record(e)),
            },
        )
    }
}

/// Walks the page headers of a column chunk: each must be well formed, the pages must tile the
/// chunk exactly, their values add up to the `num_values` of the chunk's metadata (pyarrow stops
/// reading pages there), and their rows to the row group's `num_rows` (where pages say: v2 pages,
/// and every page of a `flat` column, one value a row).
fn check_page_headers(
    chunk: &[u8],
    num_values: i64,
    num_rows: i64,
    flat: bool,
) -> Result<(), PageError> {
    /// Page types (`PageType`).
    const DATA_PAGE: i64 = 0;
    const DATA_PAGE_V2: i64 = 3;
    let mut pos = 0usize;
    let mut values = 0i64;
    let mut rows = 0i64;
    let mut rows_known = flat;
    while pos < chunk.len() {
        let (header_len, top) = thrift::page_header(&chunk[pos..])
            .map_err(|source| PageError::Header { pos, source })?;
        let (uncompressed, compressed) = (top.int(2).unwrap_or(-1), top.int(3).unwrap_or(-1));
        if uncompressed < 0 || compressed < 0 {
            return Err(PageError::Sizes {
                pos,
                compressed,
                uncompressed,
            });
        }
        let (page_values, page_rows) = match top.int(1) {
            Some(DATA_PAGE) => (top.nested(5, 1), None),
            Some(DATA_PAGE_V2) => (top.nested(8, 1), top.nested(8, 3)),
            _ => (Some(0), None),
        };
        let Some(page_values) = page_values.filter(|&v| v >= 0) else {
            return Err(PageError::Values(pos));
        };
        values = values.saturating_add(page_values);
        match page_rows {
            _ if flat => rows = rows.saturating_add(page_values),
            Some(r) if r < 0 => {
                return Err(PageError::Rows { pos, rows: r });
            }
            Some(r) => {
                rows = rows.saturating_add(r);
                rows_known = true;
            }
            None => {}
        }
        pos = pos
            .saturating_add(header_len)
            .saturating_add(compressed as usize);
        if pos > chunk.len() {
            return Err(PageError::PastChunk(chunk.len()));
        }
    }
    if values != num_values {
        return Err(PageError::ValueCount {
            pages: values,
            metadata: num_values,
        });
    }
    if rows_known && rows != num_rows {
        return Err(PageError::RowCount {
            pages: rows,
            row_group: num_rows,
        });
    }
    Ok(())
}

/// One column chunk in memory, addressed by file offsets (as the page reader asks for them).
struct ChunkBytes {
    start: u64,
    data: bytes::Bytes,
}

impl ChunkBytes {
    fn range(&self, start: u64, len: usize) -> Result<std::ops::Range<usize>> {
        let from = start
            .checked_sub(self.start)
            .and_then(|o| usize::try_from(o).ok());
        match from.and_then(|f| Some(f..f.checked_add(len)?)) {
            Some(r) if r.end <= self.data.len() => Ok(r),
            _ => Err(ParquetError::EOF(format!(
                "bytes {start}..+{len} are outside the column chunk at {}..+{}",
                self.start,
                self.data.len()
            ))),
        }
    }
}

impl Length for ChunkBytes {
    fn len(&self) -> u64 {
        self.start + self.data.len() as u64
    }
}

impl ChunkReader for ChunkBytes {
    type T = bytes::buf::Reader<bytes::Bytes>;

    fn get_read(&self, start: u64) -> Result<Self::T> {
        let r = self.range(start, 0)?;
        Ok(bytes::Buf::reader(self.data.slice(r.start..)))
    }

    fn get_bytes(&self, start: u64, length: usize) -> Result<bytes::Bytes> {
        Ok(self.data.slice(self.range(start, length)?))
    }
}

impl PageIterator for CheckedPageIterator {}

/// Which column chunk a page reader reads, and where its damage goes.
struct Where {
    column: String,
    row_group: usize,
    damage: DamageSlot,
}

impl Where {
    /// Records `detail` as this chunk's damage (unless some damage came first) and returns it
    /// as the reader's error.
    fn record(&self, detail: impl std::fmt::Display) -> ParquetError {
        let detail = detail.to_string();
        let mut slot = self.damage.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(Damage {
                column: Some(self.column.clone()),
                row_group: Some(self.row_group),
                detail: detail.clone(),
            });
        }
        ParquetError::General(detail)
    }
}

/// One column chunk's pages, checked.
struct CheckedPages {
    inner: SerializedPageReader<ChunkBytes>,
    leaf: LeafInfo,
    /// The dictionary's length, once its page came (dictionary-encoded data pages need one).
    dictionary: Option<usize>,
    where_: Where,
}

impl PageReader for CheckedPages {
    fn get_next_page(&mut self) -> Result<Option<Page>> {
        let page = self
            .inner
            .get_next_page()
            .map_err(|e| self.where_.record(e))?;
        if let Some(p) = &page {
            if p.is_dictionary_page() {
                self.dictionary = Some(p.num_values() as usize);
            }
            let dictionary_encoded = matches!(
                p.encoding(),
                Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY
            );
            if p.is_data_page() && dictionary_encoded && self.dictionary.is_none() {
                return Err(self
                    .where_
                    .record("a dictionary-encoded data page without a dictionary page before it"));
            }
            check_page(p, self.leaf, self.dictionary).map_err(|e| self.where_.record(e))?;
        }
        Ok(page)
    }

    fn peek_next_page(&mut self) -> Result<Option<PageMetadata>> {
        self.inner
            .peek_next_page()
            .map_err(|e| self.where_.record(e))
    }

    fn skip_next_page(&mut self) -> Result<()> {
        self.inner
            .skip_next_page()
            .map_err(|e| self.where_.record(e))
    }

    fn at_record_boundary(&mut self) -> Result<bool> {
        self.inner
            .at_record_boundary()
            .map_err(|e| self.where_.record(e))
    }
}

impl Iterator for CheckedPages {
    type Item = Result<Page>;

    fn next(&mut self) -> Option<Self::Item> {
        self.get_next_page().transpose()
    }
}
