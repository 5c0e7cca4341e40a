//! Bin indices of one axis as correctionlib's `find_bin_idx` (`src/correction.cc`) computes
//! them:
//!
//! - explicit edges: `std::upper_bound`, so bin i is `edges[i] <= x < edges[i+1]`; a value on
//!   the last edge, above it, or NaN (never less than an edge) overflows; below the first
//!   edge underflows. Overflow and underflow give the default (`flow` content), the first or
//!   last bin (`clamp`) or an error; `wrap` first folds the value into the range with
//!   `low + (t - floor(t)) * (high - low)`, `t = (x - low) / (high - low)`.
//! - uniform edges: out of range when `x < low || x >= high`; else the bin is
//!   `(size_t)(n * ((x - low) / (high - low)))` (`t - floor(t)` first for `wrap`) — the same
//!   float operations, so values on inner edges land where correctionlib puts them, and a
//!   value just below `high` can give n (see `Binning` and `MultiBinning` for what n reads).
//!   NaN passes the range test and `(size_t)NaN` is 2^63 on x86-64.
//!
//! The upper bound over explicit edges is a branch-free count for up to 16 edges, else found
//! through a grid of cells no wider than half the narrowest bin (one comparison, then a
//! check), falling back to a binary search.

/// What `flow` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    /// A content node (the default slot).
    Value,
    Clamp,
    Error,
    Wrap,
}

/// `(size_t)NaN` on x86-64.
pub(crate) const NAN_INDEX: u64 = 1 << 63;

/// Why a value has no bin.
#[derive(Clone, Copy, Debug)]
pub(crate) enum BinError {
    Below,
    Above,
    /// `wrap` with explicit edges cannot place NaN, ±inf, or a value that rounds onto the
    /// upper edge (correctionlib: "I should not have ever seen an overflow").
    Unwrappable,
}

/// Edge lists up to this long are searched by counting (faster than a grid or a binary
/// search for the few edges of typical pt and eta binnings).
const LINEAR_EDGES: usize = 16;

/// The most grid cells of an edge list.
const MAX_CELLS: f64 = 16384.0;

/// Explicit edges (at least two, strictly increasing, no NaN) and their lookup grid.
#[derive(Debug)]
pub(crate) struct EdgeList {
    edges: Vec<f64>,
    /// Up to `LINEAR_EDGES` edges, padded with +inf (counted only for +inf and NaN, whose
    /// count is then capped at the number of edges, as their upper bound is).
    small: Option<Box<[f64; LINEAR_EDGES]>>,
    grid: Option<Grid>,
}

/// Cells over the finite edges `lo..hi`: `hint[c]` is the upper bound of the cell's start.
#[derive(Debug)]
struct Grid {
    lo: f64,
    hi: f64,
    scale: f64,
    cells: f64,
    hint: Vec<u32>,
    /// The upper bound of values below `lo` (the number of -inf edges).
    below: usize,
    /// The upper bound of finite values from `hi` on (edges up to `hi`).
    above: usize,
}

impl EdgeList {
    pub(crate) fn new(edges: Vec<f64>) -> EdgeList {
        let (small, grid) = if edges.len() <= LINEAR_EDGES {
            let mut padded = [f64::INFINITY; LINEAR_EDGES];
            padded[..edges.len()].copy_from_slice(&edges);
            (Some(Box::new(padded)), None)
        } else {
            (None, Grid::new(&edges))
        };
        EdgeList { edges, small, grid }
    }

    /// `upper_bound` of every value; few edges are counted with a loop of fixed length (a
    /// multiple of 4, padding +inf), unrolled and vectorised (with AVX2 where the CPU has
    /// it: twice the lanes of the SSE2 baseline).
    fn upper_bounds(&self, vals: &[f64], out: &mut [u64]) {
        if let Some(p) = &self.small {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2 (detected just above), all `counts_avx2` needs.
                return unsafe { counts_avx2(p, self.edges.len(), vals, out) };
            }
            return counts_any(p, self.edges.len(), vals, out);
        }
        for (o, &v) in out.iter_mut().zip(vals) {
            *o = self.upper_bound(v) as u64;
        }
    }

    /// `std::upper_bound(edges, v)`: the first edge with `v < edge` (NaN is never less).
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn upper_bound(&self, v: f64) -> usize {
        let e = &self.edges;
        if let Some(p) = &self.small {
            // Sorted edges: the count of edges not above v, without branches.
            let count: usize = p.iter().map(|&x| usize::from(!(v < x))).sum();
            return count.min(e.len());
        }
        if let Some(g) = &self.grid {
            let t = (v - g.lo) * g.scale;
            if t >= 0.0 && t < g.cells {
                let mut i = g.hint[t as usize] as usize;
                // A cell holds at most one edge: one step, then a check (which only fails
                // on rounding at a cell border).
                if i < e.len() {
                    i += usize::from(!(v < e[i]));
                }
                let below_ok = i == 0 || !(v < e[i - 1]);
                let above_ok = i == e.len() || v < e[i];
                if below_ok && above_ok {
                    return i;
                }
            } else if v < g.lo {
                // Below the finite edges: only -inf edges are <= v.
                return g.below;
            } else if v >= g.hi && v < f64::INFINITY {
                return g.above;
            }
        }
        e.partition_point(|&x| !(v < x))
    }
}

impl Grid {
    fn new(edges: &[f64]) -> Option<Grid> {
        let finite: Vec<f64> = edges.iter().copied().filter(|x| x.is_finite()).collect();
        let (&lo, &hi) = (finite.first()?, finite.last()?);
        let narrowest = finite
            .windows(2)
            .map(|w| w[1] - w[0])
            .fold(f64::INFINITY, f64::min);
        let cells = ((hi - lo) / narrowest * 2.0).ceil().clamp(1.0, MAX_CELLS);
        let scale = cells / (hi - lo);
        if !(scale.is_finite() && scale > 0.0 && finite.len() >= 2) {
            return None;
        }
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        let hint = (0..cells as usize)
            .map(|c| {
                let start = lo + c as f64 / scale;
                edges.partition_point(|&x| !(start < x)) as u32
            })
            .collect();
        let below = edges.iter().take_while(|x| **x < lo).count();
        let above = edges.iter().take_while(|x| **x <= hi).count();
        Some(Grid {
            lo,
            hi,
            scale,
            cells,
            hint,
            below,
            above,
        })
    }
}

/// The edges of one axis.
#[derive(Debug)]
pub(crate) enum Edges {
    Uniform { n: usize, low: f64, high: f64 },
    List(EdgeList),
}

impl Edges {
    pub(crate) fn nbins(&self) -> usize {
        match self {
            Edges::Uniform { n, .. } => *n,
            Edges::List(l) => l.edges.len() - 1,
        }
    }

    /// The bin index of `v` as correctionlib computes it (`nbins()` means "the default").
    pub(crate) fn find(&self, v: f64, flow: Flow) -> Result<u64, BinError> {
        match self {
            Edges::Uniform { n, low, high } => uniform_index(v, *n, *low, *high, flow),
            Edges::List(l) => list_index(v, l, flow),
        }
    }

    /// How many codes [`Edges::codes`] gives (0 to this minus one).
    pub(crate) fn ncodes(&self) -> usize {
        match self {
            Edges::Uniform { n, .. } => n + 4,
            Edges::List(l) => l.edges.len() + 1,
        }
    }

    /// A code for every value, from which [`Edges::decode`] gives what `find` gives under
    /// any flow but `wrap` (the codes do not depend on the flow): the upper bound for
    /// explicit edges; for uniform edges 0 below `low`, `1 + index` in range, n + 2 from
    /// `high` on, n + 3 for NaN.
    pub(crate) fn codes(&self, vals: &[f64], out: &mut [u64]) {
        match self {
            Edges::Uniform { n, low, high } => {
                let n64 = *n as u64;
                for (o, &v) in out.iter_mut().zip(vals) {
                    *o = match uniform_index(v, *n, *low, *high, Flow::Error) {
                        Err(BinError::Below) => 0,
                        Err(_) => n64 + 2,
                        Ok(NAN_INDEX) => n64 + 3,
                        Ok(i) => i.min(n64) + 1,
                    };
                }
            }
            Edges::List(l) => l.upper_bounds(vals, out),
        }
    }

    /// What `find` gives under `flow` (not `wrap`) for a value of code `code`.
    pub(crate) fn decode(&self, code: u64, flow: Flow) -> Result<u64, BinError> {
        // The number of bins, and whether the code is below the range (else above it).
        let (bins, below) = match self {
            Edges::Uniform { n, .. } => {
                let n = *n as u64;
                if code == n + 3 {
                    return Ok(NAN_INDEX);
                }
                if (1..=n + 1).contains(&code) {
                    return Ok(code - 1);
                }
                (n, code == 0)
            }
            Edges::List(l) => {
                let len = l.edges.len() as u64;
                if (1..len).contains(&code) {
                    return Ok(code - 1);
                }
                (len - 1, code == 0)
            }
        };
        match (flow, below) {
            (Flow::Value, _) => Ok(bins),
            (Flow::Clamp, true) => Ok(0),
            (Flow::Clamp, false) => Ok(bins - 1),
            (Flow::Error | Flow::Wrap, true) => Err(BinError::Below),
            (Flow::Error | Flow::Wrap, false) => Err(BinError::Above),
        }
    }

    /// `out[k] = find(vals[k])` for every k; on failure the first failing position.
    pub(crate) fn indices(
        &self,
        vals: &[f64],
        flow: Flow,
        out: &mut [u64],
    ) -> Result<(), (usize, BinError)> {
        match self {
            Edges::Uniform { n, low, high } => {
                for (k, (o, &v)) in out.iter_mut().zip(vals).enumerate() {
                    *o = uniform_index(v, *n, *low, *high, flow).map_err(|e| (k, e))?;
                }
            }
            Edges::List(l) if flow == Flow::Wrap => {
                for (k, (o, &v)) in out.iter_mut().zip(vals).enumerate() {
                    *o = list_index(v, l, flow).map_err(|e| (k, e))?;
                }
            }
            Edges::List(l) => {
                // Upper bounds first (a tight loop), then what they mean under `flow`.
                l.upper_bounds(vals, out);
                let len = l.edges.len() as u64;
                match flow {
                    Flow::Clamp => out.iter_mut().for_each(|o| *o = (*o).clamp(1, len - 1) - 1),
                    Flow::Value => out.iter_mut().for_each(|o| {
                        *o = if *o == 0 || *o == len {
                            len - 1
                        } else {
                            *o - 1
                        }
                    }),
                    _ => {
                        for (k, o) in out.iter_mut().enumerate() {
                            if *o == 0 {
                                return Err((k, BinError::Below));
                            }
                            if *o == len {
                                return Err((k, BinError::Above));
                            }
                            *o -= 1;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// [`counts_any`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn counts_avx2(padded: &[f64; LINEAR_EDGES], len: usize, vals: &[f64], out: &mut [u64]) {
    counts_any(padded, len, vals, out);
}

/// The upper bound of each value over the `len` edges of `padded`, counting a multiple of 4
/// edges.
#[inline(always)]
fn counts_any(padded: &[f64; LINEAR_EDGES], len: usize, vals: &[f64], out: &mut [u64]) {
    match len.div_ceil(4) {
        0 | 1 => counts::<4>(padded, len, vals, out),
        2 => counts::<8>(padded, len, vals, out),
        3 => counts::<12>(padded, len, vals, out),
        _ => counts::<16>(padded, len, vals, out),
    }
}

/// The upper bound of each value over the first N of the padded edges (`len` real ones).
#[inline(always)]
#[allow(clippy::neg_cmp_op_on_partial_ord)]
fn counts<const N: usize>(padded: &[f64; LINEAR_EDGES], len: usize, vals: &[f64], out: &mut [u64]) {
    let mut p = [f64::INFINITY; N];
    p.copy_from_slice(&padded[..N]);
    let len = len as u64;
    for (o, &v) in out.iter_mut().zip(vals) {
        let mut c = 0u64;
        for &x in &p {
            c += u64::from(!(v < x));
        }
        *o = c.min(len);
    }
}

/// x86-64 `(size_t)x` for the values that occur (NaN gives 2^63).
#[inline(always)]
fn size_t(x: f64) -> u64 {
    if x.is_nan() { NAN_INDEX } else { x as u64 }
}

#[inline(always)]
fn uniform_index(v: f64, n: usize, low: f64, high: f64, flow: Flow) -> Result<u64, BinError> {
    if v < low || v >= high {
        match flow {
            Flow::Value => return Ok(n as u64),
            Flow::Clamp => return Ok(if v < low { 0 } else { n as u64 - 1 }),
            Flow::Error => {
                return Err(if v < low {
                    BinError::Below
                } else {
                    BinError::Above
                });
            }
            Flow::Wrap => {}
        }
    }
    let mut norm = (v - low) / (high - low);
    if flow == Flow::Wrap {
        norm -= norm.floor();
    }
    Ok(size_t(n as f64 * norm))
}

#[inline(always)]
fn list_index(v: f64, l: &EdgeList, flow: Flow) -> Result<u64, BinError> {
    let e = &l.edges;
    let len = e.len();
    let mut v = v;
    if flow == Flow::Wrap {
        let (low, high) = (e[0], e[len - 1]);
        let mut norm = (v - low) / (high - low);
        norm -= norm.floor();
        v = low + norm * (high - low);
    }
    let it = l.upper_bound(v);
    if it == 0 {
        return match flow {
            Flow::Value => Ok((len - 1) as u64),
            Flow::Error => Err(BinError::Below),
            Flow::Wrap => Err(BinError::Unwrappable),
            Flow::Clamp => Ok(0),
        };
    }
    if it == len {
        return match flow {
            Flow::Value => Ok((len - 1) as u64),
            Flow::Error => Err(BinError::Above),
            Flow::Wrap => Err(BinError::Unwrappable),
            Flow::Clamp => Ok((len - 2) as u64),
        };
    }
    Ok((it - 1) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn grid_gives_the_upper_bound() {
        let mut edges = vec![
            f64::NEG_INFINITY,
            15.0,
            20.0,
            30.0,
            40.0,
            50.0,
            70.0,
            100.0,
            1000.0,
        ];
        edges.extend((0..40).map(|i| 1001.0 + f64::from(i) * 0.7));
        edges.push(f64::INFINITY);
        let l = EdgeList::new(edges.clone());
        assert!(l.grid.is_some());
        let mut x: f64 = -50.0;
        while x < 1200.0 {
            for v in [x, x.next_up(), x.next_down()] {
                let want = edges.partition_point(|&e| e <= v);
                assert_eq!(l.upper_bound(v), want, "{v}");
            }
            x += 0.37;
        }
        for v in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            15.0,
            1000.0,
            -0.0,
        ] {
            let want = edges.partition_point(|&e| !(v < e));
            assert_eq!(l.upper_bound(v), want, "{v}");
        }
    }
}
