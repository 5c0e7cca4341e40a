//! TFormula expressions parsed as correctionlib's PEG grammar parses them
//! (`src/formula_ast.cc`):
//!
//! ```text
//! EXPRESSION <- ATOM (BINARYOP ATOM)*      (precedence climbing, `^` right associative)
//! ATOM       <- LITERAL / UATOM
//! UATOM      <- '-'? ( CALLU / CALLB / NAME / '(' EXPRESSION ')' )
//! CALLU      <- UNARYF '(' EXPRESSION ')'
//! CALLB      <- BINARYF '(' EXPRESSION ',' EXPRESSION ')'
//! ```
//!
//! So `-x^2` is `(-x)^2` and `-2^2` is `(-2)^2` (the minus binds first), `- 2` and `--x` are
//! errors, and `2*-3` is fine. Variables `x`, `y`, `z`, `t`, `x[i]` are the formula's
//! `variables` 0, 1, 2, 3, i; `[i]` is parameter i (bound to its value, or left as a
//! parameter for generic formulas).

use std::collections::HashMap;

use super::ast::{Ast, BinOp, Expr, UnOp};
use super::lexer::{SyntaxError, Tok, Token, lex};
use crate::{MAX_FORMULA_DEPTH, MAX_FORMULA_NESTING};

/// Parses `expr`: `vars` maps the formula's variables to correction inputs, `bind` gives the
/// parameters' values (`None` for a generic formula).
pub(crate) fn parse(expr: &str, vars: &[usize], bind: Option<&[f64]>) -> Result<Ast, SyntaxError> {
    let toks = lex(expr)?;
    let end = expr.chars().count();
    let mut p = Parser {
        toks,
        pos: 0,
        end,
        nodes: Vec::new(),
        depth: Vec::new(),
        seen: HashMap::new(),
        nesting: 0,
        vars,
        bind,
    };
    let root = p.expression(1)?;
    if let Some(t) = p.toks.get(p.pos) {
        return Err(err(t.start, "expected an operator"));
    }
    Ok(Ast {
        nodes: p.nodes,
        root,
    })
}

#[cold]
#[inline(never)]
fn err(pos: usize, message: &str) -> SyntaxError {
    SyntaxError {
        pos,
        message: message.to_string(),
    }
}

#[cold]
#[inline(never)]
fn unknown_name(name: &str, at: usize) -> SyntaxError {
    SyntaxError {
        pos: at,
        message: format!(
            "unknown name {name:?} (variables are x, y, z, t, x[i]; functions log, log10, exp, \
             erf, sqrt, abs, cos, sin, tan, acos, asin, atan, cosh, sinh, tanh, acosh, asinh, \
             atanh, atan2, pow, max, min)"
        ),
    }
}

#[cold]
#[inline(never)]
fn missing_parameter(index: usize, given: usize, at: usize) -> SyntaxError {
    SyntaxError {
        pos: at,
        message: format!("insufficient parameters for formula: [{index}] used, {given} given"),
    }
}

#[cold]
#[inline(never)]
fn too_deep(at: usize) -> SyntaxError {
    SyntaxError {
        pos: at,
        message: format!("the expression is nested more than {MAX_FORMULA_DEPTH} deep"),
    }
}

#[cold]
#[inline(never)]
fn too_nested(at: usize) -> SyntaxError {
    SyntaxError {
        pos: at,
        message: format!(
            "parentheses, calls, minus signs and '^' are nested more than {MAX_FORMULA_NESTING} deep"
        ),
    }
}

#[cold]
#[inline(never)]
fn expected(at: usize, what: &str) -> SyntaxError {
    SyntaxError {
        pos: at,
        message: format!("expected {what}"),
    }
}

/// A node's identity: literals by their bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Lit(u64),
    Var(usize),
    Param(usize),
    Unary(UnOp, u32),
    Binary(BinOp, u32, u32),
}

impl Key {
    fn of(e: Expr) -> Key {
        match e {
            Expr::Lit(v) => Key::Lit(v.to_bits()),
            Expr::Var(i) => Key::Var(i),
            Expr::Param(p) => Key::Param(p),
            Expr::Unary(op, c) => Key::Unary(op, c),
            Expr::Binary(op, l, r) => Key::Binary(op, l, r),
        }
    }
}

/// What a primary expression starts with.
enum Primary {
    Call1(Option<UnOp>),
    Call2(Option<BinOp>),
    Var(usize),
    Param(usize),
    Paren,
}

struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    /// Character length of the expression (the position of "end of input").
    end: usize,
    nodes: Vec<Expr>,
    /// Height of each node's subtree.
    depth: Vec<usize>,
    /// The node of each distinct expression.
    seen: HashMap<Key, u32>,
    /// Current recursion depth of `expression` (each level of parentheses, call, minus sign
    /// or `^` is one).
    nesting: usize,
    vars: &'a [usize],
    bind: Option<&'a [f64]>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn here(&self) -> usize {
        self.peek().map_or(self.end, |t| t.start)
    }

    /// Adds a node, or finds the identical one (common subexpressions are computed once:
    /// every node is a pure function of its children).
    fn push(&mut self, e: Expr, at: usize) -> Result<u32, SyntaxError> {
        // `pow(a, 2)` (and `a^2`) is `a*a`: one multiply, correctly rounded, where glibc's
        // `pow` may differ by one unit in the last place (formulas are compared with
        // correctionlib to 1e-12 relative, not bit for bit), at a fraction of the cost.
        let e = match e {
            Expr::Binary(BinOp::Pow, l, r) if matches!(self.nodes.get(r as usize), Some(Expr::Lit(v)) if *v == 2.0) => {
                Expr::Binary(BinOp::Mul, l, l)
            }
            other => other,
        };
        let key = Key::of(e);
        if let Some(&id) = self.seen.get(&key) {
            return Ok(id);
        }
        let child_depth = |i: u32| self.depth.get(i as usize).copied().unwrap_or(0);
        let d = 1 + match e {
            Expr::Unary(_, c) => child_depth(c),
            Expr::Binary(_, l, r) => child_depth(l).max(child_depth(r)),
            _ => 0,
        };
        if d > MAX_FORMULA_DEPTH {
            return Err(too_deep(at));
        }
        let id =
            u32::try_from(self.nodes.len()).map_err(|_| err(at, "the expression is too long"))?;
        self.nodes.push(e);
        self.depth.push(d);
        self.seen.insert(key, id);
        Ok(id)
    }

    fn expect_token(&mut self, tok: &Tok, what: &str) -> Result<(), SyntaxError> {
        match self.peek() {
            Some(t) if &t.tok == tok => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(expected(self.here(), what)),
        }
    }

    fn binop(&self) -> Option<BinOp> {
        match self.peek().map(|t| &t.tok) {
            Some(Tok::Minus) => Some(BinOp::Sub),
            Some(Tok::Op(op)) => Some(*op),
            _ => None,
        }
    }

    /// EXPRESSION with operators of precedence at least `min_prec`.
    fn expression(&mut self, min_prec: u8) -> Result<u32, SyntaxError> {
        self.nesting += 1;
        if self.nesting > MAX_FORMULA_NESTING {
            return Err(too_nested(self.here()));
        }
        let mut lhs = self.atom()?;
        while let Some(op) = self.binop() {
            let prec = op.precedence();
            if prec < min_prec {
                break;
            }
            let at = self.here();
            self.pos += 1;
            let next = if op == BinOp::Pow { prec } else { prec + 1 };
            let rhs = self.expression(next)?;
            lhs = self.push(Expr::Binary(op, lhs, rhs), at)?;
        }
        self.nesting -= 1;
        Ok(lhs)
    }

    /// ATOM: a literal (with its minus when they touch), or an optionally negated UATOM.
    /// (This and `primary` recurse once per nesting level: they keep small frames, errors
    /// are built out of line.)
    fn atom(&mut self) -> Result<u32, SyntaxError> {
        let at = self.here();
        match self.peek().map(|t| &t.tok) {
            Some(Tok::Num(v)) => {
                let v = *v;
                self.pos += 1;
                self.push(Expr::Lit(v), at)
            }
            Some(Tok::Minus) => {
                let minus_end = self.peek().map_or(0, |t| t.end);
                self.pos += 1;
                // LITERAL <- '-'? [0-9]+ ... : '-2' is the number -2 (C++ reads the signed
                // token; strtod is symmetric, overflow gives -DBL_MAX).
                if let Some(Token {
                    tok: Tok::Num(v),
                    start,
                    ..
                }) = self.peek()
                    && *start == minus_end
                {
                    let v = *v;
                    self.pos += 1;
                    return self.push(Expr::Lit(-v), at);
                }
                let operand = self.primary()?;
                self.push(Expr::Unary(UnOp::Neg, operand), at)
            }
            _ => self.primary(),
        }
    }

    /// CALLU / CALLB / NAME / '(' EXPRESSION ')'.
    fn primary(&mut self) -> Result<u32, SyntaxError> {
        let at = self.here();
        let followed_by_paren = matches!(
            self.toks.get(self.pos + 1),
            Some(Token {
                tok: Tok::LParen,
                ..
            })
        );
        let what = match self.peek().map(|t| &t.tok) {
            None => return Err(err(self.end, "unexpected end of the expression")),
            Some(Tok::Name(name)) => match (followed_by_paren, name.as_str()) {
                (true, n) if UnOp::function(n).is_some() => Primary::Call1(UnOp::function(n)),
                (true, n) if BinOp::function(n).is_some() => Primary::Call2(BinOp::function(n)),
                (_, "x") => Primary::Var(0),
                (_, "y") => Primary::Var(1),
                (_, "z") => Primary::Var(2),
                (_, "t") => Primary::Var(3),
                (_, n) => return Err(unknown_name(n, at)),
            },
            Some(Tok::VarIndex(index)) => Primary::Var(*index),
            Some(Tok::Param(index)) => Primary::Param(*index),
            Some(Tok::LParen) => Primary::Paren,
            Some(_) => {
                return Err(err(
                    at,
                    "expected a variable, a parameter, a function call or '('",
                ));
            }
        };
        self.pos += 1;
        match what {
            Primary::Call1(Some(op)) => {
                self.pos += 1;
                let arg = self.expression(1)?;
                self.expect_token(&Tok::RParen, "')'")?;
                self.push(Expr::Unary(op, arg), at)
            }
            Primary::Call2(Some(op)) => {
                self.pos += 1;
                let a = self.expression(1)?;
                self.expect_token(&Tok::Comma, "','")?;
                let b = self.expression(1)?;
                self.expect_token(&Tok::RParen, "')'")?;
                self.push(Expr::Binary(op, a, b), at)
            }
            Primary::Call1(None) | Primary::Call2(None) => Err(err(at, "unknown function")),
            Primary::Var(index) => self.variable(index, at),
            Primary::Param(index) => {
                let e = match self.bind {
                    Some(params) => match params.get(index) {
                        Some(v) => Expr::Lit(*v),
                        None => return Err(missing_parameter(index, params.len(), at)),
                    },
                    None => Expr::Param(index),
                };
                self.push(e, at)
            }
            Primary::Paren => {
                let e = self.expression(1)?;
                self.expect_token(&Tok::RParen, "')'")?;
                Ok(e)
            }
        }
    }

    fn variable(&mut self, index: usize, at: usize) -> Result<u32, SyntaxError> {
        match self.vars.get(index) {
            Some(&input) => self.push(Expr::Var(input), at),
            None => Err(missing_variable(index, self.vars.len(), at)),
        }
    }
}

#[cold]
#[inline(never)]
fn missing_variable(index: usize, listed: usize, at: usize) -> SyntaxError {
    SyntaxError {
        pos: at,
        message: format!(
            "insufficient variables for formula: variable {index} used, {listed} listed"
        ),
    }
}
