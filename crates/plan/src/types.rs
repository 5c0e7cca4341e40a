//! The types of plan nodes, known when the user builds an expression.
//!
//! Arrays (dask.array-like) carry dtype, shape and chunks; event collections (dask-awkward-like)
//! carry a [`Layout`] (numbers, lists, optional values, records) and *lineages*: which rows
//! (events) and which list structure (counts per event) they are aligned with. Two operands of an
//! element-wise operation must share their row lineage, and lists must share their list lineage:
//! adding a per-muon array to a per-jet array fails at build time.

use std::fmt;

use arrow_schema::DataType;

use crate::key::Key;

/// Number types of the plan.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum DType {
    Bool,
    I32,
    I64,
    U32,
    U64,
    F32,
    F64,
}

impl DType {
    /// The plan dtype of an Arrow type.
    pub fn from_arrow(t: &DataType) -> Option<DType> {
        Some(match t {
            DataType::Boolean => DType::Bool,
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::UInt8
            | DataType::UInt16 => DType::I32,
            DataType::Int64 => DType::I64,
            DataType::UInt32 => DType::U32,
            DataType::UInt64 => DType::U64,
            DataType::Float32 => DType::F32,
            DataType::Float64 => DType::F64,
            _ => return None,
        })
    }

    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    pub fn is_numeric(self) -> bool {
        self != DType::Bool
    }

    /// The result of arithmetic: floats compute in f64 (HEP kinematics need it), integers in i64.
    pub fn arithmetic(a: DType, b: DType) -> DType {
        if a.is_float() || b.is_float() {
            DType::F64
        } else {
            DType::I64
        }
    }

    /// The dtype of math functions (sqrt, cos, ...): always f64.
    pub fn math(_: DType) -> DType {
        DType::F64
    }

    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }
}

/// The structure of one event's value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    Prim(DType),
    /// A variable-length list; `lineage` identifies its counts.
    List {
        item: Box<Layout>,
        lineage: Key,
    },
    /// A value that may be missing in some events (e.g. `firsts` of an empty list).
    Option(Box<Layout>),
    /// Named fields, in order.
    Record(Vec<(String, Layout)>),
}

impl Layout {
    /// Depth of list nesting.
    pub fn depth(&self) -> usize {
        match self {
            Layout::Prim(_) | Layout::Record(_) => 0,
            Layout::List { item, .. } => 1 + item.depth(),
            Layout::Option(inner) => inner.depth(),
        }
    }

    /// Levels of nesting of lists, options and records (a number is 0).
    pub fn nesting(&self) -> usize {
        match self {
            Layout::Prim(_) => 0,
            Layout::List { item, .. } => 1 + item.nesting(),
            Layout::Option(inner) => 1 + inner.nesting(),
            Layout::Record(fields) => {
                1 + fields.iter().map(|(_, l)| l.nesting()).max().unwrap_or(0)
            }
        }
    }

    /// The number type at the leaves, when there is one.
    pub fn dtype(&self) -> Option<DType> {
        match self {
            Layout::Prim(d) => Some(*d),
            Layout::List { item, .. } => item.dtype(),
            Layout::Option(inner) => inner.dtype(),
            Layout::Record(_) => None,
        }
    }

    /// The same structure with another leaf dtype.
    pub fn with_dtype(&self, d: DType) -> Layout {
        match self {
            Layout::Prim(_) => Layout::Prim(d),
            Layout::List { item, lineage } => Layout::List {
                item: Box::new(item.with_dtype(d)),
                lineage: *lineage,
            },
            Layout::Option(inner) => Layout::Option(Box::new(inner.with_dtype(d))),
            Layout::Record(f) => Layout::Record(f.clone()),
        }
    }

    /// The field `name` of a record (through lists and options, like awkward's projection).
    pub fn field(&self, name: &str) -> Option<Layout> {
        match self {
            Layout::Record(fields) => fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, l)| l.clone()),
            Layout::List { item, lineage } => item.field(name).map(|f| Layout::List {
                item: Box::new(f),
                lineage: *lineage,
            }),
            Layout::Option(inner) => inner.field(name).map(|f| Layout::Option(Box::new(f))),
            Layout::Prim(_) => None,
        }
    }

    /// Field names of the record at the bottom of lists/options.
    pub fn field_names(&self) -> Vec<String> {
        match self {
            Layout::Record(fields) => fields.iter().map(|(n, _)| n.clone()).collect(),
            Layout::List { item, .. } => item.field_names(),
            Layout::Option(inner) => inner.field_names(),
            Layout::Prim(_) => Vec::new(),
        }
    }

    /// The outermost list lineage.
    pub fn list_lineage(&self) -> Option<Key> {
        match self {
            Layout::List { lineage, .. } => Some(*lineage),
            Layout::Option(inner) => inner.list_lineage(),
            _ => None,
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layout::Prim(d) => write!(f, "{}", d.name()),
            Layout::List { item, .. } => write!(f, "var * {item}"),
            Layout::Option(inner) => write!(f, "?{inner}"),
            Layout::Record(fields) if fields.len() > 6 => {
                let names: Vec<&str> = fields.iter().take(4).map(|(n, _)| n.as_str()).collect();
                write!(f, "{{{}, … {} fields}}", names.join(", "), fields.len())
            }
            Layout::Record(fields) => {
                write!(f, "{{")?;
                for (i, (n, l)) in fields.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{n}: {l}")?;
                }
                write!(f, "}}")
            }
        }
    }
}

/// Histogram axis description.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Axis {
    Regular {
        bins: u32,
        lo: f64,
        hi: f64,
        label: String,
    },
    Variable {
        edges: Vec<f64>,
        label: String,
    },
    Integer {
        lo: i64,
        hi: i64,
        label: String,
    },
    IntCategory {
        categories: Vec<i64>,
        label: String,
    },
    StrCategory {
        categories: Vec<String>,
        label: String,
    },
    Boolean {
        label: String,
    },
}

impl Axis {
    /// The axis label (may be empty).
    pub fn label(&self) -> &str {
        match self {
            Axis::Regular { label, .. }
            | Axis::Variable { label, .. }
            | Axis::Integer { label, .. }
            | Axis::IntCategory { label, .. }
            | Axis::StrCategory { label, .. }
            | Axis::Boolean { label } => label,
        }
    }
}

/// Histogram storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Storage {
    Double,
    Int,
    Weight,
}

/// The type of a node's output.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// A chunked n-dimensional array: `shape[d]`/`chunks[d]` are `None` when unknown until run
    /// (after boolean masks). `rows` identifies the alignment of the first axis.
    Array {
        dtype: DType,
        shape: Vec<Option<u64>>,
        chunks: Vec<Option<Vec<u64>>>,
        rows: Key,
    },
    /// One value per event, aligned with the events `rows`.
    Events { layout: Layout, rows: Key },
    /// A single number (a whole-collection reduction).
    Scalar(DType),
    /// A histogram.
    Hist { axes: Vec<Axis>, storage: Storage },
}

impl Ty {
    pub fn dtype(&self) -> Option<DType> {
        match self {
            Ty::Array { dtype, .. } | Ty::Scalar(dtype) => Some(*dtype),
            Ty::Events { layout, .. } => layout.dtype(),
            Ty::Hist { .. } => None,
        }
    }

    /// A short description for messages and explain output.
    pub fn describe(&self) -> String {
        match self {
            Ty::Array { dtype, shape, .. } => {
                let dims: Vec<String> = shape
                    .iter()
                    .map(|d| d.map_or("?".to_string(), |n| n.to_string()))
                    .collect();
                format!("array[{}] {}", dims.join(", "), dtype.name())
            }
            Ty::Events { layout, .. } => format!("events * {layout}"),
            Ty::Scalar(d) => format!("scalar {}", d.name()),
            Ty::Hist { axes, storage } => format!("hist {}D {storage:?}", axes.len()),
        }
    }
}
