//! Why a branch cannot be read ([`Unreadable`], kept in the schema) and why its basket tables
//! are impossible ([`BranchError`], an error naming the tree and branch).

/// Why rask cannot read a branch: its class, version or type is one rask does not decode. The
/// rest of the tree stays readable; the reason is shown by `rask inspect` and in the schema.
///
/// ```
/// use rask_io_root::tree::Unreadable;
/// assert_eq!(
///     Unreadable::LeafList.to_string(),
///     "branches with several leaves (leaf lists) are not read by rask yet"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("a branch of this class is not read by rask yet")]
    BranchClass,
    #[error("TBranch class version {0} is not known to rask (12 and 13 are)")]
    TBranchVersion(i16),
    #[error("TBranchElement class version not known to rask (9 and 10 are)")]
    TBranchElementVersion,
    #[error(
        "entries held in a basket inside the TTree record (a file that was not closed properly) are not read by rask yet"
    )]
    BasketInRecord,
    #[error("object branch of class '{class}' (type {btype}); rask reads std::vector of numbers")]
    ObjectBranch { class: String, btype: i32 },
    #[error("std::vector of '{0}' is not a number type rask reads")]
    VectorOf(String),
    #[error("branches with several leaves (leaf lists) are not read by rask yet")]
    LeafList,
    #[error("leaf missing from the tree record")]
    LeafMissing,
    #[error("leaf class {0}")]
    LeafClass(String),
    #[error("Float16_t and range-packed Double32_t are not decoded by rask yet")]
    PackedFloat,
}

/// A branch whose basket tables are impossible: a damaged tree record.
///
/// ```
/// use rask_io_root::tree::BranchError;
/// let e = BranchError::Coverage { covered: 10, entries: 12 };
/// assert_eq!(e.to_string(), "baskets cover entries up to 10, the branch has 12");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BranchError {
    #[error("{written} baskets written but the basket tables hold {held}")]
    Tables { written: i32, held: usize },
    #[error("branch has {branch} entries, its tree {tree}")]
    Entries { branch: i64, tree: u64 },
    #[error(
        "basket {basket} has impossible bounds (entries {first}..{next} of {entries}, {bytes} bytes at {seek})"
    )]
    Bounds {
        basket: usize,
        first: i64,
        next: i64,
        entries: i64,
        bytes: i32,
        seek: i64,
    },
    #[error("baskets cover entries up to {covered}, the branch has {entries}")]
    Coverage { covered: u64, entries: i64 },
}
