//! TFormula expressions: parsed once ([`parser`]), kept as a tree for the scalar path
//! ([`ast`]) and compiled into a register program run over morsels of rows ([`compile`],
//! [`eval`]).

mod ast;
mod compile;
mod eval;
mod lexer;
mod libm;
mod parser;

use crate::columns::{Column, Sel};
use crate::types::Value;

pub(crate) use eval::CHUNK;
use eval::Params;
pub(crate) use lexer::SyntaxError;

/// A parsed and compiled formula.
#[derive(Debug)]
pub(crate) struct Formula {
    ast: ast::Ast,
    program: compile::Program,
    /// The largest parameter index of a generic formula (`None`: no unbound parameters).
    max_param: Option<usize>,
}

impl Formula {
    /// Parses `expression`; `vars` maps its variables to correction inputs; `bind` gives the
    /// parameters' values, or `None` for a generic formula (parameters given at evaluation).
    pub(crate) fn new(
        expression: &str,
        vars: &[usize],
        bind: Option<&[f64]>,
    ) -> Result<Formula, SyntaxError> {
        let ast = parser::parse(expression, vars, bind)?;
        let max_param = ast
            .nodes
            .iter()
            .filter_map(|e| match e {
                ast::Expr::Param(p) => Some(*p),
                _ => None,
            })
            .max();
        let program = compile::compile(&ast);
        Ok(Formula {
            ast,
            program,
            max_param,
        })
    }

    /// How many parameters a FormulaRef must give (one more than the largest index used).
    pub(crate) fn params_needed(&self) -> usize {
        self.max_param.map_or(0, |p| p + 1)
    }

    /// The formula on one row.
    pub(crate) fn eval_one(&self, values: &[Value<'_>], params: &[f64]) -> f64 {
        self.ast.eval(values, params)
    }

    /// The formula on the rows of `sel`, into `out` (one value per position).
    pub(crate) fn eval_columns(
        &self,
        cols: &[Column<'_>],
        sel: Sel<'_>,
        params: &[f64],
        out: &mut [f64],
    ) {
        let mut scratch = self.scratch(sel.len());
        morsels(sel.len(), |start, end| {
            let out = &mut out[start..end];
            self.morsel(
                cols,
                sel.sub(start, end),
                Params::Fixed(params),
                out,
                &mut scratch,
            );
        });
    }

    /// The formula on the rows of `sel` with parameters per row: position k takes
    /// parameter p from `columns[p][slots[k]]`.
    pub(crate) fn eval_columns_by_slot(
        &self,
        cols: &[Column<'_>],
        sel: Sel<'_>,
        columns: &[Vec<f64>],
        slots: &[u32],
        out: &mut [f64],
    ) {
        let mut scratch = self.scratch(sel.len());
        morsels(sel.len(), |start, end| {
            let (part, out) = (sel.sub(start, end), &mut out[start..end]);
            self.morsel_by_slot(cols, part, columns, &slots[start..end], out, &mut scratch);
        });
    }

    /// Buffers to run the formula on morsels of up to `rows` rows (at most [`CHUNK`]).
    pub(crate) fn scratch(&self, rows: usize) -> Scratch {
        let stride = rows.clamp(1, CHUNK);
        Scratch {
            stride,
            regs: vec![0.0; self.program.nregs * stride],
            vars: vec![Vec::new(); self.program.vars.len()],
            params: Vec::new(),
        }
    }

    /// The formula on the rows of `part` (a morsel), parameter p of position k from
    /// `columns[p][slots[k]]`.
    pub(crate) fn morsel_by_slot(
        &self,
        cols: &[Column<'_>],
        part: Sel<'_>,
        columns: &[Vec<f64>],
        slots: &[u32],
        out: &mut [f64],
        scratch: &mut Scratch,
    ) {
        self.morsel_by(cols, part, columns, slots, out, scratch);
    }

    /// [`Formula::morsel_by_slot`] with 64-bit indices.
    pub(crate) fn morsel_by_index(
        &self,
        cols: &[Column<'_>],
        part: Sel<'_>,
        columns: &[Vec<f64>],
        index: &[u64],
        out: &mut [f64],
        scratch: &mut Scratch,
    ) {
        self.morsel_by(cols, part, columns, index, out, scratch);
    }

    /// The formula on the rows of `part`, parameters per row gathered by `index`.
    fn morsel_by<I: Copy + Into<u64>>(
        &self,
        cols: &[Column<'_>],
        part: Sel<'_>,
        columns: &[Vec<f64>],
        index: &[I],
        out: &mut [f64],
        scratch: &mut Scratch,
    ) {
        let mut params = std::mem::take(&mut scratch.params);
        params.resize_with(columns.len(), Vec::new);
        for (col, buf) in columns.iter().zip(params.iter_mut()) {
            buf.clear();
            // Indices past the column (never: every slot has its parameters) read NaN.
            buf.extend(index.iter().map(|&i| {
                usize::try_from(i.into())
                    .ok()
                    .and_then(|i| col.get(i))
                    .copied()
                    .unwrap_or(f64::NAN)
            }));
        }
        let views: Vec<&[f64]> = params.iter().map(Vec::as_slice).collect();
        self.morsel(cols, part, Params::Rows(&views), out, scratch);
        drop(views);
        scratch.params = params;
    }

    /// Runs the program on the rows of `part` (the scratch grows if they are more than it
    /// has room for).
    fn morsel(
        &self,
        cols: &[Column<'_>],
        part: Sel<'_>,
        params: Params<'_>,
        out: &mut [f64],
        scratch: &mut Scratch,
    ) {
        let p = &self.program;
        let Scratch {
            stride, regs, vars, ..
        } = scratch;
        if part.len() > *stride {
            *stride = part.len();
            regs.resize(p.nregs * *stride, 0.0);
        }
        let views: Vec<&[f64]> = p
            .vars
            .iter()
            .zip(vars.iter_mut())
            .map(|(&input, buf)| match cols.get(input) {
                Some(c) => c.reals(part, buf),
                None => &[],
            })
            .collect();
        p.run(regs, *stride, &views, params, part.len(), out);
    }
}

/// Calls `f(start, end)` for the morsels of `0..n`.
fn morsels(n: usize, mut f: impl FnMut(usize, usize)) {
    let mut start = 0;
    while start < n {
        let end = (start + CHUNK).min(n);
        f(start, end);
        start = end;
    }
}

/// Registers and gathered inputs of a formula run morsel by morsel.
pub(crate) struct Scratch {
    stride: usize,
    regs: Vec<f64>,
    vars: Vec<Vec<f64>>,
    params: Vec<Vec<f64>>,
}
