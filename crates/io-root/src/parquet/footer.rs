//! Checks of a Parquet footer before the `parquet` crate relies on it, where it would panic on a
//! damaged value instead of failing:
//!
//! - every column chunk's offsets and sizes are not negative and lie within the file
//!   (`ColumnChunkMetaData::byte_range` asserts it), row counts are not negative;
//! - the Arrow schema pyarrow and arrow-rs embed (`ARROW:schema`: base64 of an Arrow IPC message)
//!   uses only values arrow-ipc's conversion knows: it panics on an unknown float precision,
//!   integer width or time unit, or a list without its child. The checks are those of
//!   `arrow_ipc::convert::get_data_type`, made to return an error instead.

use arrow_ipc::{DateUnit, IntervalUnit, Precision, TimeUnit, Type};
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use parquet::arrow::ARROW_SCHEMA_META_KEY;
use parquet::file::metadata::{KeyValue, ParquetMetaData};

/// A Parquet footer that is damaged, inconsistent, or would make the `parquet` crate panic.
///
/// ```
/// use rask_io_root::parquet::FooterError;
/// assert_eq!(FooterError::TooShort.to_string(), "too short to be a Parquet file");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum FooterError {
    #[error("too short to be a Parquet file")]
    TooShort,
    #[error("it does not end with PAR1 (truncated?)")]
    NoMagic,
    #[error("its length {0} runs past the start of the file")]
    Length(u64),
    #[error(transparent)]
    Thrift(#[from] super::thrift::ThriftError),
    #[error("its row groups hold {groups} rows, the file says {file}")]
    Rows { groups: i64, file: i64 },
    #[error("{orders} column orders for {leaves} columns")]
    ColumnOrders { orders: usize, leaves: usize },
    #[error("column '{column}': its chunk says physical type {stated}, the schema {schema}")]
    PhysicalType {
        column: String,
        stated: i64,
        schema: i64,
    },
    #[error("row group {group} has {rows} rows")]
    NegativeRows { group: usize, rows: i64 },
    #[error("row group {group} has {chunks} column chunks for {leaves} columns")]
    Chunks {
        group: usize,
        chunks: usize,
        leaves: usize,
    },
    #[error(
        "row group {group}, column '{column}': a {what} level histogram of {bins} bins for levels 0..={max}"
    )]
    Histogram {
        group: usize,
        column: String,
        what: &'static str,
        bins: usize,
        max: i16,
    },
    #[error("row group {group}, column '{column}': its data is in another file ({file})")]
    OtherFile {
        group: usize,
        column: String,
        file: String,
    },
    #[error(
        "row group {group}, column '{column}': its chunk (bytes {start}.., length {len}, data pages at {data_at}, {values} values) is inconsistent or not within the file ({file_len} bytes)"
    )]
    Chunk {
        group: usize,
        column: String,
        start: i64,
        len: i64,
        data_at: i64,
        values: i64,
        file_len: u64,
    },
    #[error("the embedded Arrow schema is not base64")]
    SchemaNotBase64,
    #[error("the embedded Arrow schema is truncated")]
    SchemaTruncated,
    #[error("the embedded Arrow schema claims {claimed} bytes of metadata, {have} are there")]
    SchemaLength { claimed: i32, have: usize },
    /// The flatbuffer or IPC decoder's own message.
    #[error("the embedded Arrow schema does not decode: {0}")]
    SchemaUndecodable(String),
    #[error("the embedded Arrow schema has metadata version {0:?} (V4 and V5 are read)")]
    SchemaVersion(arrow_ipc::MetadataVersion),
    #[error("the embedded Arrow schema is not a schema")]
    NotASchema,
    #[error("the embedded Arrow schema has no fields")]
    NoFields,
    #[error("a big-endian decimal in the embedded Arrow schema")]
    BigEndianDecimal,
    #[error("the embedded Arrow schema names other columns ({embedded}) than the file's ({file})")]
    Names { embedded: String, file: String },
    #[error("field '{name}' of the embedded Arrow schema: {fault}")]
    Field { name: String, fault: FieldFault },
    #[error(
        "column '{column}': the embedded Arrow schema says {embedded}, the Parquet schema gives {read}"
    )]
    TypesDisagree {
        column: String,
        embedded: arrow_schema::DataType,
        read: arrow_schema::DataType,
    },
}

/// What is wrong with one field of the embedded Arrow schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldFault {
    #[error("a dictionary without its index type")]
    NoIndexType,
    #[error("a dictionary index of an unknown width")]
    IndexWidth,
    #[error("a nested type without its children")]
    NoChildren,
    #[error("a nested type with the wrong number of children")]
    ChildCount,
    #[error("type {0:?} is unknown or incomplete")]
    UnknownType(Type),
}

/// Checks `footer` of a file of `file_len` bytes; `column_types` are the physical types its
/// column chunks state (the `parquet` crate takes them from the schema instead: they must agree).
pub(super) fn check(
    footer: &ParquetMetaData,
    file_len: u64,
    column_types: &[i64],
) -> Result<(), FooterError> {
    let leaves = footer.file_metadata().schema_descr().num_columns();
    let rows: i64 = footer
        .row_groups()
        .iter()
        .map(|rg| rg.num_rows())
        .fold(0, i64::saturating_add);
    if rows != footer.file_metadata().num_rows() {
        return Err(FooterError::Rows {
            groups: rows,
            file: footer.file_metadata().num_rows(),
        });
    }
    if let Some(orders) = footer.file_metadata().column_orders()
        && orders.len() != leaves
    {
        return Err(FooterError::ColumnOrders {
            orders: orders.len(),
            leaves,
        });
    }
    let chunks = footer.row_groups().iter().flat_map(|rg| rg.columns());
    for (c, &stated) in chunks.zip(column_types) {
        let schema = physical_type_code(c.column_type());
        if stated != schema {
            return Err(FooterError::PhysicalType {
                column: c.column_path().to_string(),
                stated,
                schema,
            });
        }
    }
    if file_len < 12 {
        return Err(FooterError::TooShort);
    }
    for (g, rg) in footer.row_groups().iter().enumerate() {
        if rg.num_rows() < 0 {
            return Err(FooterError::NegativeRows {
                group: g,
                rows: rg.num_rows(),
            });
        }
        if rg.columns().len() != leaves {
            return Err(FooterError::Chunks {
                group: g,
                chunks: rg.columns().len(),
                leaves,
            });
        }
        for c in rg.columns() {
            let descr = c.column_descr();
            let histograms = [
                (
                    c.repetition_level_histogram(),
                    descr.max_rep_level(),
                    "repetition",
                ),
                (
                    c.definition_level_histogram(),
                    descr.max_def_level(),
                    "definition",
                ),
            ];
            for (histogram, max, what) in histograms {
                if let Some(h) = histogram
                    && !h.is_empty()
                    && h.len() != max as usize + 1
                {
                    return Err(FooterError::Histogram {
                        group: g,
                        column: c.column_path().to_string(),
                        what,
                        bins: h.len(),
                        max,
                    });
                }
            }
            if let Some(other) = c.file_path() {
                return Err(FooterError::OtherFile {
                    group: g,
                    column: c.column_path().to_string(),
                    file: other.to_string(),
                });
            }
            let start = c.dictionary_page_offset().unwrap_or(c.data_page_offset());
            let (start, len) = (start, c.compressed_size());
            let end = start.checked_add(len);
            // The dictionary page, when there is one, comes first; the data pages follow it.
            let data_inside = c.data_page_offset() >= start
                && end.is_some_and(|e| c.data_page_offset() < e)
                && c.dictionary_page_offset()
                    .is_none_or(|d| d < c.data_page_offset());
            if start <= 0
                || len < 0
                || !data_inside
                || c.num_values() < 0
                || end.is_none_or(|e| e as u64 > file_len)
            {
                return Err(FooterError::Chunk {
                    group: g,
                    column: c.column_path().to_string(),
                    start,
                    len,
                    data_at: c.data_page_offset(),
                    values: c.num_values(),
                    file_len,
                });
            }
        }
    }
    let names: Vec<&str> = footer
        .file_metadata()
        .schema_descr()
        .root_schema()
        .get_fields()
        .iter()
        .map(|f| f.name())
        .collect();
    check_embedded_schema(footer.file_metadata().key_value_metadata(), &names)
}

/// Checks the embedded Arrow schema in `kv`, if any: its top-level fields must be the Parquet
/// schema's `names` (a flatbuffer damaged where Rust's verifier is more lenient than C++'s reads
/// into other names).
fn check_embedded_schema(kv: Option<&Vec<KeyValue>>, names: &[&str]) -> Result<(), FooterError> {
    let Some(value) = kv
        .and_then(|kv| kv.iter().find(|e| e.key == ARROW_SCHEMA_META_KEY))
        .and_then(|e| e.value.as_deref())
    else {
        return Ok(());
    };
    let Ok(bytes) = BASE64_STANDARD.decode(value) else {
        return Err(FooterError::SchemaNotBase64);
    };
    // An IPC message: the continuation marker (or nothing, in the legacy format), the metadata's
    // length, the metadata; checked as Arrow C++ reads it.
    let (len, rest) = match bytes.get(..4) {
        Some([255, 255, 255, 255]) => (bytes.get(4..8), bytes.get(8..)),
        _ => (bytes.get(..4), bytes.get(4..)),
    };
    let (Some(len), Some(rest)) = (len, rest) else {
        return Err(FooterError::SchemaTruncated);
    };
    let len = i32::from_le_bytes([len[0], len[1], len[2], len[3]]);
    let Some(metadata) = usize::try_from(len).ok().and_then(|n| rest.get(..n)) else {
        return Err(FooterError::SchemaLength {
            claimed: len,
            have: rest.len(),
        });
    };
    let message = arrow_ipc::root_as_message(metadata)
        .map_err(|e| FooterError::SchemaUndecodable(e.to_string()))?;
    if message.version() < arrow_ipc::MetadataVersion::V4
        || message.version() > arrow_ipc::MetadataVersion::V5
    {
        return Err(FooterError::SchemaVersion(message.version()));
    }
    let Some(schema) = message.header_as_schema() else {
        return Err(FooterError::NotASchema);
    };
    let fields = schema.fields().ok_or(FooterError::NoFields)?;
    for field in fields.iter() {
        if field.type_type() == Type::Decimal && schema.endianness() == arrow_ipc::Endianness::Big {
            return Err(FooterError::BigEndianDecimal);
        }
        check_field(field, true)?;
    }
    let embedded: Vec<&str> = fields.iter().map(|f| f.name().unwrap_or("")).collect();
    if embedded != names {
        return Err(FooterError::Names {
            embedded: embedded.join(", "),
            file: names.join(", "),
        });
    }
    Ok(())
}

fn check_field(field: arrow_ipc::Field<'_>, may_be_dictionary: bool) -> Result<(), FooterError> {
    let fail = |fault: FieldFault| {
        Err(FooterError::Field {
            name: field.name().unwrap_or("?").to_string(),
            fault,
        })
    };
    if may_be_dictionary && let Some(dictionary) = field.dictionary() {
        let Some(index) = dictionary.indexType() else {
            return fail(FieldFault::NoIndexType);
        };
        if !matches!(index.bitWidth(), 8 | 16 | 32 | 64) {
            return fail(FieldFault::IndexWidth);
        }
        return check_field(field, false);
    }
    let children = |n: Option<usize>| -> Result<(), FooterError> {
        let Some(children) = field.children() else {
            return fail(FieldFault::NoChildren);
        };
        if n.is_some_and(|n| children.len() != n) {
            return fail(FieldFault::ChildCount);
        }
        children.iter().try_for_each(|c| check_field(c, true))
    };
    let known = match field.type_type() {
        Type::Null
        | Type::Bool
        | Type::Binary
        | Type::BinaryView
        | Type::LargeBinary
        | Type::Utf8
        | Type::Utf8View
        | Type::LargeUtf8 => true,
        Type::Int => field
            .type_as_int()
            .is_some_and(|t| matches!(t.bitWidth(), 8 | 16 | 32 | 64)),
        Type::FixedSizeBinary => field.type_as_fixed_size_binary().is_some(),
        Type::FloatingPoint => field.type_as_floating_point().is_some_and(|t| {
            matches!(
                t.precision(),
                Precision::HALF | Precision::SINGLE | Precision::DOUBLE
            )
        }),
        Type::Date => field
            .type_as_date()
            .is_some_and(|t| matches!(t.unit(), DateUnit::DAY | DateUnit::MILLISECOND)),
        Type::Time => field.type_as_time().is_some_and(|t| {
            matches!(
                (t.bitWidth(), t.unit()),
                (32, TimeUnit::SECOND | TimeUnit::MILLISECOND)
                    | (64, TimeUnit::MICROSECOND | TimeUnit::NANOSECOND)
            )
        }),
        Type::Timestamp => field
            .type_as_timestamp()
            .is_some_and(|t| known_time_unit(t.unit())),
        Type::Duration => field
            .type_as_duration()
            .is_some_and(|t| known_time_unit(t.unit())),
        Type::Interval => field.type_as_interval().is_some_and(|t| {
            matches!(
                t.unit(),
                IntervalUnit::YEAR_MONTH | IntervalUnit::DAY_TIME | IntervalUnit::MONTH_DAY_NANO
            )
        }),
        Type::List | Type::LargeList | Type::ListView | Type::LargeListView => {
            return children(Some(1));
        }
        Type::FixedSizeList if field.type_as_fixed_size_list().is_some() => {
            return children(Some(1));
        }
        Type::Map if field.type_as_map().is_some() => return children(Some(1)),
        Type::RunEndEncoded => return children(Some(2)),
        Type::Struct_ => {
            return match field.children() {
                Some(c) => c.iter().try_for_each(|c| check_field(c, true)),
                None => Ok(()),
            };
        }
        Type::Decimal => field.type_as_decimal().is_some_and(|t| {
            u8::try_from(t.precision()).is_ok()
                && i8::try_from(t.scale()).is_ok()
                && matches!(t.bitWidth(), 32 | 64 | 128 | 256)
        }),
        // Unions (never in event data; their conversion has panics of its own) and unknown types.
        _ => false,
    };
    if known {
        Ok(())
    } else {
        fail(FieldFault::UnknownType(field.type_type()))
    }
}

/// The Arrow types the `parquet` crate chose (`read`) must be the embedded schema's: where they
/// differ, the crate ignored the embedded type as incompatible with the Parquet column — a
/// damaged embedded schema, which Arrow C++ refuses.
pub(super) fn check_types_agree(
    kv: Option<&Vec<KeyValue>>,
    read: &arrow_schema::Schema,
) -> Result<(), FooterError> {
    let Some(value) = kv
        .and_then(|kv| kv.iter().find(|e| e.key == ARROW_SCHEMA_META_KEY))
        .and_then(|e| e.value.as_deref())
    else {
        return Ok(());
    };
    // Checked by `check` before: decodes without panicking.
    let embedded = BASE64_STANDARD
        .decode(value)
        .map_err(|e| e.to_string())
        .and_then(|b| arrow_ipc::convert::try_schema_from_ipc_buffer(&b).map_err(|e| e.to_string()))
        .map_err(FooterError::SchemaUndecodable)?;
    for (e, r) in embedded.fields().iter().zip(read.fields()) {
        if !e.data_type().equals_datatype(r.data_type()) {
            return Err(FooterError::TypesDisagree {
                column: r.name().clone(),
                embedded: e.data_type().clone(),
                read: r.data_type().clone(),
            });
        }
    }
    Ok(())
}

/// The Thrift code of a physical type (`parquet.thrift`'s `Type`).
fn physical_type_code(t: parquet::basic::Type) -> i64 {
    use parquet::basic::Type;
    match t {
        Type::BOOLEAN => 0,
        Type::INT32 => 1,
        Type::INT64 => 2,
        Type::INT96 => 3,
        Type::FLOAT => 4,
        Type::DOUBLE => 5,
        Type::BYTE_ARRAY => 6,
        Type::FIXED_LEN_BYTE_ARRAY => 7,
    }
}

fn known_time_unit(unit: TimeUnit) -> bool {
    matches!(
        unit,
        TimeUnit::SECOND | TimeUnit::MILLISECOND | TimeUnit::MICROSECOND | TimeUnit::NANOSECOND
    )
}
