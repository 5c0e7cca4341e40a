//! rask-core: the Arrow conventions every rask crate shares.
//!
//! Today this crate fixes how a jagged per-event list is laid out in Arrow (see [`layout`]) so that
//! the ROOT reader, the Parquet reader and, later, the kernels and histograms agree on one shape.
//! Kernels, Lorentz vectors and histograms arrive with the execution issue.

pub mod hist;
pub mod layout;
pub mod random;

pub use layout::{
    COUNTER_METADATA_KEY, LayoutError, ROOT_TYPE_METADATA_KEY, canonical_array, canonical_field,
    canonical_type, list_of,
};
