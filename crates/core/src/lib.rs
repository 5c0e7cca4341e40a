//! rask-core: the Arrow conventions every rask crate shares.
//!
//! It fixes how a jagged per-event list is laid out in Arrow (see [`layout`]) so that the ROOT
//! reader, the Parquet reader, the kernels and histograms agree on one shape; it holds the
//! engine's column type ([`column::Col`]), the whole-buffer jagged and Lorentz-vector kernels
//! ([`kernels`]), histograms ([`hist`]), the deterministic random numbers ([`random`]) and the
//! atomic writing of output files ([`atomic`]).

pub mod atomic;
pub mod column;
pub mod file_columns;
pub mod hist;
pub mod isa;
pub mod kernels;
pub mod layout;
pub mod random;
mod stack;
pub mod suggest;

pub use layout::{
    COUNTER_METADATA_KEY, LayoutError, ROOT_TYPE_METADATA_KEY, canonical_array, canonical_field,
    canonical_type, list_of,
};
