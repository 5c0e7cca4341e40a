//! Whole-buffer kernels: jagged structure ([`jagged`]) and Lorentz vectors ([`lorentz`], with
//! the vectorisable sine, cosine and `sinh` of [`trig`]).
//!
//! Every kernel works on offsets and flat value buffers; none builds a `Vec` per event. Their
//! property tests (`tests/it/kernels.rs`) compare them with plain per-event implementations,
//! including empty lists, empty partitions, NaN and infinities.

pub mod bits;
pub mod combinations;
pub mod compress;
pub mod gather;
pub mod jagged;
pub mod lorentz;
pub mod selected_sum;
pub mod sum_measure;
pub mod trig;

pub use bits::{Ranks, any_all_set, count_set};
pub use combinations::*;
pub use jagged::*;
pub use lorentz::*;
pub use selected_sum::sum_selected_of;
pub use sum_measure::{SumMeasure, combination_sum_measure};
