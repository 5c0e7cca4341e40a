//! The formula expression tree (an arena, children before parents) and its operators with
//! correctionlib's exact semantics (`src/formula_ast.cc`, `FormulaAst::evaluate`).

use super::libm;
use crate::types::Value;

/// Unary operators and functions (TFormula `UNARYF`, and the unary minus).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum UnOp {
    Neg,
    Log,
    Log10,
    Exp,
    Erf,
    Sqrt,
    Abs,
    Cos,
    Sin,
    Tan,
    Acos,
    Asin,
    Atan,
    Cosh,
    Sinh,
    Tanh,
    Acosh,
    Asinh,
    Atanh,
}

impl UnOp {
    /// The function called `name` in TFormula's grammar.
    pub(crate) fn function(name: &str) -> Option<UnOp> {
        Some(match name {
            "log" => UnOp::Log,
            "log10" => UnOp::Log10,
            "exp" => UnOp::Exp,
            "erf" => UnOp::Erf,
            "sqrt" => UnOp::Sqrt,
            "abs" => UnOp::Abs,
            "cos" => UnOp::Cos,
            "sin" => UnOp::Sin,
            "tan" => UnOp::Tan,
            "acos" => UnOp::Acos,
            "asin" => UnOp::Asin,
            "atan" => UnOp::Atan,
            "cosh" => UnOp::Cosh,
            "sinh" => UnOp::Sinh,
            "tanh" => UnOp::Tanh,
            "acosh" => UnOp::Acosh,
            "asinh" => UnOp::Asinh,
            "atanh" => UnOp::Atanh,
            _ => return None,
        })
    }

    #[inline(always)]
    pub(crate) fn apply(self, x: f64) -> f64 {
        match self {
            UnOp::Neg => -x,
            UnOp::Log => libm::log(x),
            UnOp::Log10 => libm::log10(x),
            UnOp::Exp => libm::exp(x),
            UnOp::Erf => libm::erf(x),
            UnOp::Sqrt => x.sqrt(),
            UnOp::Abs => x.abs(),
            UnOp::Cos => libm::cos(x),
            UnOp::Sin => libm::sin(x),
            UnOp::Tan => libm::tan(x),
            UnOp::Acos => libm::acos(x),
            UnOp::Asin => libm::asin(x),
            UnOp::Atan => libm::atan(x),
            UnOp::Cosh => libm::cosh(x),
            UnOp::Sinh => libm::sinh(x),
            UnOp::Tanh => libm::tanh(x),
            UnOp::Acosh => libm::acosh(x),
            UnOp::Asinh => libm::asinh(x),
            UnOp::Atanh => libm::atanh(x),
        }
    }
}

/// Binary operators and two-argument functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Sub,
    Add,
    Div,
    Mul,
    Pow,
    Atan2,
    Max,
    Min,
}

impl BinOp {
    /// The two-argument function called `name` (TFormula `BINARYF`).
    pub(crate) fn function(name: &str) -> Option<BinOp> {
        Some(match name {
            "atan2" => BinOp::Atan2,
            "pow" => BinOp::Pow,
            "max" => BinOp::Max,
            "min" => BinOp::Min,
            _ => return None,
        })
    }

    /// Precedence of an infix operator (higher binds tighter), as in correctionlib's grammar:
    /// `||` < `&&` < `== !=` < `> < >= <=` < `- +` < `/ *` < `^` (right associative).
    pub(crate) fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne => 3,
            BinOp::Gt | BinOp::Lt | BinOp::Ge | BinOp::Le => 4,
            BinOp::Sub | BinOp::Add => 5,
            BinOp::Div | BinOp::Mul => 6,
            BinOp::Pow | BinOp::Atan2 | BinOp::Max | BinOp::Min => 7,
        }
    }

    #[inline(always)]
    pub(crate) fn apply(self, a: f64, b: f64) -> f64 {
        let truth = |c: bool| if c { 1.0 } else { 0.0 };
        match self {
            BinOp::Or => truth(a != 0.0 || b != 0.0),
            BinOp::And => truth(a != 0.0 && b != 0.0),
            BinOp::Eq => truth(a == b),
            BinOp::Ne => truth(a != b),
            BinOp::Gt => truth(a > b),
            BinOp::Lt => truth(a < b),
            BinOp::Ge => truth(a >= b),
            BinOp::Le => truth(a <= b),
            BinOp::Sub => a - b,
            BinOp::Add => a + b,
            BinOp::Div => a / b,
            BinOp::Mul => a * b,
            BinOp::Pow => libm::pow(a, b),
            BinOp::Atan2 => libm::atan2(a, b),
            // std::max(a, b) is (a < b) ? b : a; std::min(a, b) is (b < a) ? b : a.
            #[allow(clippy::neg_cmp_op_on_partial_ord)]
            BinOp::Max => {
                if a < b {
                    b
                } else {
                    a
                }
            }
            BinOp::Min => {
                if b < a {
                    b
                } else {
                    a
                }
            }
        }
    }
}

/// One node of the tree (a DAG: identical subexpressions are one node); children are
/// indices of earlier nodes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Expr {
    Lit(f64),
    /// An input of the correction, by index.
    Var(usize),
    /// A parameter of a generic formula, given by each FormulaRef.
    Param(usize),
    Unary(UnOp, u32),
    Binary(BinOp, u32, u32),
}

/// A parsed expression.
#[derive(Debug)]
pub(crate) struct Ast {
    pub nodes: Vec<Expr>,
    pub root: u32,
}

impl Ast {
    /// Evaluates the tree on one row (the scalar path; the column path runs the compiled
    /// program). Parameters missing from `params` read as NaN (never: they are checked when
    /// the FormulaRef is built).
    pub(crate) fn eval(&self, values: &[Value<'_>], params: &[f64]) -> f64 {
        self.eval_node(self.root, values, params)
    }

    fn eval_node(&self, id: u32, values: &[Value<'_>], params: &[f64]) -> f64 {
        match self.nodes.get(id as usize) {
            Some(Expr::Lit(v)) => *v,
            Some(Expr::Var(i)) => values.get(*i).map_or(f64::NAN, Value::as_real),
            Some(Expr::Param(p)) => params.get(*p).copied().unwrap_or(f64::NAN),
            Some(Expr::Unary(op, c)) => op.apply(self.eval_node(*c, values, params)),
            Some(Expr::Binary(op, l, r)) => {
                let a = self.eval_node(*l, values, params);
                let b = self.eval_node(*r, values, params);
                op.apply(a, b)
            }
            None => f64::NAN,
        }
    }
}
