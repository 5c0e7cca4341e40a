//! The errors of type inference: what does not fit, by kind of mistake. All but
//! [`TypeError::Internal`] are the user's mistakes; the builder names the expression when it turns
//! one into a [`PlanError`] ([`TypeError::in_expr`]).

use crate::error::PlanError;

/// Why an operation does not type with its inputs.
///
/// ```
/// use rask_plan::typing::{TypeError, infer};
/// use rask_plan::{DType, Key, Op, Ty, UnaryOp};
/// let b = Ty::Scalar(DType::Bool);
/// let err = infer(&Op::Unary(UnaryOp::Neg), &[(&b, Key(1))], Key(2)).unwrap_err();
/// assert_eq!(err, TypeError::BoolNotNumber { op: "negative" });
/// assert_eq!(err.to_string(), "negative needs numbers, not booleans");
/// assert!(!err.is_internal());
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TypeError {
    /// An operation given the wrong number of inputs.
    #[error("{op} takes {expected} input(s), got {got}")]
    Arity {
        op: &'static str,
        expected: usize,
        got: usize,
    },
    /// A stack of histograms whose axes or storage differ, or not one category per histogram.
    #[error("stack: {0}")]
    Stack(String),
    /// A histogram given neither one value per axis nor one more (the weight).
    #[error("a {axes}-D histogram takes {axes} values (and an optional weight), got {got}")]
    HistArity { axes: usize, got: usize },
    /// A Lorentz-vector operation given the wrong number of vectors (`takes` says how many).
    #[error("{op} takes {takes}")]
    VectorArity { op: String, takes: &'static str },
    /// An element-wise operation (or a correction) without any operand.
    #[error("no operands")]
    NoOperands,
    /// A Lorentz-vector operation without any input.
    #[error("missing input")]
    MissingInput,
    /// `zip` with not one name per field.
    #[error("zip needs one name per field ({names} names, {fields} fields)")]
    ZipNames { names: usize, fields: usize },
    /// `combinations` of other than 2 or 3, or not one name per member.
    #[error("combinations of {n} need {n} names (n is 2 or 3)")]
    CombinationNames { n: u8 },
    /// An input of the wrong kind: `what` is the operation with its verb ("reshape needs",
    /// "a mask must be"), `wanted` the kind it takes, `found` the input's type.
    #[error("{what} {wanted}, not {found}")]
    Expected {
        what: String,
        wanted: &'static str,
        found: String,
    },
    /// Records or histograms where numbers or booleans are needed.
    #[error("{found} is not made of numbers or booleans; take a field first")]
    NotNumbers { found: String },
    /// An element-wise function of records or histograms.
    #[error("records and histograms have no element-wise functions; take a field first")]
    ElementwiseOfRecords,
    /// An element-wise function of a histogram.
    #[error("histograms have no element-wise functions")]
    ElementwiseOfHist,
    /// Records as operands of arithmetic.
    #[error("records cannot be used in arithmetic; take a field first")]
    RecordsInArithmetic,
    /// Negation or absolute value of booleans.
    #[error("{op} needs numbers, not booleans")]
    BoolNotNumber { op: &'static str },
    /// Arithmetic with a boolean operand.
    #[error("arithmetic on booleans ({left} and {right})")]
    BoolArithmetic {
        left: &'static str,
        right: &'static str,
    },
    /// An order comparison of booleans with numbers.
    #[error("cannot compare {left} with {right}")]
    Compare {
        left: &'static str,
        right: &'static str,
    },
    /// A `where` whose condition is not boolean.
    #[error("the condition of where must be boolean")]
    WhereCondition,
    /// A correction given booleans.
    #[error("correction '{name}' needs numbers")]
    CorrectionNumbers { name: String },
    /// `fill_none` of optional values that are not numbers or booleans.
    #[error("fill_none needs optional numbers or booleans")]
    FillNoneItems,
    /// `fill_none` with a value of the other kind (a number for booleans or the reverse).
    #[error("cannot fill missing {dtype} values with {value}")]
    FillValue { dtype: &'static str, value: String },
    /// A field that the records do not have (the builder adds suggestions).
    #[error("no field '{name}' (fields: {})", fields.join(", "))]
    NoField { name: String, fields: Vec<String> },
    /// A field of something that is not records.
    #[error("{found} has no fields")]
    NoFields { found: String },
    /// Inputs that belong to different events or lists of different lengths.
    #[error(transparent)]
    Misaligned(#[from] Misaligned),
    /// An array that is neither 1-D nor 2-D, or without one chunk size per axis.
    #[error(
        "arrays are 1-D or 2-D with one chunk size per axis (shape {shape:?}, chunks {chunks:?})"
    )]
    ArrayShape { shape: Vec<u64>, chunks: Vec<u64> },
    /// A chunk size of zero.
    #[error("chunk sizes must be positive")]
    ZeroChunk,
    /// An Arrow array of a type plans do not hold.
    #[error("arrays of type {dtype} are not supported")]
    ArrowType { dtype: String },
    /// A reshape to another number of elements.
    #[error("cannot reshape {elements} elements into {shape:?}")]
    Reshape { elements: u64, shape: Vec<u64> },
    /// A reshape of a masked array (whose length is known only when it runs).
    #[error("cannot reshape an array of unknown length (after a mask)")]
    ReshapeUnknownLength,
    /// Arrays whose shapes do not broadcast.
    #[error("shapes do not broadcast on axis {axis}: {left:?} and {right:?}")]
    Shapes {
        axis: usize,
        left: Option<u64>,
        right: Option<u64>,
    },
    /// Arrays of the same shape chunked differently.
    #[error("axis {axis} is chunked differently ({left:?} and {right:?}): rechunk one operand")]
    Chunks {
        axis: usize,
        left: Option<Vec<u64>>,
        right: Option<Vec<u64>>,
    },
    /// A mask of another shape than the array.
    #[error("the mask has shape {mask:?}, the array {array:?}")]
    MaskShape {
        mask: Vec<Option<u64>>,
        array: Vec<Option<u64>>,
    },
    /// Events masked by an array, or the reverse.
    #[error("cannot mask events with an array or an array with events")]
    MaskMix,
    /// A reduction over an axis the array does not have.
    #[error("axis {axis} is out of range for a {dims}-D array")]
    AxisOutOfRange { axis: usize, dims: usize },
    /// A reduction over an axis the values do not have.
    #[error("cannot reduce {found} over axis {axis}")]
    Reduce { found: String, axis: u8 },
    /// A flatten of values that are not lists of lists or numbers.
    #[error("cannot flatten {found}")]
    Flatten { found: String },
    /// Operands of an element-wise operation that are not all arrays or all events.
    #[error("cannot combine {left} with {right}")]
    Combine { left: String, right: String },
    /// A concatenation of lists of different items.
    #[error("cannot concatenate lists of {left} and {right}")]
    Concatenate { left: String, right: String },
    /// A concatenation of lists of records without a common field.
    #[error("the records have no field in common")]
    NoCommonField,
    /// A Lorentz-vector operation of records without the fields it needs.
    #[error(
        "needs records with fields {} or Cartesian px, py, pz, E (has: {})",
        wanted.join(", "),
        has.join(", ")
    )]
    VectorFields {
        wanted: Vec<&'static str>,
        has: Vec<String>,
    },
    /// A broken invariant of the typing itself (a bug in rask, not the user's mistake).
    #[error(transparent)]
    Internal(#[from] InternalTypeError),
}

/// Inputs that belong together but do not line up: different events (another selection or
/// source) or lists of different lengths per event.
///
/// ```
/// use rask_plan::typing::{Misaligned, TypeError};
/// let e = TypeError::from(Misaligned::Vectors);
/// assert_eq!(e.to_string(), "the vectors belong to different events");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Misaligned {
    /// Operands of an element-wise operation from different events.
    #[error(
        "the operands belong to different events (a different selection or source): apply the \
         same masks to both"
    )]
    Operands,
    /// Lists of different lengths per event in an element-wise operation.
    #[error(
        "the lists have different lengths per event (e.g. muons and jets, or lists after \
         different cuts)"
    )]
    ListLengths,
    /// Masked arrays combined with arrays masked otherwise.
    #[error("arrays of unknown length (after a mask) combine only with arrays masked the same way")]
    MaskedArrays,
    /// A mask from other events than the data.
    #[error("the mask belongs to other events (apply the same earlier cuts to both)")]
    Mask,
    /// A jagged mask whose lists do not match the data's.
    #[error(
        "the jagged mask has other list lengths than the data (a mask made from another \
         collection)"
    )]
    JaggedMask,
    /// A zipped field from other events than the first.
    #[error("field '{name}' belongs to other events")]
    ZipEvents { name: String },
    /// A zipped list field of other lengths than the first list field.
    #[error("field '{name}' has other list lengths than the first list field")]
    ZipLengths { name: String },
    /// A new field (`with_field`) from other events than the records.
    #[error("the new field is aligned with other events")]
    NewFieldEvents,
    /// A new list field of other lengths than the records' lists.
    #[error("the new field has other list lengths than the records")]
    NewFieldLengths,
    /// Two vectors from different events.
    #[error("the vectors belong to different events")]
    Vectors,
    /// Lists to concatenate from different events.
    #[error("concatenate needs lists of the same events")]
    Concatenate,
    /// Indices from other events than the data.
    #[error("the indices are aligned with other events")]
    Indices,
    /// `cartesian` (`op`) of lists of different events, or without two names.
    #[error("{op} needs two lists of the same events and two names")]
    Cartesian { op: &'static str },
}

/// A broken invariant of the typing: a bug in rask.
///
/// ```
/// use rask_plan::typing::{InternalTypeError, TypeError};
/// assert!(TypeError::from(InternalTypeError::TypedByMaker).is_internal());
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InternalTypeError {
    /// Fused and persisted nodes carry the type they were made with; `infer` cannot type them.
    #[error("fused and persisted nodes are typed by whoever makes them")]
    TypedByMaker,
    /// Array broadcasting called with something else than arrays.
    #[error("internal: not arrays")]
    NotArrays,
}

impl TypeError {
    /// True for broken invariants of rask (not mistakes of the user).
    ///
    /// ```
    /// use rask_plan::typing::TypeError;
    /// assert!(!TypeError::ZeroChunk.is_internal());
    /// ```
    pub fn is_internal(&self) -> bool {
        matches!(self, TypeError::Internal(_))
    }

    /// The [`PlanError`] of building `expr`: [`PlanError::Type`] for the user's mistakes,
    /// [`PlanError::InternalType`] for broken invariants.
    ///
    /// ```
    /// use rask_plan::{PlanError, typing::TypeError};
    /// let e = TypeError::ZeroChunk.in_expr("arange(10)".to_string());
    /// assert_eq!(e.to_string(), "cannot build arange(10): chunk sizes must be positive");
    /// assert!(matches!(e, PlanError::Type { .. }));
    /// ```
    pub fn in_expr(self, expr: String) -> PlanError {
        let message = self.to_string();
        if self.is_internal() {
            PlanError::InternalType { expr, message }
        } else {
            PlanError::Type { expr, message }
        }
    }
}
