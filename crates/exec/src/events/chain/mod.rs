//! Chains of element-wise work evaluated block by block.
//!
//! Op by op, a fused body's selection (`abs(eta) < 2.4 & jetId % 8 >= 4`) writes a whole-morsel
//! column per operation, each read back from memory by the next. A *chain* is a tree of
//! arithmetic, float functions, comparisons and logic whose inner values only the tree reads:
//! its leaves are broadcast to one structure once ([`broadcast::broadcast`]), then the tree runs
//! over blocks of [`BLOCK`] items with its intermediates in small buffers that stay in the L1
//! cache, and only the root's column is written.
//!
//! The results are bit-identical to the operations one by one: the float functions are theirs
//! ([`rask_plan::with_binary_float_fn`], [`rask_plan::with_unary_float_fn`]), comparisons are
//! IEEE in f64 (or exact in i64 when both sides are integers), and leaves are read as
//! `broadcast`'s numbers read them (float arithmetic is f64; only `abs` and `-` keep an f32
//! dtype, and they are exact). Integer arithmetic (exact or
//! an error), `where`, casts and everything on records stay op by op.

use std::collections::HashMap;

use arrow_buffer::{BooleanBuffer, Buffer};
use rask_core::column::Col;
use rask_plan::op::{BinaryOp, FusedBody, FusedRef, Op, Scalar, UnaryOp};
use rask_plan::types::{DType, Ty};

use super::broadcast::{self, Arg};
use super::error::EventError;
use super::eval::EvValue;

type R<T> = Result<T, EventError>;

/// Items per block: a multiple of 64 (each block's booleans fill whole words), small enough for a
/// tree's buffers to stay in the L1 cache.
pub(super) const BLOCK: usize = 512;

/// The most operations in one chain (each has a block's buffer).
const MAX_NODES: usize = 64;

/// The chains of a fused body.
#[derive(Debug, Default)]
pub(super) struct Chains {
    /// Operations computed inside a chain: their values are never made.
    pub inner: Vec<bool>,
    /// The chain each root operation computes.
    pub roots: HashMap<usize, Chain>,
    /// Operations whose values some chain reads as a leaf.
    pub read: Vec<bool>,
}

/// One tree of element-wise operations, its root last.
#[derive(Debug)]
pub(super) struct Chain {
    /// The operands read from outside the tree.
    pub leaves: Vec<FusedRef>,
    /// How each leaf is read: as floats, integers, booleans.
    reads: Vec<[bool; 3]>,
    /// What the plan's types say each leaf is (checked against its column).
    classes: Vec<Class>,
    nodes: Vec<Node>,
}

#[derive(Debug, Clone, Copy)]
enum Src {
    Leaf(usize),
    Node(usize),
    Const(Scalar),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Float arithmetic (`+ - * / % **`, `minimum`, `hypot`, …).
    Arith(BinaryOp),
    /// A float function of one operand.
    Float(UnaryOp),
    /// A comparison in f64 (`false`) or, both sides integers, in i64 (`true`).
    Compare(BinaryOp, bool),
    /// `&` or `|` of booleans.
    Logic(BinaryOp),
    Not,
}

impl Kind {
    fn is_bool(self) -> bool {
        matches!(self, Kind::Compare(..) | Kind::Logic(_) | Kind::Not)
    }
    /// How this kind reads its operands: 0 floats, 1 integers, 2 booleans.
    fn reads(self) -> usize {
        match self {
            Kind::Arith(_) | Kind::Float(_) | Kind::Compare(_, false) => 0,
            Kind::Compare(_, true) => 1,
            Kind::Logic(_) | Kind::Not => 2,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Node {
    kind: Kind,
    a: Src,
    b: Src,
}

/// What an operand is, as far as chains care.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Class {
    Float,
    Int,
    Bool,
    Const(Scalar),
    Other,
}

impl Class {
    fn is_bool(self) -> bool {
        matches!(self, Class::Bool | Class::Const(Scalar::Bool(_)))
    }
    fn is_int(self) -> bool {
        matches!(self, Class::Int | Class::Const(Scalar::I64(_)))
    }
    fn is_number(self) -> bool {
        matches!(
            self,
            Class::Float | Class::Int | Class::Const(Scalar::F64(_) | Scalar::I64(_))
        )
    }
    fn is_const(self) -> bool {
        matches!(self, Class::Const(_))
    }
}

fn class_of_ty(t: &Ty) -> Class {
    match (t, t.dtype()) {
        (Ty::Events { .. }, Some(DType::F32 | DType::F64)) => Class::Float,
        (Ty::Events { .. }, Some(DType::Bool)) => Class::Bool,
        (Ty::Events { .. }, Some(_)) => Class::Int,
        _ => Class::Other,
    }
}

/// Finds the chains of `body` (typed `types`, inputs typed `tys`). Operations for which
/// `special` holds are computed elsewhere (sums, best picks, ΔR tests) and are never part of a
/// chain; those for which `placeholder` holds have no value of their own and are never read.
pub(super) fn plan(
    body: &FusedBody,
    types: &[Ty],
    tys: &[&Ty],
    special: impl Fn(usize) -> bool,
    placeholder: impl Fn(usize) -> bool,
) -> Chains {
    let n = body.ops.len();
    let class = |r: FusedRef| match r {
        FusedRef::Op(j) => match &body.ops[j].0 {
            Op::Literal(s) => Class::Const(*s),
            _ if placeholder(j) => Class::Other,
            _ => class_of_ty(&types[j]),
        },
        FusedRef::Input(k) => tys.get(k).map_or(Class::Other, |t| class_of_ty(t)),
    };
    let kinds: Vec<Option<Kind>> = (0..n)
        .map(|i| {
            if special(i) || class_of_ty(&types[i]) == Class::Other {
                return None;
            }
            let (op, refs) = &body.ops[i];
            member_kind(op, refs, &types[i], &class)
        })
        .collect();
    let mut consumers = vec![0usize; n];
    let mut consumed_by_member = vec![true; n];
    for (i, (_, refs)) in body.ops.iter().enumerate() {
        for r in refs {
            if let FusedRef::Op(j) = r {
                consumers[*j] += 1;
                consumed_by_member[*j] &= kinds[i].is_some();
            }
        }
    }
    let inner: Vec<bool> = (0..n)
        .map(|i| {
            kinds[i].is_some() && consumers[i] == 1 && consumed_by_member[i] && i != body.output
        })
        .collect();
    let mut chains = Chains {
        inner: vec![false; n],
        roots: HashMap::new(),
        read: vec![false; n],
    };
    for root in (0..n).filter(|&i| kinds[i].is_some() && !inner[i]) {
        let mut chain = Chain {
            leaves: Vec::new(),
            reads: Vec::new(),
            classes: Vec::new(),
            nodes: Vec::new(),
        };
        let mut members = Vec::new();
        let built = build(body, &kinds, &inner, root, &mut chain, &mut members);
        chain.classes = chain.leaves.iter().map(|l| class(*l)).collect();
        if !built || !(2..=MAX_NODES).contains(&chain.nodes.len()) {
            // One operation gains nothing; a huge tree would need a buffer per node.
            continue;
        }
        for m in members {
            chains.inner[m] = true;
        }
        for leaf in &chain.leaves {
            if let FusedRef::Op(j) = leaf {
                chains.read[*j] = true;
            }
        }
        chains.roots.insert(root, chain);
    }
    chains
}

/// The chain kind of operation `op` on operands `refs` with result type `out`, if it has one.
fn member_kind(
    op: &Op,
    refs: &[FusedRef],
    out: &Ty,
    class: &impl Fn(FusedRef) -> Class,
) -> Option<Kind> {
    let out_float = matches!(out.dtype(), Some(DType::F32 | DType::F64));
    match (op, refs) {
        (Op::Binary(b), [x, y]) => {
            let (cx, cy) = (class(*x), class(*y));
            if cx.is_const() && cy.is_const() {
                return None;
            }
            if b.is_logical() {
                (cx.is_bool() && cy.is_bool()).then_some(Kind::Logic(*b))
            } else if b.is_comparison() {
                (cx.is_number() && cy.is_number())
                    .then_some(Kind::Compare(*b, cx.is_int() && cy.is_int()))
            } else {
                let arithmetic = rask_plan::with_binary_float_fn!(*b, |_f| true, false);
                (arithmetic && out_float && cx.is_number() && cy.is_number())
                    .then_some(Kind::Arith(*b))
            }
        }
        (Op::Unary(UnaryOp::Not), [x]) => (class(*x) == Class::Bool).then_some(Kind::Not),
        (Op::Unary(u), [x]) => (out_float && class(*x) == Class::Float).then_some(Kind::Float(*u)),
        _ => None,
    }
}

/// Adds the tree under `root` to `chain` in body order (operands first: the body is in
/// topological order), recording its inner members; false when the tree cannot be a chain.
/// Iterative: a tree may be thousands deep.
fn build(
    body: &FusedBody,
    kinds: &[Option<Kind>],
    inner: &[bool],
    root: usize,
    chain: &mut Chain,
    members: &mut Vec<usize>,
) -> bool {
    let mut tree = vec![root];
    let mut stack = vec![root];
    while let Some(i) = stack.pop() {
        for r in &body.ops[i].1 {
            if let FusedRef::Op(j) = *r
                && inner[j]
            {
                members.push(j);
                tree.push(j);
                stack.push(j);
            }
        }
    }
    tree.sort_unstable();
    let mut node_of: HashMap<usize, usize> = HashMap::with_capacity(tree.len());
    for i in tree {
        // Every member has a kind and its inner operands come before it (body order); a body
        // that broke either would only lose its chain.
        let Some(kind) = kinds[i] else {
            return false;
        };
        let mut src = |r: FusedRef| match r {
            FusedRef::Op(j) if inner[j] => node_of.get(&j).map(|&n| Src::Node(n)),
            FusedRef::Op(j) if matches!(body.ops[j].0, Op::Literal(_)) => match body.ops[j].0 {
                Op::Literal(s) => Some(Src::Const(s)),
                _ => None,
            },
            leaf => {
                let k = match chain.leaves.iter().position(|l| *l == leaf) {
                    Some(k) => k,
                    None => {
                        chain.leaves.push(leaf);
                        chain.reads.push([false; 3]);
                        chain.leaves.len() - 1
                    }
                };
                chain.reads[k][kind.reads()] = true;
                Some(Src::Leaf(k))
            }
        };
        let refs = &body.ops[i].1;
        let Some(a) = refs.first().and_then(|r| src(*r)) else {
            return false;
        };
        let b = match refs.get(1) {
            Some(r) => match src(*r) {
                Some(b) => b,
                None => return false,
            },
            None => a,
        };
        node_of.insert(i, chain.nodes.len());
        chain.nodes.push(Node { kind, a, b });
    }
    true
}

/// The value of `chain` given its leaves' values (in the order of [`Chain::leaves`]).
pub(super) fn evaluate(chain: &Chain, leaves: &[&EvValue]) -> R<EvValue> {
    let args = leaves
        .iter()
        .map(|v| match v {
            EvValue::Const(s) => Ok(Arg::Const(*s)),
            EvValue::Col(c) | EvValue::Flat(c) => Ok(Arg::Col(c)),
            EvValue::Partial(_) => Err(EventError::internal(
                "an element-wise operation on a reduction",
            )),
        })
        .collect::<R<Vec<_>>>()?;
    if !args.iter().any(|a| matches!(a, Arg::Col(_))) {
        return Err(EventError::internal("a chain of literals only"));
    }
    let col = broadcast::broadcast(&args, &|flat| run(chain, flat))?;
    Ok(if leaves.iter().any(|v| matches!(v, EvValue::Flat(_))) {
        EvValue::Flat(col)
    } else {
        EvValue::Col(col)
    })
}

/// A leaf as flat numbers.
#[derive(Clone, Copy)]
enum Leaf<'a> {
    F(&'a [f64]),
    I(&'a [i64]),
    B(&'a BooleanBuffer),
    Const(Scalar),
}

/// An operand over one block: a slice or a constant.
#[derive(Clone, Copy)]
pub(in crate::events) enum V<'a, T> {
    S(&'a [T]),
    C(T),
}

/// A node's values over one block: numbers, or booleans packed 64 to a word (as Arrow packs
/// them: logic is one operation per 64 items).
#[derive(Debug, Default)]
enum Slot {
    #[default]
    Empty,
    F(Vec<f64>),
    B(Vec<u64>),
}

const WORDS: usize = BLOCK / 64;

/// The chain on flat leaves of equal length, its loops compiled for the widest instruction set
/// this CPU has (`rask_core::isa`; no fused multiply-add, so the same bits on every CPU).
fn run(chain: &Chain, args: &[Arg<'_>]) -> R<Col> {
    use rask_core::isa::Isa;
    match Isa::detect() {
        Isa::Portable => run_body(chain, args),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::detect` chose AVX2 only on a CPU that has it.
        Isa::Avx2 => unsafe { run_avx2(chain, args) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, for the AVX-512 subsets.
        Isa::Avx512 => unsafe { run_avx512(chain, args) },
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn run_avx2(chain: &Chain, args: &[Arg<'_>]) -> R<Col> {
    run_body(chain, args)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
fn run_avx512(chain: &Chain, args: &[Arg<'_>]) -> R<Col> {
    run_body(chain, args)
}

#[inline(always)]
fn run_body(chain: &Chain, args: &[Arg<'_>]) -> R<Col> {
    let n = broadcast::rows(args);
    let leaves = args
        .iter()
        .map(|a| match a {
            Arg::Col(Col::F64(v)) => Ok(Leaf::F(v)),
            Arg::Col(Col::I64(v)) => Ok(Leaf::I(v)),
            Arg::Col(Col::Bool(v)) => Ok(Leaf::B(v)),
            Arg::Const(s) => Ok(Leaf::Const(*s)),
            Arg::Col(other) => Err(EventError::Internal(format!(
                "expected numbers, found {}",
                other.kind()
            ))),
        })
        .collect::<R<Vec<_>>>()?;
    // The columns are what the plan's types say (the kinds of operations were chosen from
    // them), all of the same length.
    for (leaf, class) in leaves.iter().zip(&chain.classes) {
        let (fits, len) = match leaf {
            Leaf::F(v) => (*class == Class::Float, v.len()),
            Leaf::I(v) => (*class == Class::Int, v.len()),
            Leaf::B(v) => (*class == Class::Bool, v.len()),
            Leaf::Const(_) => (true, n),
        };
        if !fits {
            return Err(EventError::Internal(format!(
                "a chain leaf typed {class:?} is another kind of column"
            )));
        }
        if len != n {
            return Err(rask_core::kernels::KernelError::EventCount { a: len, b: n }.into());
        }
    }
    // Leaves read as another kind of number, converted block by block.
    let mut as_f = vec![Vec::<f64>::new(); leaves.len()];
    let mut as_i = vec![Vec::<i64>::new(); leaves.len()];
    let mut as_b = vec![Vec::<u64>::new(); leaves.len()];
    let mut slots: Vec<Slot> = chain
        .nodes
        .iter()
        .map(|nd| {
            if nd.kind.is_bool() {
                Slot::B(vec![0; WORDS])
            } else {
                Slot::F(vec![0.0; BLOCK])
            }
        })
        .collect();
    let root_bool = chain.nodes.last().is_some_and(|nd| nd.kind.is_bool());
    let mut out_f: Vec<f64> = Vec::with_capacity(if root_bool { 0 } else { n });
    let mut out_w: Vec<u64> = Vec::with_capacity(if root_bool { n.div_ceil(64) } else { 0 });
    for s in (0..n).step_by(BLOCK) {
        let e = (s + BLOCK).min(n);
        let m = e - s;
        for (l, leaf) in leaves.iter().enumerate() {
            let [f, i, b] = chain.reads[l];
            let (f, i, b) = (
                f.then_some(&mut as_f[l]),
                i.then_some(&mut as_i[l]),
                b.then_some(&mut as_b[l]),
            );
            convert(*leaf, s..e, f, i, b);
        }
        let views = Views {
            leaves: &leaves,
            as_f: &as_f,
            as_i: &as_i,
            as_b: &as_b,
            range: s..e,
        };
        for k in 0..chain.nodes.len() {
            let mut slot = std::mem::take(&mut slots[k]);
            views.node(&chain.nodes[k], &slots, &mut slot, m)?;
            slots[k] = slot;
        }
        match slots.last() {
            Some(Slot::F(v)) => out_f.extend_from_slice(&v[..m]),
            Some(Slot::B(v)) => out_w.extend_from_slice(&v[..m.div_ceil(64)]),
            _ => return Err(EventError::internal("a chain without a root")),
        }
    }
    if n % 64 != 0
        && let Some(last) = out_w.last_mut()
    {
        // `!` sets the bits past the end: clear them.
        *last &= (1u64 << (n % 64)) - 1;
    }
    Ok(if root_bool {
        Col::Bool(BooleanBuffer::new(Buffer::from_vec(out_w), 0, n))
    } else {
        Col::F64(out_f.into())
    })
}

/// Converts the block `r` of a leaf that is not of a kind into that kind (as `broadcast`'s
/// numbers read it: ints and booleans as f64, floats truncated and booleans as 0/1 as i64,
/// numbers as `!= 0` as booleans). A leaf's own kind is read in place.
#[inline(always)]
fn convert(
    leaf: Leaf<'_>,
    r: std::ops::Range<usize>,
    f: Option<&mut Vec<f64>>,
    i: Option<&mut Vec<i64>>,
    b: Option<&mut Vec<u64>>,
) {
    let len = r.len();
    match leaf {
        Leaf::F(v) => {
            let v = &v[r];
            if let Some(i) = i {
                refill(i, v.iter().map(|&x| x as i64));
            }
            if let Some(b) = b {
                nonzero_words(v, 0.0, b);
            }
        }
        Leaf::I(v) => {
            let v = &v[r];
            if let Some(f) = f {
                refill(f, v.iter().map(|&x| x as f64));
            }
            if let Some(b) = b {
                nonzero_words(v, 0, b);
            }
        }
        Leaf::B(v) => {
            let bits = v.slice(r.start, len);
            if let Some(f) = f {
                refill(f, bits.iter().map(|x| x as u8 as f64));
            }
            if let Some(i) = i {
                refill(i, bits.iter().map(|x| x as i64));
            }
            if let Some(b) = b {
                let chunks = bits.bit_chunks();
                refill(b, chunks.iter());
                if chunks.remainder_len() > 0 {
                    b.push(chunks.remainder_bits());
                }
            }
        }
        Leaf::Const(_) => {}
    }
}

/// `out` holding `items` only (its allocation reused block after block).
#[inline(always)]
fn refill<T>(out: &mut Vec<T>, items: impl Iterator<Item = T>) {
    out.clear();
    out.extend(items);
}

/// Whether each of `v` differs from `zero`, as words of bits.
#[inline(always)]
fn nonzero_words<T: Copy + PartialEq>(v: &[T], zero: T, out: &mut Vec<u64>) {
    out.clear();
    out.resize(v.len().div_ceil(64), 0);
    bits(V::S(v), V::C(zero), v.len(), out, |p, z| p != z);
}

/// The operands of one block.
struct Views<'a> {
    leaves: &'a [Leaf<'a>],
    as_f: &'a [Vec<f64>],
    as_i: &'a [Vec<i64>],
    as_b: &'a [Vec<u64>],
    range: std::ops::Range<usize>,
}

impl<'a> Views<'a> {
    #[inline(always)]
    fn f(&'a self, s: Src, slots: &'a [Slot], m: usize) -> R<V<'a, f64>> {
        Ok(match s {
            Src::Const(c) => V::C(c.as_f64()),
            Src::Leaf(l) => match self.leaves[l] {
                Leaf::F(v) => V::S(&v[self.range.clone()]),
                Leaf::Const(c) => V::C(c.as_f64()),
                _ => V::S(&self.as_f[l]),
            },
            Src::Node(j) => match &slots[j] {
                Slot::F(v) => V::S(&v[..m]),
                _ => return Err(EventError::internal("a chain node read as numbers")),
            },
        })
    }
    #[inline(always)]
    fn i(&'a self, s: Src) -> R<V<'a, i64>> {
        Ok(match s {
            Src::Const(c) => V::C(const_i64(c)),
            Src::Leaf(l) => match self.leaves[l] {
                Leaf::I(v) => V::S(&v[self.range.clone()]),
                Leaf::Const(c) => V::C(const_i64(c)),
                _ => V::S(&self.as_i[l]),
            },
            Src::Node(_) => return Err(EventError::internal("a chain node read as integers")),
        })
    }
    /// Booleans as words.
    #[inline(always)]
    fn b(&'a self, s: Src, slots: &'a [Slot], m: usize) -> R<V<'a, u64>> {
        let word = |c: Scalar| if c.as_f64() != 0.0 { u64::MAX } else { 0 };
        Ok(match s {
            Src::Const(c) => V::C(word(c)),
            Src::Leaf(l) => match self.leaves[l] {
                Leaf::Const(c) => V::C(word(c)),
                _ => V::S(&self.as_b[l]),
            },
            Src::Node(j) => match &slots[j] {
                Slot::B(v) => V::S(&v[..m.div_ceil(64)]),
                _ => return Err(EventError::internal("a chain node read as booleans")),
            },
        })
    }

    /// Computes node `nd` over the block's `m` items into `slot`.
    #[inline(always)]
    fn node(&'a self, nd: &Node, slots: &'a [Slot], slot: &mut Slot, m: usize) -> R<()> {
        match (nd.kind, slot) {
            (Kind::Arith(op), Slot::F(out)) => {
                let (a, b) = (self.f(nd.a, slots, m)?, self.f(nd.b, slots, m)?);
                let out = &mut out[..m];
                if let (BinaryOp::Mod, V::S(x), V::C(q)) = (op, a, b) {
                    rask_plan::arith::remainders_by(x, q, out);
                    return Ok(());
                }
                rask_plan::with_binary_float_fn!(
                    op,
                    |f| zip2(a, b, out, f),
                    return Err(EventError::Internal(format!("{op:?} is not arithmetic")))
                );
            }
            (Kind::Float(u), Slot::F(out)) => {
                let a = self.f(nd.a, slots, m)?;
                let out = &mut out[..m];
                // Sine and cosine as `f` gives them, but vectorised ([`rask_plan::arith::cos`]).
                match (u, a) {
                    (UnaryOp::Sin, V::S(x)) => rask_core::kernels::trig::sin_into(x, out),
                    (UnaryOp::Cos, V::S(x)) => rask_core::kernels::trig::cos_into(x, out),
                    _ => rask_plan::with_unary_float_fn!(u, |f| zip2(a, a, out, |p, _| f(p))),
                }
            }
            (Kind::Compare(op, true), Slot::B(out)) => {
                compare(op, self.i(nd.a)?, self.i(nd.b)?, m, out);
            }
            (Kind::Compare(op, false), Slot::B(out)) => {
                compare(op, self.f(nd.a, slots, m)?, self.f(nd.b, slots, m)?, m, out);
            }
            (Kind::Logic(op), Slot::B(out)) => {
                let (a, b) = (self.b(nd.a, slots, m)?, self.b(nd.b, slots, m)?);
                let out = &mut out[..m.div_ceil(64)];
                if op == BinaryOp::And {
                    zip2(a, b, out, |p, q| p & q);
                } else {
                    zip2(a, b, out, |p, q| p | q);
                }
            }
            (Kind::Not, Slot::B(out)) => {
                let a = self.b(nd.a, slots, m)?;
                zip2(a, a, &mut out[..m.div_ceil(64)], |p, _| !p);
            }
            _ => return Err(EventError::internal("a chain node without its buffer")),
        }
        Ok(())
    }
}

/// An integer literal as an i64 (what `broadcast`'s numbers make of it).
fn const_i64(c: Scalar) -> i64 {
    match c {
        Scalar::I64(x) => x,
        Scalar::Bool(b) => b as i64,
        Scalar::F64(x) => x as i64,
    }
}

/// `out[i] = f(a[i], b[i])`, a loop compiled per `f` and per operand kind.
#[inline(always)]
fn zip2<T: Copy, U: Copy>(a: V<'_, T>, b: V<'_, T>, out: &mut [U], f: impl Fn(T, T) -> U) {
    match (a, b) {
        (V::S(x), V::S(y)) => {
            for ((o, p), q) in out.iter_mut().zip(x).zip(y) {
                *o = f(*p, *q);
            }
        }
        (V::S(x), V::C(q)) => {
            for (o, p) in out.iter_mut().zip(x) {
                *o = f(*p, q);
            }
        }
        (V::C(p), V::S(y)) => {
            for (o, q) in out.iter_mut().zip(y) {
                *o = f(p, *q);
            }
        }
        (V::C(p), V::C(q)) => {
            let v = f(p, q);
            out.iter_mut().for_each(|o| *o = v);
        }
    }
}

/// The right side of [`compare_items`]: items (as many as the left side's) or one constant.
#[derive(Clone, Copy)]
pub(super) enum Rhs<'a, T> {
    Items(&'a [T]),
    Const(T),
}

/// `a[i] op b[i]` (or `a[i] op c`) for every item, as a bitmap: comparisons outside chains
/// (`broadcast`), in the chains' loop compiled for the widest instruction set this CPU has
/// (IEEE for floats: NaN compares false, unequal to everything).
pub(super) fn compare_items<T: Word>(op: BinaryOp, a: &[T], b: Rhs<'_, T>) -> BooleanBuffer {
    use rask_core::isa::Isa;
    let m = a.len();
    let b = match b {
        Rhs::Items(y) => V::S(&y[..m]),
        Rhs::Const(c) => V::C(c),
    };
    let mut words = vec![0u64; m.div_ceil(64)];
    let a = V::S(a);
    match Isa::detect() {
        Isa::Portable => compare(op, a, b, m, &mut words),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::detect` chose AVX2 only on a CPU that has it.
        Isa::Avx2 => unsafe { compare_avx2((op, a, b, m, &mut words)) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, for the AVX-512 subsets.
        Isa::Avx512 => unsafe { compare_avx512((op, a, b, m, &mut words)) },
    }
    BooleanBuffer::new(Buffer::from_vec(words), 0, m)
}

/// One comparison's operands and output, as [`compare`] takes them.
type Compared<'a, 'o, T> = (BinaryOp, V<'a, T>, V<'a, T>, usize, &'o mut [u64]);

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn compare_avx2<T: Word>((op, a, b, m, out): Compared<'_, '_, T>) {
    compare(op, a, b, m, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
fn compare_avx512<T: Word>((op, a, b, m, out): Compared<'_, '_, T>) {
    compare(op, a, b, m, out)
}

/// A comparison of `m` items into words (IEEE for floats: NaN compares false, unequal to
/// everything).
#[inline(always)]
fn compare<T: Word>(op: BinaryOp, a: V<'_, T>, b: V<'_, T>, m: usize, out: &mut [u64]) {
    use BinaryOp::*;
    let done = T::words(op, a, b, m, out);
    let (a, b, m, out) = (a.from(done), b.from(done), m - done, &mut out[done / 64..]);
    match op {
        Eq => bits(a, b, m, out, |p, q| p == q),
        Ne => bits(a, b, m, out, |p, q| p != q),
        Lt => bits(a, b, m, out, |p, q| p < q),
        Le => bits(a, b, m, out, |p, q| p <= q),
        Gt => bits(a, b, m, out, |p, q| p > q),
        _ => bits(a, b, m, out, |p, q| p >= q),
    }
}

/// `f(a[i], b[i])` for `m` items, 64 to a word (the bits past `m` clear).
#[inline(always)]
fn bits<T: Copy>(a: V<'_, T>, b: V<'_, T>, m: usize, out: &mut [u64], f: impl Fn(T, T) -> bool) {
    let at = |v: V<'_, T>, i: usize| match v {
        V::S(x) => x[i],
        V::C(c) => c,
    };
    for (w, word) in out[..m.div_ceil(64)].iter_mut().enumerate() {
        let (start, len) = (w * 64, 64.min(m - w * 64));
        let mut packed = 0u64;
        match (a, b) {
            (V::S(x), V::S(y)) => {
                for (k, (p, q)) in x[start..start + len]
                    .iter()
                    .zip(&y[start..start + len])
                    .enumerate()
                {
                    packed |= (f(*p, *q) as u64) << k;
                }
            }
            (V::S(x), V::C(q)) => {
                for (k, p) in x[start..start + len].iter().enumerate() {
                    packed |= (f(*p, q) as u64) << k;
                }
            }
            _ => {
                for k in 0..len {
                    packed |= (f(at(a, start + k), at(b, start + k)) as u64) << k;
                }
            }
        }
        *word = packed;
    }
}

#[cfg(test)]
mod tests;
mod words;
use words::Word;
