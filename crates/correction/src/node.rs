//! Content nodes as the evaluator holds them: input names resolved to indices, formulas
//! compiled, lookup tables precomputed.

use std::sync::Arc;

use crate::binning::{Binning, MultiBinning};
use crate::category::Category;
use crate::formula::Formula;
use crate::hashprng::HashPrng;

/// One content node.
#[derive(Debug)]
pub(crate) enum Node {
    Const(f64),
    Binning(Box<Binning>),
    MultiBinning(Box<MultiBinning>),
    Category(Box<Category>),
    Formula(Box<FormulaNode>),
    Transform(Box<Transform>),
    HashPrng(Box<HashPrng>),
}

impl Node {
    /// The node's value when it is a number.
    pub(crate) fn as_const(&self) -> Option<f64> {
        match self {
            Node::Const(v) => Some(*v),
            _ => None,
        }
    }
}

/// The values of `nodes` when every one is a number (a lookup table for the node holding
/// them).
pub(crate) fn const_table<'n>(nodes: impl IntoIterator<Item = &'n Node>) -> Option<Vec<f64>> {
    nodes.into_iter().map(Node::as_const).collect()
}

/// The children of a node that are FormulaRefs to one generic formula (as JEC's bins are):
/// the formula is then evaluated once over the rows of all of them, each row with its
/// child's parameters, instead of once per child on gathered rows.
#[derive(Debug)]
pub(crate) struct SharedFormula {
    pub formula: Arc<Formula>,
    /// Parameter p of every child: `columns[p][child]` (NaN for children that are not this
    /// formula).
    pub columns: Vec<Vec<f64>>,
    /// Per child: `MEMBER` (this formula), `CONSTANT` (a number) or `OTHER`.
    pub kind: Vec<u8>,
}

impl SharedFormula {
    pub(crate) const MEMBER: u8 = 0;
    pub(crate) const CONSTANT: u8 = 1;
    pub(crate) const OTHER: u8 = 2;

    /// The shared formula of `children`, when at least two reference the same generic
    /// formula and no other formula is among them.
    pub(crate) fn of(children: &[Node]) -> Option<SharedFormula> {
        let mut formula: Option<&Arc<Formula>> = None;
        let mut count = 0;
        let mut nparams = 0;
        for c in children {
            if let Node::Formula(f) = c {
                match formula {
                    None => formula = Some(&f.formula),
                    Some(g) if Arc::ptr_eq(g, &f.formula) => {}
                    Some(_) => return None,
                }
                count += 1;
                nparams = nparams.max(f.params.len());
            }
        }
        let formula = Arc::clone(formula.filter(|_| count >= 2 && nparams > 0)?);
        let mut columns = vec![vec![f64::NAN; children.len()]; nparams];
        let mut kind = vec![SharedFormula::OTHER; children.len()];
        for (i, c) in children.iter().enumerate() {
            match c {
                Node::Formula(f) => {
                    for (col, &v) in columns.iter_mut().zip(&f.params) {
                        col[i] = v;
                    }
                    kind[i] = SharedFormula::MEMBER;
                }
                Node::Const(_) => kind[i] = SharedFormula::CONSTANT,
                _ => {}
            }
        }
        Some(SharedFormula {
            formula,
            columns,
            kind,
        })
    }
}

/// A Formula (parameters bound in the program), or a FormulaRef (a shared generic formula
/// and its parameters).
#[derive(Debug)]
pub(crate) struct FormulaNode {
    pub formula: Arc<Formula>,
    pub params: Vec<f64>,
}

/// Evaluates `content` with input `input` replaced by the value of `rule` (rounded to an
/// integer for an int input, as correctionlib does).
#[derive(Debug)]
pub(crate) struct Transform {
    pub input: usize,
    pub rule: Node,
    pub content: Node,
}

/// C++ `(int64_t) std::round(x)` on x86-64: values out of range and NaN give i64::MIN (the
/// "integer indefinite" of `cvttsd2si`).
pub(crate) fn round_to_i64(x: f64) -> i64 {
    const TWO_POW_63: f64 = (1u64 << 63) as f64;
    let r = x.round();
    if (-TWO_POW_63..TWO_POW_63).contains(&r) {
        r as i64
    } else {
        i64::MIN
    }
}
