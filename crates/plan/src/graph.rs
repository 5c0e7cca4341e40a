//! The arena: nodes indexed by `NodeId`, hash-consed by key, typed when added.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::PlanError;
use crate::key::Key;
use crate::limits::{MAX_DEPTH, MAX_LAYOUT_NESTING};
use crate::op::{Op, SourceSpec};
use crate::types::Ty;
use crate::typing::infer;

/// Index of a node in its [`Graph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One node: an operation on inputs, its key and its type.
#[derive(Clone, Debug)]
pub struct Node {
    pub op: Op,
    pub inputs: Vec<NodeId>,
    pub key: Key,
    pub ty: Ty,
}

/// An append-only arena of hash-consed nodes: adding an expression that exists returns the
/// existing node, so equal subexpressions are one node (structural identity).
#[derive(Clone, Debug, Default)]
pub struct Graph {
    nodes: Vec<Node>,
    index: HashMap<Key, NodeId>,
    /// Per node: the longest chain of operations below it (leaves are 1).
    depths: Vec<u32>,
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of nodes in the arena (reachable or not).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The longest chain of operations from a leaf up to `id` (a leaf is 1).
    pub fn depth(&self, id: NodeId) -> u32 {
        self.depths.get(id.index()).copied().unwrap_or(1)
    }

    fn depth_of(&self, inputs: &[NodeId]) -> u32 {
        1 + inputs.iter().map(|i| self.depth(*i)).max().unwrap_or(0)
    }

    fn push(&mut self, node: Node) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        self.depths.push(self.depth_of(&node.inputs));
        self.index.insert(node.key, id);
        self.nodes.push(node);
        id
    }

    /// The key of `op` applied to `inputs`.
    pub fn key_of(&self, op: &Op, inputs: &[NodeId]) -> Key {
        let fp = op.fingerprint();
        let mut parts: Vec<Vec<u8>> = vec![op.name().as_bytes().to_vec(), fp.into_bytes()];
        for i in inputs {
            parts.push(self.node(*i).key.bytes().to_vec());
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        Key::of(&refs)
    }

    /// Adds `op(inputs)`, or returns the node that already is that expression. The type is
    /// inferred here: an ill-typed expression is an error naming it.
    pub fn add(&mut self, op: Op, inputs: Vec<NodeId>) -> Result<NodeId, PlanError> {
        if let Some(id) = self.field_of_zip(&op, &inputs) {
            return Ok(id);
        }
        let (op, inputs) = crate::rules::cse::canonical(self, op, inputs);
        let key = self.key_of(&op, &inputs);
        if let Some(&id) = self.index.get(&key) {
            return Ok(id);
        }
        let depth = self.depth_of(&inputs);
        if depth > MAX_DEPTH {
            return Err(PlanError::TooDeep {
                expr: self.describe_new(&op, &inputs),
                message: format!(
                    "it nests more than {MAX_DEPTH} operations deep (a long chain like \
                     `a + b + c + ...`); build long sums or conditions as a balanced tree, or \
                     in steps"
                ),
            });
        }
        let tys: Vec<(&Ty, Key)> = inputs
            .iter()
            .map(|i| (&self.node(*i).ty, self.node(*i).key))
            .collect();
        let ty = infer(&op, &tys, key).map_err(|e| e.in_expr(self.describe_new(&op, &inputs)))?;
        if let Ty::Events { layout, .. } = &ty
            && layout.nesting() > MAX_LAYOUT_NESTING
        {
            return Err(PlanError::TooDeep {
                expr: self.describe_new(&op, &inputs),
                message: format!(
                    "its values would nest lists, options and records more than \
                     {MAX_LAYOUT_NESTING} levels deep"
                ),
            });
        }
        Ok(self.push(Node {
            op,
            inputs,
            key,
            ty,
        }))
    }

    /// `zip(a = x, ...).a` is `x` itself (when `x` is a list, or the zip has no lists, so the
    /// field has exactly `x`'s type): the same analysis written with or without a zip gives the
    /// same plan.
    fn field_of_zip(&self, op: &Op, inputs: &[NodeId]) -> Option<NodeId> {
        use crate::types::Layout;
        let (Op::Field(name), [z]) = (op, inputs) else {
            return None;
        };
        let zip = self.node(*z);
        let Op::Zip(names) = &zip.op else {
            return None;
        };
        let k = names.iter().position(|n| n == name)?;
        let x = zip.inputs[k];
        let same_type = matches!(
            &zip.ty,
            Ty::Events {
                layout: Layout::Record(_),
                ..
            }
        ) || matches!(
            &self.node(x).ty,
            Ty::Events {
                layout: Layout::List { .. },
                ..
            }
        );
        same_type.then_some(x)
    }

    /// Adds a node whose type the caller knows (fused nodes, built by the fusion rule).
    pub fn add_typed(&mut self, op: Op, inputs: Vec<NodeId>, ty: Ty) -> NodeId {
        let key = self.key_of(&op, &inputs);
        self.add_known(op, inputs, key, ty)
    }

    /// Adds a node copied from another arena whose inputs have the same keys there: its key and
    /// type are known, so neither is recomputed (the fast path of rules that change little).
    pub fn add_known(&mut self, op: Op, inputs: Vec<NodeId>, key: Key, ty: Ty) -> NodeId {
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        self.push(Node {
            op,
            inputs,
            key,
            ty,
        })
    }

    /// Turns every node whose key `is_cached` into a `Cached` leaf of the same type and key, so that
    /// evaluation stops there (used for persisted values). Node ids stay valid.
    pub fn replace_with_cached(&mut self, is_cached: impl Fn(Key) -> bool) {
        for node in &mut self.nodes {
            if is_cached(node.key) && !matches!(node.op, Op::Cached(_)) {
                node.op = Op::Cached(node.key);
                node.inputs.clear();
            }
        }
    }

    /// The node with `key`, if present.
    pub fn find(&self, key: Key) -> Option<NodeId> {
        self.index.get(&key).copied()
    }

    /// `op-token` of a node, like dask's names (`greater-3f2a9c...`).
    pub fn name_of(&self, id: NodeId) -> String {
        let n = self.node(id);
        format!("{}-{}", n.op.name(), n.key.token())
    }

    /// Nodes reachable from `roots`, inputs before users (topological order).
    pub fn topo_order(&self, roots: &[NodeId]) -> Vec<NodeId> {
        let mut seen = vec![false; self.nodes.len()];
        let mut out = Vec::new();
        let mut stack: Vec<(NodeId, bool)> = roots.iter().rev().map(|r| (*r, false)).collect();
        while let Some((id, expanded)) = stack.pop() {
            if expanded {
                out.push(id);
                continue;
            }
            if seen[id.index()] {
                continue;
            }
            seen[id.index()] = true;
            stack.push((id, true));
            for input in self.node(id).inputs.iter().rev() {
                if !seen[input.index()] {
                    stack.push((*input, false));
                }
            }
        }
        out
    }

    /// The expression in the user's terms (`(Muon.pt + Jet.pt)`), shortened when deep.
    pub fn describe(&self, id: NodeId) -> String {
        let n = self.node(id);
        self.describe_parts(&n.op, &n.inputs, 4)
    }

    fn describe_new(&self, op: &Op, inputs: &[NodeId]) -> String {
        self.describe_parts(op, inputs, 4)
    }

    fn describe_depth(&self, id: NodeId, depth: usize) -> String {
        let n = self.node(id);
        if depth == 0 && !matches!(n.op, Op::Source(_) | Op::Literal(_)) {
            return "…".to_string();
        }
        // Field chains (`events.Muon.pt`) read as one name and do not use up depth.
        let depth = if matches!(n.op, Op::Field(_) | Op::Source(_)) {
            depth + 1
        } else {
            depth
        };
        self.describe_parts(&n.op, &n.inputs, depth)
    }

    fn describe_parts(&self, op: &Op, inputs: &[NodeId], depth: usize) -> String {
        let arg = |i: usize| {
            inputs
                .get(i)
                .map_or("?".to_string(), |id| self.describe_depth(*id, depth - 1))
        };
        match op {
            // A fused node reads as the expression its body computes.
            Op::Fused(body) => self.describe_body(body, body.output, inputs, depth),
            op => render(op, inputs.len(), &arg),
        }
    }

    /// Operation `i` of a fused body whose inputs are the plan's `inputs`, like
    /// [`Self::describe_depth`].
    fn describe_body(
        &self,
        body: &crate::op::FusedBody,
        i: usize,
        inputs: &[NodeId],
        depth: usize,
    ) -> String {
        use crate::op::FusedRef;
        let Some((op, refs)) = body.ops.get(i) else {
            return "?".to_string();
        };
        if depth == 0 && !matches!(op, Op::Literal(_)) {
            return "…".to_string();
        }
        let depth = if matches!(op, Op::Field(_)) {
            depth + 1
        } else {
            depth
        };
        let arg = |k: usize| match refs.get(k) {
            Some(FusedRef::Input(n)) => inputs
                .get(*n)
                .map_or("?".to_string(), |id| self.describe_depth(*id, depth - 1)),
            Some(FusedRef::Op(j)) if *j < i => self.describe_body(body, *j, inputs, depth - 1),
            _ => "?".to_string(),
        };
        render(op, refs.len(), &arg)
    }

    /// The source specs of the sources reachable from `roots`.
    pub fn sources(&self, roots: &[NodeId]) -> Vec<(NodeId, Arc<SourceSpec>)> {
        self.topo_order(roots)
            .into_iter()
            .filter_map(|id| match &self.node(id).op {
                Op::Source(spec) => Some((id, spec.clone())),
                _ => None,
            })
            .collect()
    }
}

/// `op` in the user's terms, its `n` operands given by `arg`.
fn render(op: &Op, n: usize, arg: &dyn Fn(usize) -> String) -> String {
    let args = || (0..n).map(arg).collect::<Vec<_>>().join(", ");
    match op {
        Op::Source(spec) => spec.display_name(),
        Op::Literal(s) => match s {
            crate::op::Scalar::F64(v) => format!("{v}"),
            crate::op::Scalar::I64(v) => format!("{v}"),
            crate::op::Scalar::Bool(v) => format!("{v}"),
        },
        Op::Field(name) => format!("{}.{name}", arg(0)),
        Op::Binary(b) => match b.symbol() {
            Some(sym) => format!("({} {sym} {})", arg(0), arg(1)),
            None => format!("{}({})", op.name(), args()),
        },
        Op::Unary(crate::op::UnaryOp::Neg) => format!("-{}", arg(0)),
        Op::Unary(crate::op::UnaryOp::Not) => format!("~{}", arg(0)),
        Op::Mask => format!("{}[{}]", arg(0), arg(1)),
        Op::Take => format!("{}[{}]", arg(0), arg(1)),
        Op::Rows { start, stop } => format!(
            "{}[{start}:{}]",
            arg(0),
            stop.map_or(String::new(), |s| s.to_string())
        ),
        Op::ListSlice { start, stop } => format!(
            "{}[:, {start}:{}]",
            arg(0),
            stop.map_or(String::new(), |s| s.to_string())
        ),
        Op::RandomNormal { shape, .. } => format!("random_normal({shape:?})"),
        Op::Full { shape, value, .. } => format!("full({shape:?}, {})", value.as_f64()),
        Op::Arange { n, .. } => format!("arange({n})"),
        Op::Transpose => format!("{}.T", arg(0)),
        Op::Correction(spec) => spec.describe(&(0..n).map(arg).collect::<Vec<_>>()),
        _ => format!("{}({})", op.name(), args()),
    }
}
