//! Binning and MultiBinning nodes on whole columns (bin indices as in [`crate::edges`]):
//! through their lookup table ([`crate::lookup`]) when they have one (any flow but `wrap`,
//! a table of bounded size) and no row fails, else bin index by bin index.
//!
//! What an index of n (the number of bins; a uniform value just below `high` can round to
//! it) and 2^63 (`(size_t)NaN`) read, as correctionlib's code reads them on x86-64:
//! - Binning keeps a default slot after the bins (the flow content, or 0.0 when flow is a
//!   keyword): index n reads it; 2^63 reads bin 0 (the address computation wraps).
//! - MultiBinning returns `content.back()` (the flow content, or the last bin) for n on any
//!   axis, and adds `2^63 * stride` (wrapping) for NaN, which fails `content.at()` unless it
//!   wraps to zero.

use crate::columns::{Column, Sel};
use crate::edges::{BinError, Edges, Flow};
use crate::eval::{EvalError, dispatch, eval_node, eval_one};
use crate::formula::CHUNK;
use crate::lookup::{Lookup, eval_lookup};
use crate::node::{Node, SharedFormula, const_table};
use crate::types::Value;

fn bin_error(e: BinError, input: usize, value: f64) -> EvalError {
    match e {
        BinError::Below => EvalError::OutOfRange {
            input,
            value,
            above: false,
        },
        BinError::Above => EvalError::OutOfRange {
            input,
            value,
            above: true,
        },
        BinError::Unwrappable => EvalError::Unevaluable {
            input,
            value: value.to_string(),
            what: "flow \"wrap\" cannot place this value in the binning range",
        },
    }
}

/// A one-dimensional binning.
#[derive(Debug)]
pub(crate) struct Binning {
    pub input: usize,
    pub edges: Edges,
    pub flow: Flow,
    /// The bins' contents, then the default slot (the flow content, or 0.0).
    pub slots: Vec<Node>,
    /// The slots' values when all are numbers.
    pub table: Option<Vec<f64>>,
    pub shared: Option<SharedFormula>,
    /// The slot of every code (any flow but `wrap`).
    pub lookup: Option<Lookup>,
}

impl Binning {
    /// The binning of `input` over `edges` (`slots`: the bins' contents, then the default
    /// slot).
    pub(crate) fn new(input: usize, edges: Edges, flow: Flow, slots: Vec<Node>) -> Binning {
        let table = const_table(&slots);
        let shared = SharedFormula::of(&slots);
        let mut b = Binning {
            input,
            edges,
            flow,
            slots,
            table,
            shared,
            lookup: None,
        };
        if flow != Flow::Wrap {
            let (table, shared) = (b.table.as_deref(), b.shared.as_ref());
            b.lookup = Lookup::new(&[&b.edges], &b.slots, table, shared, |c| {
                Some(b.slot(b.edges.decode(c[0], flow).ok()?))
            });
        }
        b
    }

    /// The slot of a raw index (2^63, from NaN, reads slot 0 as correctionlib's does).
    #[inline(always)]
    fn slot(&self, raw: u64) -> usize {
        if raw < self.slots.len() as u64 {
            raw as usize
        } else {
            0
        }
    }

    fn child(&self, v: f64) -> Result<&Node, EvalError> {
        let raw = self
            .edges
            .find(v, self.flow)
            .map_err(|e| bin_error(e, self.input, v))?;
        Ok(&self.slots[self.slot(raw)])
    }

    pub(crate) fn eval_one(&self, vals: &[Value<'_>]) -> Result<f64, EvalError> {
        let v = vals.get(self.input).map_or(f64::NAN, Value::as_real);
        eval_one(self.child(v)?, vals)
    }

    pub(crate) fn eval_columns(
        &self,
        cols: &[Column<'_>],
        sel: Sel<'_>,
        out: &mut [f64],
    ) -> Result<(), EvalError> {
        let Some(col) = cols.get(self.input) else {
            return Ok(());
        };
        if col.is_const() {
            return eval_node(self.child(col.value_at(0).as_real())?, cols, sel, out);
        }
        if let Some(lk) = &self.lookup {
            let mut buf = Vec::new();
            let done = eval_lookup(
                lk,
                &self.slots,
                self.shared.as_ref(),
                cols,
                sel,
                out,
                |part, ahead, local, flat| {
                    Lookup::fold(&self.edges, true, col.reals(part, &mut buf), local, flat);
                    col.touch(ahead);
                },
            )?;
            if done {
                return Ok(());
            }
        }
        let n = sel.len();
        let mut buf = Vec::new();
        let mut raw = [0u64; CHUNK];
        let mut slots: Vec<u32> = Vec::new();
        if self.table.is_none() {
            slots.reserve(n);
        }
        let mut start = 0;
        while start < n {
            let end = (start + CHUNK).min(n);
            let vals = col.reals(sel.sub(start, end), &mut buf);
            let raw = &mut raw[..end - start];
            self.edges
                .indices(vals, self.flow, raw)
                .map_err(|(k, e)| bin_error(e, self.input, vals[k]))?;
            match &self.table {
                Some(table) => {
                    for (o, &r) in out[start..end].iter_mut().zip(raw.iter()) {
                        *o = table[self.slot(r)];
                    }
                }
                None => slots.extend(raw.iter().map(|&r| self.slot(r) as u32)),
            }
            start = end;
        }
        if self.table.is_some() {
            return Ok(());
        }
        dispatch(&self.slots, self.shared.as_ref(), &slots, cols, sel, out)
    }
}

/// One axis of a MultiBinning.
#[derive(Debug)]
pub(crate) struct Axis {
    pub input: usize,
    /// Bins of the later axes (C order).
    pub stride: u64,
    pub edges: Edges,
}

/// An n-dimensional binning (C-ordered content).
#[derive(Debug)]
pub(crate) struct MultiBinning {
    pub axes: Vec<Axis>,
    pub flow: Flow,
    /// The contents, then the flow content when flow is a value.
    pub slots: Vec<Node>,
    pub table: Option<Vec<f64>>,
    pub shared: Option<SharedFormula>,
    /// The slot of every combination of the axes' codes (any flow but `wrap`).
    pub lookup: Option<Lookup>,
}

impl MultiBinning {
    /// The binning over `axes` (strides set), `slots` its contents then the flow content.
    pub(crate) fn new(axes: Vec<Axis>, flow: Flow, slots: Vec<Node>) -> MultiBinning {
        let table = const_table(&slots);
        let shared = SharedFormula::of(&slots);
        let mut b = MultiBinning {
            axes,
            flow,
            slots,
            table,
            shared,
            lookup: None,
        };
        if flow != Flow::Wrap {
            let edges: Vec<&Edges> = b.axes.iter().map(|a| &a.edges).collect();
            let (table, shared) = (b.table.as_deref(), b.shared.as_ref());
            b.lookup = Lookup::new(&edges, &b.slots, table, shared, |codes| {
                let mut idx: u64 = 0;
                for (axis, &c) in b.axes.iter().zip(codes) {
                    let local = axis.edges.decode(c, flow).ok()?;
                    if local == axis.edges.nbins() as u64 {
                        return Some(b.back());
                    }
                    idx = idx.wrapping_add(local.wrapping_mul(axis.stride));
                }
                usize::try_from(idx).ok()
            });
        }
        b
    }

    /// correctionlib's `content_.back()`: the flow content, or the last bin's content.
    fn back(&self) -> usize {
        self.slots.len() - 1
    }

    /// The error of an index past the content (a NaN on a uniform axis).
    fn index_error(&self, value_of: impl Fn(usize) -> f64) -> EvalError {
        let axis = self
            .axes
            .iter()
            .find(|a| value_of(a.input).is_nan())
            .or(self.axes.first());
        EvalError::Unevaluable {
            input: axis.map_or(0, |a| a.input),
            value: axis.map_or(f64::NAN, |a| value_of(a.input)).to_string(),
            what: "the bin index is out of range (NaN on a uniform axis)",
        }
    }

    pub(crate) fn eval_one(&self, vals: &[Value<'_>]) -> Result<f64, EvalError> {
        let value = |i: usize| vals.get(i).map_or(f64::NAN, Value::as_real);
        let mut idx: u64 = 0;
        for axis in &self.axes {
            let v = value(axis.input);
            let local = axis
                .edges
                .find(v, self.flow)
                .map_err(|e| bin_error(e, axis.input, v))?;
            if local == axis.edges.nbins() as u64 {
                return eval_one(&self.slots[self.back()], vals);
            }
            idx = idx.wrapping_add(local.wrapping_mul(axis.stride));
        }
        match usize::try_from(idx).ok().and_then(|i| self.slots.get(i)) {
            Some(node) => eval_one(node, vals),
            None => Err(self.index_error(value)),
        }
    }

    /// Adds axis `axis`'s contribution for the rows of a morsel: `flat` accumulates the
    /// index, `dflt` marks rows that already chose `content.back()` (later axes are not
    /// looked at for them, as correctionlib returns at once).
    fn axis_indices(
        &self,
        axis: &Axis,
        vals: &[f64],
        local: &mut [u64],
        flat: &mut [u64],
        dflt: &mut [bool],
    ) -> Result<(), EvalError> {
        let nbins = axis.edges.nbins() as u64;
        if axis.edges.indices(vals, self.flow, local).is_err() {
            // A value out of range: an error unless its row already took the default.
            for (k, &v) in vals.iter().enumerate() {
                local[k] = match axis.edges.find(v, self.flow) {
                    Ok(l) => l,
                    Err(_) if dflt[k] => nbins,
                    Err(e) => return Err(bin_error(e, axis.input, v)),
                };
            }
        }
        for ((f, d), &l) in flat.iter_mut().zip(dflt.iter_mut()).zip(local.iter()) {
            *d |= l == nbins;
            *f = f.wrapping_add(l.wrapping_mul(axis.stride));
        }
        Ok(())
    }

    pub(crate) fn eval_columns(
        &self,
        cols: &[Column<'_>],
        sel: Sel<'_>,
        out: &mut [f64],
    ) -> Result<(), EvalError> {
        if let Some(lk) = &self.lookup
            && self.axes.iter().all(|a| a.input < cols.len())
        {
            let mut buf = Vec::new();
            let done = eval_lookup(
                lk,
                &self.slots,
                self.shared.as_ref(),
                cols,
                sel,
                out,
                |part, ahead, local, flat| {
                    for (i, axis) in self.axes.iter().enumerate() {
                        if let Some(col) = cols.get(axis.input) {
                            let vals = col.reals(part, &mut buf);
                            Lookup::fold(&axis.edges, i == 0, vals, local, flat);
                            col.touch(ahead);
                        }
                    }
                },
            )?;
            if done {
                return Ok(());
            }
        }
        let n = sel.len();
        let back = self.back();
        let count = self.slots.len() as u64;
        let mut slots: Vec<u32> = Vec::new();
        if self.table.is_none() {
            slots.reserve(n);
        }
        let mut buf = Vec::new();
        let mut local = [0u64; CHUNK];
        let mut flat = [0u64; CHUNK];
        let mut dflt = [false; CHUNK];
        let mut start = 0;
        while start < n {
            let end = (start + CHUNK).min(n);
            let m = end - start;
            let part = sel.sub(start, end);
            flat[..m].fill(0);
            dflt[..m].fill(false);
            for axis in &self.axes {
                let Some(col) = cols.get(axis.input) else {
                    continue;
                };
                let vals = col.reals(part, &mut buf);
                self.axis_indices(axis, vals, &mut local[..m], &mut flat[..m], &mut dflt[..m])?;
            }
            for k in 0..m {
                let s = if dflt[k] {
                    back
                } else if flat[k] < count {
                    flat[k] as usize
                } else {
                    let row = part.row(k);
                    return Err(self.index_error(|i| {
                        cols.get(i).map_or(f64::NAN, |c| c.value_at(row).as_real())
                    }));
                };
                match &self.table {
                    Some(table) => out[start + k] = table[s],
                    None => slots.push(s as u32),
                }
            }
            start = end;
        }
        if self.table.is_some() {
            return Ok(());
        }
        dispatch(&self.slots, self.shared.as_ref(), &slots, cols, sel, out)
    }
}
