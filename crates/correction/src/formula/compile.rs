//! The expression tree compiled once into a register program: each instruction applies one
//! operator to whole slices of rows (registers of up to `CHUNK` rows, the formula's input
//! columns, constants and parameters). Registers are allocated Sethi–Ullman style (the child
//! needing more registers first, results reusing a freed operand register), so a formula
//! needs about log2(size) registers, not one per node; a subexpression used twice (the parser
//! shares identical ones, as `log10(x)` in JEC formulas) is computed once and its register
//! kept until its last use.

use super::ast::{Ast, BinOp, Expr, UnOp};

/// Where an instruction reads a value from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Operand {
    /// A register (a slice of rows).
    Reg(u32),
    /// The same value for every row.
    Const(f64),
    /// The formula's i-th distinct input column (`Program::vars[i]` is its input index).
    Var(u32),
    /// A parameter of a generic formula (a FormulaRef's value, the same for every row).
    Param(usize),
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum OpKind {
    Un(UnOp),
    Bin(BinOp),
}

/// `dst = op(a)` or `dst = op(a, b)`, row by row.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Instr {
    pub op: OpKind,
    pub dst: u32,
    pub a: Operand,
    pub b: Operand,
}

#[derive(Debug)]
pub(crate) struct Program {
    pub instrs: Vec<Instr>,
    pub nregs: usize,
    /// Where the result is (a register, or a leaf when the formula is one).
    pub result: Operand,
    /// The input index of each `Operand::Var`.
    pub vars: Vec<usize>,
}

/// Compiles `ast` into a program.
pub(crate) fn compile(ast: &Ast) -> Program {
    let len = ast.nodes.len();
    // Registers each subtree needs (children come before parents in the arena), and how
    // many parents use each node (shared subexpressions have several).
    let mut need = vec![0u32; len];
    let mut uses = vec![0u32; len];
    for (i, e) in ast.nodes.iter().enumerate() {
        let get = |c: u32| need.get(c as usize).copied().unwrap_or(0);
        need[i] = match *e {
            Expr::Lit(_) | Expr::Var(_) | Expr::Param(_) => 0,
            Expr::Unary(_, c) => get(c).max(1),
            Expr::Binary(_, l, r) => {
                let (a, b) = (get(l), get(r));
                if a == b {
                    a.max(1) + u32::from(a > 0)
                } else {
                    a.max(b)
                }
            }
        };
        match *e {
            Expr::Unary(_, c) => uses[c as usize] += 1,
            Expr::Binary(_, l, r) => {
                uses[l as usize] += 1;
                uses[r as usize] += 1;
            }
            _ => {}
        }
    }
    if let Some(u) = uses.get_mut(ast.root as usize) {
        *u += 1;
    }
    let mut c = Compiler {
        ast,
        need,
        uses,
        done: vec![None; len],
        instrs: Vec::new(),
        free: Vec::new(),
        nregs: 0,
        vars: Vec::new(),
    };
    let result = c.emit(ast.root);
    Program {
        instrs: c.instrs,
        nregs: c.nregs as usize,
        result,
        vars: c.vars,
    }
}

struct Compiler<'a> {
    ast: &'a Ast,
    need: Vec<u32>,
    /// Uses of each node not yet emitted.
    uses: Vec<u32>,
    /// Where each computed node's value is.
    done: Vec<Option<Operand>>,
    instrs: Vec<Instr>,
    free: Vec<u32>,
    nregs: u32,
    vars: Vec<usize>,
}

impl Compiler<'_> {
    fn alloc(&mut self) -> u32 {
        self.free.pop().unwrap_or_else(|| {
            self.nregs += 1;
            self.nregs - 1
        })
    }

    /// One use of node `id`'s value is done: its register is free after the last.
    fn release(&mut self, id: u32, op: Operand) {
        if let Some(u) = self.uses.get_mut(id as usize) {
            *u = u.saturating_sub(1);
            if *u == 0
                && let Operand::Reg(r) = op
            {
                self.free.push(r);
            }
        }
    }

    fn var(&mut self, input: usize) -> Operand {
        let slot = match self.vars.iter().position(|&v| v == input) {
            Some(s) => s,
            None => {
                self.vars.push(input);
                self.vars.len() - 1
            }
        };
        Operand::Var(slot as u32)
    }

    fn need(&self, id: u32) -> u32 {
        self.need.get(id as usize).copied().unwrap_or(0)
    }

    /// The operand holding node `id`'s value (computed the first time it is asked for).
    fn emit(&mut self, id: u32) -> Operand {
        if let Some(Some(op)) = self.done.get(id as usize) {
            return *op;
        }
        let Some(&e) = self.ast.nodes.get(id as usize) else {
            return Operand::Const(f64::NAN);
        };
        let op = match e {
            Expr::Lit(v) => Operand::Const(v),
            Expr::Var(i) => self.var(i),
            Expr::Param(p) => Operand::Param(p),
            Expr::Unary(op, child) => {
                let a = self.emit(child);
                self.release(child, a);
                let dst = self.alloc();
                self.instrs.push(Instr {
                    op: OpKind::Un(op),
                    dst,
                    a,
                    b: Operand::Const(0.0),
                });
                Operand::Reg(dst)
            }
            Expr::Binary(op, l, r) => {
                let (a, b) = if self.need(r) > self.need(l) {
                    let b = self.emit(r);
                    (self.emit(l), b)
                } else {
                    let a = self.emit(l);
                    (a, self.emit(r))
                };
                self.release(l, a);
                self.release(r, b);
                let dst = self.alloc();
                self.instrs.push(Instr {
                    op: OpKind::Bin(op),
                    dst,
                    a,
                    b,
                });
                Operand::Reg(dst)
            }
        };
        if let Some(slot) = self.done.get_mut(id as usize) {
            *slot = Some(op);
        }
        op
    }
}
