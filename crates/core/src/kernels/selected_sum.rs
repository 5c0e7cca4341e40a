//! Per-event sums of the selected elements of the kept events, without gathering them:
//! `sum(x[selected][kept], axis=1)` in one pass over the kept events' elements.

use arrow_buffer::BooleanBuffer;

use super::jagged::{KernelError, Res, aligned_ranges, same_events};

/// For every event `events_kept` keeps, the sum of its values whose bit in `bits` is set (`bits`
/// a jagged mask with offsets `mask_offsets`, as long per event as the lists of `offsets`).
///
/// The sum of an event starts at `0.0` and adds its selected values in element order: the bits
/// of filtering the lists, cutting the events and summing each list ([`super::sum_f64`]).
/// Operands of other numbers of events or lengths, or buffers too short for their offsets, are
/// errors.
///
/// ```
/// use arrow_buffer::BooleanBuffer;
/// let bits = BooleanBuffer::from(vec![true, false, true, true, true]);
/// let kept = BooleanBuffer::from(vec![false, true, true]);
/// let values = [1.0, 2.0, 3.0, 4.0, 5.0];
/// let offsets = [0, 2, 4, 5];
/// let sums = rask_core::kernels::sum_selected_of(&offsets, &offsets, &bits, &kept, &values)?;
/// assert_eq!(sums, vec![7.0, 5.0]);
/// # Ok::<(), rask_core::kernels::KernelError>(())
/// ```
pub fn sum_selected_of(
    offsets: &[i32],
    mask_offsets: &[i32],
    bits: &BooleanBuffer,
    events_kept: &BooleanBuffer,
    values: &[f64],
) -> Res<Vec<f64>> {
    same_events(offsets, mask_offsets, events_kept)?;
    let mut sums = Vec::with_capacity(events_kept.count_set_bits());
    for e in events_kept.set_indices() {
        let (r, m) = aligned_ranges(offsets, mask_offsets, e)?;
        let past = |what, index: usize, len| KernelError::OutOfBounds { what, index, len };
        if m.end > bits.len() {
            return Err(past("jagged mask", m.end, bits.len()));
        }
        let Some(items) = values.get(r.clone()) else {
            return Err(past("values", r.end, values.len()));
        };
        // An unselected value adds `+0.0`, which changes no sum: one starting at `+0.0` is
        // never `-0.0` (round to nearest), and `+0.0` leaves every other value as it is.
        let mut s = 0.0;
        for (&v, f) in items.iter().zip(m) {
            // SAFETY: `f < m.end <= bits.len()`, checked above.
            let selected = unsafe { bits.value_unchecked(f) };
            s += if selected { v } else { 0.0 };
        }
        sums.push(s);
    }
    Ok(sums)
}
