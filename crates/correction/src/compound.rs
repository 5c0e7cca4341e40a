//! CompoundCorrection: a stack of corrections applied in turn (`src/correction.cc`,
//! `CompoundCorrection::evaluate`). After each correction of the stack, every input of
//! `inputs_update` is combined with its output by `input_op` (`+`, `*`, `/`), and the
//! outputs are combined by `output_op` (`+`, `*`, `/`, or `last`), starting from the first
//! correction's output (0.0 for an empty stack). Each constituent gets the compound's inputs
//! of its own inputs' names.

use std::borrow::Cow;
use std::sync::Arc;

use crate::columns::{Column, Sel};
use crate::error::CorrectionError;
use crate::evaluator::Evaluator;
use crate::schema::CompoundDoc;
use crate::types::{Value, VarType, Variable};
use crate::validate::{output, variable};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Add,
    Mul,
    Div,
    Last,
}

impl Op {
    fn parse(s: &str, last: bool) -> Option<Op> {
        match s {
            "+" => Some(Op::Add),
            "*" => Some(Op::Mul),
            "/" => Some(Op::Div),
            "last" if last => Some(Op::Last),
            _ => None,
        }
    }

    #[inline(always)]
    fn apply(self, acc: f64, v: f64) -> f64 {
        match self {
            Op::Add => acc + v,
            Op::Mul => acc * v,
            Op::Div => acc / v,
            Op::Last => v,
        }
    }
}

#[derive(Debug)]
struct Stage {
    /// The compound input given to each of the constituent's inputs.
    map: Vec<usize>,
    ev: Arc<Evaluator>,
    /// An input whose type differs between the compound and the constituent (name, the
    /// constituent's type, the compound's): correctionlib loads such a compound and fails
    /// every evaluation that reaches the constituent ("Input x has wrong type").
    mismatch: Option<(String, VarType, VarType)>,
}

impl Stage {
    fn check(&self) -> Result<(), CorrectionError> {
        match &self.mismatch {
            None => Ok(()),
            Some((input, expected, given)) => Err(CorrectionError::ArgType {
                correction: self.ev.name().to_string(),
                input: input.clone(),
                expected: *expected,
                given: format!("{given} values (from the compound correction)"),
            }),
        }
    }
}

/// A compound correction's recipe.
#[derive(Debug)]
pub(crate) struct Compound {
    stack: Vec<Stage>,
    update: Vec<usize>,
    input_op: Op,
    output_op: Op,
}

/// Validates a compound correction (its constituents looked up with `find`) and builds its
/// evaluator.
pub(crate) fn build(
    doc: CompoundDoc,
    find: impl Fn(&str) -> Option<Arc<Evaluator>>,
) -> Result<Evaluator, CorrectionError> {
    let name = doc.name;
    let invalid = |path: &str, what: String| CorrectionError::InvalidStructure {
        correction: name.clone(),
        path: path.to_string(),
        what,
    };
    let inputs = doc
        .inputs
        .into_iter()
        .enumerate()
        .map(|(i, v)| variable(v, &name, &format!("inputs[{i}]")))
        .collect::<Result<Vec<Variable>, _>>()?;
    let out = output(doc.output, &name)?;
    let index = |n: &str, path: &str| {
        inputs.iter().position(|v| v.name == n).ok_or_else(|| {
            invalid(
                path,
                format!("could not find variable {n:?} in the compound correction's inputs"),
            )
        })
    };
    let mut update = Vec::with_capacity(doc.inputs_update.len());
    for (i, n) in doc.inputs_update.iter().enumerate() {
        let path = format!("inputs_update[{i}]");
        let idx = index(n, &path)?;
        if inputs[idx].ty != VarType::Real {
            return Err(invalid(
                &path,
                format!(
                    "updatable inputs must be real-valued, {n:?} is {}",
                    inputs[idx].ty
                ),
            ));
        }
        update.push(idx);
    }
    let input_op = Op::parse(&doc.input_op, false).ok_or_else(|| {
        invalid(
            "input_op",
            format!(
                "invalid input update op {:?} (expected \"+\", \"*\" or \"/\")",
                doc.input_op
            ),
        )
    })?;
    let output_op = Op::parse(&doc.output_op, true).ok_or_else(|| {
        invalid(
            "output_op",
            format!(
                "invalid output update op {:?} (expected \"+\", \"*\", \"/\" or \"last\")",
                doc.output_op
            ),
        )
    })?;
    let mut stack = Vec::with_capacity(doc.stack.len());
    for (i, n) in doc.stack.iter().enumerate() {
        let path = format!("stack[{i}]");
        let ev = find(n).ok_or_else(|| {
            invalid(
                &path,
                format!("constituent {n:?} is not a correction of the set"),
            )
        })?;
        let mut map = Vec::with_capacity(ev.inputs().len());
        let mut mismatch = None;
        for v in ev.inputs() {
            let idx = index(&v.name, &path)?;
            if inputs[idx].ty != v.ty && mismatch.is_none() {
                mismatch = Some((v.name.clone(), v.ty, inputs[idx].ty));
            }
            map.push(idx);
        }
        stack.push(Stage { map, ev, mismatch });
    }
    Ok(Evaluator::compound(
        name.clone(),
        doc.description.unwrap_or_default(),
        inputs,
        out,
        Compound {
            stack,
            update,
            input_op,
            output_op,
        },
    ))
}

impl Compound {
    pub(crate) fn run_columns(
        &self,
        cols: &[Column<'_>],
        len: usize,
    ) -> Result<Vec<f64>, CorrectionError> {
        let all = Sel::Range(0, len);
        let mut ivals: Vec<Column<'_>> = cols.iter().map(|c| c.rebase(all)).collect();
        for &u in &self.update {
            let owned = {
                let mut buf = Vec::new();
                ivals[u].reals(all, &mut buf).to_vec()
            };
            ivals[u] = Column::Real(Cow::Owned(owned));
        }
        let mut out = crate::buffer::zeroed(len);
        for (i, stage) in self.stack.iter().enumerate() {
            stage.check()?;
            let sf = {
                let sub: Vec<Column<'_>> =
                    stage.map.iter().map(|&j| ivals[j].rebase(all)).collect();
                stage.ev.run_columns(&sub, len)?
            };
            for &u in &self.update {
                if let Column::Real(v) = &mut ivals[u] {
                    let op = self.input_op;
                    v.to_mut()
                        .iter_mut()
                        .zip(&sf)
                        .for_each(|(x, &s)| *x = op.apply(*x, s));
                }
            }
            if i == 0 {
                out.copy_from_slice(&sf);
            } else {
                let op = self.output_op;
                out.iter_mut()
                    .zip(&sf)
                    .for_each(|(x, &s)| *x = op.apply(*x, s));
            }
        }
        Ok(out)
    }

    pub(crate) fn run_one(&self, vals: &[Value<'_>], row: usize) -> Result<f64, CorrectionError> {
        let mut ivals = vals.to_vec();
        let mut out = 0.0;
        let mut sub = Vec::new();
        for (i, stage) in self.stack.iter().enumerate() {
            stage.check()?;
            sub.clear();
            sub.extend(stage.map.iter().map(|&j| ivals[j]));
            let sf = stage.ev.run_one(&sub, row)?;
            for &u in &self.update {
                if let Value::Real(x) = &mut ivals[u] {
                    *x = self.input_op.apply(*x, sf);
                }
            }
            out = if i == 0 {
                sf
            } else {
                self.output_op.apply(out, sf)
            };
        }
        Ok(out)
    }
}
