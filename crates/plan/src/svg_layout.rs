//! Pure-Rust layered ("Sugiyama-lite") drawing of a DAG as a standalone SVG document,
//! so that plans can be visualised without Graphviz.
//!
//! The layout runs in five steps:
//! 1. **Cycle breaking**: a depth-first search in index order reverses every back edge it
//!    finds, so even malformed (cyclic) input terminates. Self-loops are not drawn.
//! 2. **Layering**: longest path from the sources; a node's layer is one more than the
//!    largest layer of its inputs, so every input is drawn above the nodes that use it.
//!    Sources are then lowered to just above their first user, shortening their edges.
//! 3. **Dummy points**: an edge spanning several layers gets one invisible point per
//!    crossed layer, so it is ordered and routed between the boxes of those layers.
//! 4. **Ordering**: alternating down/up barycenter sweeps with stable tie-breaking; the
//!    ordering with the fewest crossings (counted with a Fenwick tree) is kept.
//! 5. **Coordinates**: every layer is packed and centred, then a few rounds pull each
//!    vertex towards the mean of its neighbours while keeping the minimum gaps.
//!
//! Edges are chains of cubic Béziers with vertical tangents, ending in an arrowhead marker.
//! All steps are linear in nodes + edges + dummy points, or per layer, apart from sorting,
//! so 10,000 nodes lay out in a fraction of a second. [`render_dot`] emits the same graph
//! as Graphviz DOT text for users who have `dot`.

use std::collections::{HashSet, VecDeque};
use std::fmt::Write as _;

/// One node of the drawing.
///
/// ```
/// use rask_plan::svg_layout::{DagNode, DagShape};
///
/// let node = DagNode {
///     label: "add\nx + y".to_string(),
///     tooltip: "key 0x2a".to_string(),
///     fill: "#dbeafe".to_string(),
///     shape: DagShape::Box,
/// };
/// assert_eq!(node.label.lines().count(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DagNode {
    /// Text in the box; may contain '\n' for several lines.
    pub label: String,
    /// Shown as an SVG `<title>` (hover tooltip), e.g. the node's key.
    pub tooltip: String,
    /// Fill colour, e.g. "#dbeafe".
    pub fill: String,
    /// Rounded box (operations) or ellipse (sources/outputs).
    pub shape: DagShape,
}

/// Outline drawn around a [`DagNode`].
///
/// ```
/// use rask_plan::svg_layout::DagShape;
///
/// let source = DagShape::Ellipse;
/// assert_ne!(source, DagShape::Box);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DagShape {
    /// Rounded rectangle, used for operations.
    Box,
    /// Ellipse, used for sources and outputs.
    Ellipse,
}

/// Lays out the DAG top to bottom (edges (from, to) point from an input to the node that uses it; inputs drawn above) and returns a complete standalone SVG document.
/// Edges naming a node out of range are ignored. Deterministic: same input, same bytes.
///
/// Duplicate edges are drawn once and self-loops are not drawn. Should the input contain a
/// cycle anyway, the layout still terminates: one edge per cycle is drawn pointing upwards.
///
/// ```
/// use rask_plan::svg_layout::{render_svg, DagNode, DagShape};
///
/// let node = |label: &str, shape| DagNode {
///     label: label.to_string(),
///     tooltip: format!("node {label}"),
///     fill: "#dbeafe".to_string(),
///     shape,
/// };
/// let nodes = [node("pt", DagShape::Ellipse), node("pt > 25", DagShape::Box)];
/// let svg = render_svg(&nodes, &[(0, 1)]);
/// assert!(svg.starts_with("<svg"));
/// assert!(svg.contains("pt &gt; 25"));
/// assert!(svg.trim_end().ends_with("</svg>"));
/// ```
pub fn render_svg(nodes: &[DagNode], edges: &[(usize, usize)]) -> String {
    let layout = layout(nodes, edges);
    let mut out = String::with_capacity(64 + 320 * nodes.len() + 96 * layout.edges.len());
    write_svg_header(&mut out, &layout);
    write_svg_edges(&mut out, &layout);
    write_svg_nodes(&mut out, nodes, &layout);
    out.push_str("</svg>\n");
    out
}

/// The same graph as Graphviz DOT text (digraph, rankdir=TB, labels/tooltips escaped), for users who have `dot`.
///
/// Nodes are named `n0`, `n1`, ... after their index; edges naming a node out of range are
/// ignored and duplicate edges are written once.
///
/// ```
/// use rask_plan::svg_layout::{render_dot, DagNode, DagShape};
///
/// let node = |label: &str| DagNode {
///     label: label.to_string(),
///     tooltip: String::new(),
///     fill: "#fef3c7".to_string(),
///     shape: DagShape::Box,
/// };
/// let dot = render_dot("plan", &[node("a"), node("say \"hi\"")], &[(0, 1)]);
/// assert!(dot.starts_with("digraph \"plan\" {"));
/// assert!(dot.contains("n0 -> n1;"));
/// assert!(dot.contains(r#"label="say \"hi\"""#));
/// ```
pub fn render_dot(name: &str, nodes: &[DagNode], edges: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(64 + 96 * nodes.len() + 16 * edges.len());
    let _ = writeln!(out, "digraph \"{}\" {{", escape_dot(name));
    out.push_str("  graph [rankdir=TB];\n");
    out.push_str("  node [fontname=\"monospace\", fontsize=12];\n");
    out.push_str("  edge [color=\"#475569\"];\n");
    for (i, node) in nodes.iter().enumerate() {
        let (shape, style) = match node.shape {
            DagShape::Box => ("box", "rounded,filled"),
            DagShape::Ellipse => ("ellipse", "filled"),
        };
        let _ = writeln!(
            out,
            "  n{i} [label=\"{}\", tooltip=\"{}\", shape={shape}, style=\"{style}\", fillcolor=\"{}\"];",
            escape_dot(&node.label),
            escape_dot(&node.tooltip),
            escape_dot(fill_or_default(&node.fill)),
        );
    }
    for (from, to) in valid_edges(nodes.len(), edges) {
        let _ = writeln!(out, "  n{from} -> n{to};");
    }
    out.push_str("}\n");
    out
}

// ---------------------------------------------------------------------------------------
// Geometry constants (pixels).

/// Advance of one monospace character at 12 px (0.6 em).
const CHAR_W: f64 = 7.2;
/// Distance between two text lines.
const LINE_H: f64 = 15.0;
/// Offset from a line's vertical centre to its baseline.
const BASELINE: f64 = 4.0;
const PAD_X: f64 = 10.0;
const PAD_Y: f64 = 7.0;
const MIN_W: f64 = 36.0;
/// Horizontal gap next to a box.
const H_GAP: f64 = 24.0;
/// Horizontal gap between two dummy points.
const DUMMY_GAP: f64 = 10.0;
/// Vertical gap between layers.
const V_GAP: f64 = 44.0;
const MARGIN: f64 = 12.0;
/// Horizontal distance between the ends of edges meeting at one side of a node.
const PORT_STEP: f64 = 8.0;
/// Rounds of barycenter ordering; each round is one down and one up sweep.
const ORDER_ROUNDS: usize = 4;
/// Rounds of coordinate straightening; each round is one down and one up pass.
const COORD_ROUNDS: usize = 4;
/// Budget of dummy points; past it the longest edges are drawn directly, so that a
/// pathological graph (many edges spanning hundreds of layers) stays fast.
const MAX_DUMMIES: usize = 100_000;

const EDGE_COLOUR: &str = "#475569";
const BORDER_COLOUR: &str = "#334155";
const FONT_FAMILY: &str = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";

// ---------------------------------------------------------------------------------------
// Layout result.

/// A laid-out node: centre, width and height.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NodeBox {
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) w: f64,
    pub(crate) h: f64,
}

/// A laid-out edge of the input (after dropping invalid, duplicate and self edges).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EdgeRoute {
    pub(crate) from: usize,
    pub(crate) to: usize,
    /// From the `from` node's border to the `to` node's border. Every dummy point adds two
    /// points (top and bottom of its layer); consecutive points alternate between a Bézier
    /// across a gap between layers and a straight line through a layer.
    pub(crate) points: Vec<(f64, f64)>,
}

/// Positions of everything in the drawing, in SVG user units.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    pub(crate) nodes: Vec<NodeBox>,
    pub(crate) edges: Vec<EdgeRoute>,
    pub(crate) width: f64,
    pub(crate) height: f64,
}

/// Runs the whole layout pipeline (see the module documentation).
pub(crate) fn layout(nodes: &[DagNode], edges: &[(usize, usize)]) -> Layout {
    let n = nodes.len();
    let edges: Vec<(usize, usize)> = valid_edges(n, edges)
        .into_iter()
        .filter(|&(u, v)| u != v)
        .collect();
    let reversed = find_back_edges(n, &edges);
    let dag: Vec<(usize, usize)> = edges
        .iter()
        .zip(&reversed)
        .map(|(&(u, v), &back)| if back { (v, u) } else { (u, v) })
        .collect();
    let mut node_layer = longest_path_layers(n, &dag);
    lower_sources(&mut node_layer, &dag);
    let sizes: Vec<(f64, f64)> = nodes.iter().map(node_size).collect();
    let graph = LayerGraph::build(&sizes, &node_layer, &dag);
    let order = order_layers(&graph);
    let mut x = assign_x(&graph, &order);
    let width = normalize_x(&graph, &mut x);
    let bands = layer_bands(&graph);
    let height = bands
        .last()
        .map_or(2.0 * MARGIN, |&(top, h)| top + h + MARGIN);
    let boxes = node_boxes(&graph, &x, &bands);
    let geometry = Geometry {
        graph: &graph,
        x: &x,
        bands: &bands,
        boxes: &boxes,
        nodes,
    };
    let edges = edges
        .iter()
        .zip(&reversed)
        .zip(geometry.routes())
        .map(|((&(from, to), &back), mut points)| {
            if back {
                points.reverse(); // drawn upwards, still ending at its target
            }
            EdgeRoute { from, to, points }
        })
        .collect();
    Layout {
        nodes: boxes,
        edges,
        width,
        height,
    }
}

// ---------------------------------------------------------------------------------------
// Step 0: input cleaning and node sizes.

/// Edges with both ends in range, first occurrence of each kept, input order preserved.
fn valid_edges(n: usize, edges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut seen = HashSet::with_capacity(edges.len());
    edges
        .iter()
        .copied()
        .filter(|&(u, v)| u < n && v < n && seen.insert((u, v)))
        .collect()
}

fn label_lines(label: &str) -> Vec<&str> {
    label
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .collect()
}

/// Width and height of a node, from its longest label line and its line count.
fn node_size(node: &DagNode) -> (f64, f64) {
    let lines = label_lines(&node.label);
    let chars = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let text_w = chars as f64 * CHAR_W;
    let text_h = lines.len() as f64 * LINE_H;
    let (w, h) = match node.shape {
        DagShape::Box => (text_w + 2.0 * PAD_X, text_h + 2.0 * PAD_Y),
        // An ellipse needs more room than the text's bounding box to contain it.
        DagShape::Ellipse => (1.2 * text_w + 2.0 * PAD_X + 8.0, 1.2 * text_h + 2.0 * PAD_Y),
    };
    (w.max(MIN_W), h)
}

// ---------------------------------------------------------------------------------------
// Step 1: cycle breaking.

/// Outgoing edge indices per node, in input order.
fn out_edges(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); n];
    for (e, &(u, _)) in edges.iter().enumerate() {
        out[u].push(e);
    }
    out
}

/// Marks the back edges of an iterative depth-first search (roots in index order):
/// reversing them leaves an acyclic graph.
fn find_back_edges(n: usize, edges: &[(usize, usize)]) -> Vec<bool> {
    const NEW: u8 = 0;
    const ON_STACK: u8 = 1;
    const DONE: u8 = 2;
    let out = out_edges(n, edges);
    let mut state = vec![NEW; n];
    let mut back = vec![false; edges.len()];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if state[root] != NEW {
            continue;
        }
        state[root] = ON_STACK;
        stack.push((root, 0));
        while let Some(&(v, next)) = stack.last() {
            let Some(&e) = out[v].get(next) else {
                state[v] = DONE;
                stack.pop();
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            let w = edges[e].1;
            match state[w] {
                NEW => {
                    state[w] = ON_STACK;
                    stack.push((w, 0));
                }
                ON_STACK => back[e] = true,
                _ => {}
            }
        }
    }
    back
}

// ---------------------------------------------------------------------------------------
// Step 2: layering.

/// Longest path from the sources (Kahn's algorithm); `dag` must be acyclic.
fn longest_path_layers(n: usize, dag: &[(usize, usize)]) -> Vec<usize> {
    let out = out_edges(n, dag);
    let mut indegree = vec![0usize; n];
    for &(_, v) in dag {
        indegree[v] += 1;
    }
    let mut queue: VecDeque<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut layer = vec![0usize; n];
    while let Some(u) = queue.pop_front() {
        for &e in &out[u] {
            let v = dag[e].1;
            layer[v] = layer[v].max(layer[u] + 1);
            indegree[v] -= 1;
            if indegree[v] == 0 {
                queue.push_back(v);
            }
        }
    }
    layer
}

/// Moves every source (a node without inputs) down to just above its first user, so that
/// e.g. a literal used deep in a plan does not drag a long edge from the top row. Every
/// other node keeps its longest-path layer, which stays `1 + max` over its inputs.
fn lower_sources(layer: &mut [usize], dag: &[(usize, usize)]) {
    let mut has_input = vec![false; layer.len()];
    let mut first_user = vec![usize::MAX; layer.len()];
    for &(u, v) in dag {
        has_input[v] = true;
        first_user[u] = first_user[u].min(layer[v]);
    }
    for (v, l) in layer.iter_mut().enumerate() {
        if !has_input[v] && first_user[v] != usize::MAX {
            *l = first_user[v] - 1;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Step 3: the layered graph with dummy points.

/// Real nodes (vertices `0..real`) plus dummy points, linked only between adjacent layers.
struct LayerGraph {
    real: usize,
    /// Layer of every vertex.
    layer: Vec<usize>,
    /// Width of every vertex (0 for dummy points).
    width: Vec<f64>,
    /// Height of every real node.
    height: Vec<f64>,
    /// Neighbours one layer up / down.
    up: Vec<Vec<usize>>,
    down: Vec<Vec<usize>>,
    /// Per DAG edge, its vertices from the upper end to the lower end.
    chains: Vec<Vec<usize>>,
    layer_count: usize,
}

impl LayerGraph {
    fn build(sizes: &[(f64, f64)], node_layer: &[usize], dag: &[(usize, usize)]) -> Self {
        let n = sizes.len();
        let mut graph = LayerGraph {
            real: n,
            layer: node_layer.to_vec(),
            width: sizes.iter().map(|&(w, _)| w).collect(),
            height: sizes.iter().map(|&(_, h)| h).collect(),
            up: vec![Vec::new(); n],
            down: vec![Vec::new(); n],
            chains: Vec::with_capacity(dag.len()),
            layer_count: node_layer.iter().max().map_or(0, |&m| m + 1),
        };
        let granted = dummy_grants(node_layer, dag);
        for (&(u, v), &grant) in dag.iter().zip(&granted) {
            let chain = if grant {
                graph.add_chain(u, v)
            } else {
                vec![u, v]
            };
            graph.chains.push(chain);
        }
        graph
    }

    /// Links `u` to `v` through one new dummy point per layer in between.
    fn add_chain(&mut self, u: usize, v: usize) -> Vec<usize> {
        let mut chain = vec![u];
        for layer in self.layer[u] + 1..self.layer[v] {
            chain.push(self.add_dummy(layer));
        }
        chain.push(v);
        for pair in chain.windows(2) {
            self.down[pair[0]].push(pair[1]);
            self.up[pair[1]].push(pair[0]);
        }
        chain
    }

    fn add_dummy(&mut self, layer: usize) -> usize {
        self.layer.push(layer);
        self.width.push(0.0);
        self.up.push(Vec::new());
        self.down.push(Vec::new());
        self.layer.len() - 1
    }

    fn vertex_count(&self) -> usize {
        self.layer.len()
    }

    fn is_dummy(&self, v: usize) -> bool {
        v >= self.real
    }

    /// Minimum distance between the centres of two neighbours in a layer.
    fn separation(&self, a: usize, b: usize) -> f64 {
        let gap = if self.is_dummy(a) && self.is_dummy(b) {
            DUMMY_GAP
        } else {
            H_GAP
        };
        (self.width[a] + self.width[b]) / 2.0 + gap
    }
}

/// Which DAG edges get dummy points: all of them unless that exceeds [`MAX_DUMMIES`], in
/// which case the shortest edges are served first.
fn dummy_grants(node_layer: &[usize], dag: &[(usize, usize)]) -> Vec<bool> {
    let needed: Vec<usize> = dag
        .iter()
        .map(|&(u, v)| node_layer[v] - node_layer[u] - 1)
        .collect();
    let mut by_length: Vec<usize> = (0..dag.len()).collect();
    by_length.sort_by_key(|&e| (needed[e], e));
    let mut granted = vec![false; dag.len()];
    let mut used = 0;
    for e in by_length {
        if used + needed[e] > MAX_DUMMIES {
            break;
        }
        used += needed[e];
        granted[e] = true;
    }
    granted
}

// ---------------------------------------------------------------------------------------
// Step 4: ordering inside the layers.

/// Vertices of every layer, left to right, after the barycenter sweeps.
fn order_layers(graph: &LayerGraph) -> Vec<Vec<usize>> {
    let mut layers = vec![Vec::new(); graph.layer_count];
    for v in 0..graph.vertex_count() {
        layers[graph.layer[v]].push(v);
    }
    let mut pos = vec![0usize; graph.vertex_count()];
    for layer in &layers {
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i;
        }
    }
    let mut best = layers.clone();
    let mut best_crossings = total_crossings(graph, &layers, &pos);
    for _ in 0..ORDER_ROUNDS {
        for downwards in [true, false] {
            if best_crossings == 0 {
                return best;
            }
            sweep(graph, &mut layers, &mut pos, downwards);
            let crossings = total_crossings(graph, &layers, &pos);
            if crossings < best_crossings {
                best_crossings = crossings;
                best.clone_from(&layers);
            }
        }
    }
    best
}

/// One barycenter sweep: each layer is sorted by the mean position of its neighbours in
/// the layer above (downwards) or below (upwards).
fn sweep(graph: &LayerGraph, layers: &mut [Vec<usize>], pos: &mut [usize], downwards: bool) {
    if downwards {
        for layer in layers.iter_mut().skip(1) {
            reorder(layer, &graph.up, pos);
        }
    } else {
        for layer in layers.iter_mut().rev().skip(1) {
            reorder(layer, &graph.down, pos);
        }
    }
}

fn reorder(layer: &mut [usize], adjacent: &[Vec<usize>], pos: &mut [usize]) {
    let mut keyed: Vec<(f64, usize)> = layer
        .iter()
        .map(|&v| (barycenter(&adjacent[v], pos).unwrap_or(pos[v] as f64), v))
        .collect();
    // Stable tie-breaking: equal barycenters keep their current relative order.
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(pos[a.1].cmp(&pos[b.1])));
    for (i, (slot, &(_, v))) in layer.iter_mut().zip(&keyed).enumerate() {
        *slot = v;
        pos[v] = i;
    }
}

fn barycenter(neighbours: &[usize], pos: &[usize]) -> Option<f64> {
    if neighbours.is_empty() {
        return None;
    }
    let sum: usize = neighbours.iter().map(|&u| pos[u]).sum();
    Some(sum as f64 / neighbours.len() as f64)
}

fn total_crossings(graph: &LayerGraph, layers: &[Vec<usize>], pos: &[usize]) -> u64 {
    layers
        .windows(2)
        .map(|pair| crossings_between(graph, &pair[0], pair[1].len(), pos))
        .sum()
}

/// Crossings between a layer and the next one: inversions among the lower ends of the
/// segments taken in upper-end order, counted with a Fenwick tree in O(E log V).
fn crossings_between(graph: &LayerGraph, upper: &[usize], lower_len: usize, pos: &[usize]) -> u64 {
    let mut lower_ends = Vec::new();
    for &a in upper {
        let start = lower_ends.len();
        lower_ends.extend(graph.down[a].iter().map(|&b| pos[b]));
        lower_ends[start..].sort_unstable();
    }
    let mut tree = Fenwick::new(lower_len);
    let mut crossings = 0;
    for (seen, &p) in lower_ends.iter().enumerate() {
        crossings += (seen - tree.count_up_to(p)) as u64;
        tree.add(p);
    }
    crossings
}

/// Counts of inserted positions, with prefix sums in O(log n).
struct Fenwick {
    tree: Vec<usize>,
}

impl Fenwick {
    fn new(len: usize) -> Self {
        Fenwick {
            tree: vec![0; len + 1],
        }
    }

    fn add(&mut self, pos: usize) {
        let mut i = pos + 1;
        while i < self.tree.len() {
            self.tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }

    /// How many inserted positions are `<= pos`.
    fn count_up_to(&self, pos: usize) -> usize {
        let mut i = pos + 1;
        let mut sum = 0;
        while i > 0 {
            sum += self.tree[i];
            i -= i & i.wrapping_neg();
        }
        sum
    }
}

// ---------------------------------------------------------------------------------------
// Step 5: coordinates.

/// Horizontal centre of every vertex, around 0.
fn assign_x(graph: &LayerGraph, layers: &[Vec<usize>]) -> Vec<f64> {
    let mut x = vec![0.0; graph.vertex_count()];
    for layer in layers {
        pack_centered(graph, layer, &mut x);
    }
    for _ in 0..COORD_ROUNDS {
        for layer in layers.iter().skip(1) {
            align(graph, layer, &graph.up, &mut x);
        }
        for layer in layers.iter().rev().skip(1) {
            align(graph, layer, &graph.down, &mut x);
        }
    }
    x
}

/// Places a layer's vertices side by side at minimum distance, centred on 0.
fn pack_centered(graph: &LayerGraph, layer: &[usize], x: &mut [f64]) {
    let (Some(&first), Some(&last)) = (layer.first(), layer.last()) else {
        return;
    };
    let mut cursor = 0.0;
    for (i, &v) in layer.iter().enumerate() {
        if i > 0 {
            cursor += graph.separation(layer[i - 1], v);
        }
        x[v] = cursor;
    }
    let centre = (cursor + graph.width[last] / 2.0 - graph.width[first] / 2.0) / 2.0;
    for &v in layer {
        x[v] -= centre;
    }
}

/// Moves each vertex of a layer towards the mean `x` of its `adjacent` neighbours,
/// keeping the order and the minimum separations. The result is the average of a
/// left-to-right and a right-to-left resolution of the overlaps, both of which satisfy
/// the separation constraints, so their average does too.
fn align(graph: &LayerGraph, layer: &[usize], adjacent: &[Vec<usize>], x: &mut [f64]) {
    let desired: Vec<f64> = layer
        .iter()
        .map(|&v| mean_x(&adjacent[v], x).unwrap_or(x[v]))
        .collect();
    let mut left = desired.clone();
    for i in 1..layer.len() {
        left[i] = left[i].max(left[i - 1] + graph.separation(layer[i - 1], layer[i]));
    }
    let mut right = desired;
    for i in (1..layer.len()).rev() {
        right[i - 1] = right[i - 1].min(right[i] - graph.separation(layer[i - 1], layer[i]));
    }
    for ((&v, l), r) in layer.iter().zip(left).zip(right) {
        x[v] = (l + r) / 2.0;
    }
}

fn mean_x(neighbours: &[usize], x: &[f64]) -> Option<f64> {
    if neighbours.is_empty() {
        return None;
    }
    Some(neighbours.iter().map(|&u| x[u]).sum::<f64>() / neighbours.len() as f64)
}

/// Shifts `x` so the drawing starts at the margin; returns the drawing's total width.
fn normalize_x(graph: &LayerGraph, x: &mut [f64]) -> f64 {
    if x.is_empty() {
        return 2.0 * MARGIN;
    }
    let half = |v: usize| graph.width[v] / 2.0;
    let left = (0..x.len())
        .map(|v| x[v] - half(v))
        .fold(f64::INFINITY, f64::min);
    let right = (0..x.len())
        .map(|v| x[v] + half(v))
        .fold(f64::NEG_INFINITY, f64::max);
    let shift = MARGIN - left;
    for value in x.iter_mut() {
        *value += shift;
    }
    right - left + 2.0 * MARGIN
}

/// Boxes of the real nodes, vertically centred in their layer.
fn node_boxes(graph: &LayerGraph, x: &[f64], bands: &[(f64, f64)]) -> Vec<NodeBox> {
    (0..graph.real)
        .map(|v| {
            let (top, band_h) = bands[graph.layer[v]];
            NodeBox {
                x: x[v],
                y: top + band_h / 2.0,
                w: graph.width[v],
                h: graph.height[v],
            }
        })
        .collect()
}

/// Top and height of every layer: as tall as its tallest node, separated by [`V_GAP`].
fn layer_bands(graph: &LayerGraph) -> Vec<(f64, f64)> {
    let mut heights = vec![LINE_H; graph.layer_count];
    for (v, &h) in graph.height.iter().enumerate() {
        let band = &mut heights[graph.layer[v]];
        *band = band.max(h);
    }
    let mut top = MARGIN;
    heights
        .into_iter()
        .map(|h| {
            let band = (top, h);
            top += h + V_GAP;
            band
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Edge routes.

/// Everything needed to turn the chains of the layered graph into point lists.
struct Geometry<'a> {
    graph: &'a LayerGraph,
    x: &'a [f64],
    bands: &'a [(f64, f64)],
    boxes: &'a [NodeBox],
    nodes: &'a [DagNode],
}

impl Geometry<'_> {
    /// Points of every chain, from its upper end to its lower end.
    fn routes(&self) -> Vec<Vec<(f64, f64)>> {
        let (out_offset, in_offset) = self.port_offsets();
        self.graph
            .chains
            .iter()
            .enumerate()
            .map(|(e, chain)| self.route(chain, out_offset[e], in_offset[e]))
            .collect()
    }

    fn route(&self, chain: &[usize], out_offset: f64, in_offset: f64) -> Vec<(f64, f64)> {
        let (first, last) = (chain[0], chain[chain.len() - 1]);
        let mut points = Vec::with_capacity(2 * chain.len() - 2);
        points.push(self.border_point(first, out_offset, true));
        for &d in &chain[1..chain.len() - 1] {
            let (top, h) = self.bands[self.graph.layer[d]];
            points.push((self.x[d], top));
            points.push((self.x[d], top + h));
        }
        points.push(self.border_point(last, in_offset, false));
        points
    }

    /// Where an edge leaves (bottom) or enters (top) a node, `dx` right of its centre.
    fn border_point(&self, v: usize, dx: f64, bottom: bool) -> (f64, f64) {
        let b = &self.boxes[v];
        let half_h = match self.nodes[v].shape {
            DagShape::Box => b.h / 2.0,
            DagShape::Ellipse => {
                let t = (dx / (b.w / 2.0)).clamp(-1.0, 1.0);
                b.h / 2.0 * (1.0 - t * t).sqrt()
            }
        };
        (b.x + dx, if bottom { b.y + half_h } else { b.y - half_h })
    }

    /// Spreads the ends of the edges meeting at one side of a node, ordered by the
    /// position of their other end so that they do not cross at the node.
    fn port_offsets(&self) -> (Vec<f64>, Vec<f64>) {
        let chains = &self.graph.chains;
        let mut outgoing = vec![Vec::new(); self.graph.real];
        let mut incoming = vec![Vec::new(); self.graph.real];
        for (e, chain) in chains.iter().enumerate() {
            let len = chain.len();
            outgoing[chain[0]].push((self.x[chain[1]], e));
            incoming[chain[len - 1]].push((self.x[chain[len - 2]], e));
        }
        let mut out_offset = vec![0.0; chains.len()];
        let mut in_offset = vec![0.0; chains.len()];
        for v in 0..self.graph.real {
            let width = self.graph.width[v];
            spread_ports(&mut outgoing[v], width, &mut out_offset);
            spread_ports(&mut incoming[v], width, &mut in_offset);
        }
        (out_offset, in_offset)
    }
}

fn spread_ports(ports: &mut [(f64, usize)], width: f64, offset: &mut [f64]) {
    if ports.len() < 2 {
        return;
    }
    ports.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let gaps = (ports.len() - 1) as f64;
    let step = PORT_STEP.min(0.7 * width / gaps);
    for (i, &(_, e)) in ports.iter().enumerate() {
        offset[e] = (i as f64 - gaps / 2.0) * step;
    }
}

// ---------------------------------------------------------------------------------------
// SVG output.

fn write_svg_header(out: &mut String, layout: &Layout) {
    let (w, h) = (layout.width.ceil(), layout.height.ceil());
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" font-family=\"{FONT_FAMILY}\" font-size=\"12\">"
    );
    let _ = writeln!(
        out,
        "<defs><marker id=\"rask-dag-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerWidth=\"8\" markerHeight=\"8\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">\
         <path d=\"M0,0L10,5L0,10z\" fill=\"{EDGE_COLOUR}\"/></marker></defs>"
    );
    out.push_str("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
}

fn write_svg_edges(out: &mut String, layout: &Layout) {
    let _ = writeln!(
        out,
        "<g class=\"edges\" fill=\"none\" stroke=\"{EDGE_COLOUR}\" stroke-width=\"1.2\">"
    );
    for edge in &layout.edges {
        let _ = write!(
            out,
            "<path data-from=\"{}\" data-to=\"{}\" d=\"",
            edge.from, edge.to
        );
        push_path_data(out, &edge.points);
        out.push_str("\" marker-end=\"url(#rask-dag-arrow)\"/>\n");
    }
    out.push_str("</g>\n");
}

/// `M` to the first point, then alternately a Bézier with vertical tangents (across a gap
/// between layers) and a straight line (through a dummy point's layer).
fn push_path_data(out: &mut String, points: &[(f64, f64)]) {
    let Some(&(x0, y0)) = points.first() else {
        return;
    };
    let _ = write!(out, "M{x0:.1},{y0:.1}");
    for (i, pair) in points.windows(2).enumerate() {
        let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
        if i % 2 == 1 || (ax - bx).abs() < 0.05 {
            let _ = write!(out, "L{bx:.1},{by:.1}");
        } else {
            let my = (ay + by) / 2.0;
            let _ = write!(out, "C{ax:.1},{my:.1} {bx:.1},{my:.1} {bx:.1},{by:.1}");
        }
    }
}

fn write_svg_nodes(out: &mut String, nodes: &[DagNode], layout: &Layout) {
    let _ = writeln!(
        out,
        "<g class=\"nodes\" stroke=\"{BORDER_COLOUR}\" stroke-width=\"1\">"
    );
    for (node, b) in nodes.iter().zip(&layout.nodes) {
        write_svg_node(out, node, b);
    }
    out.push_str("</g>\n");
}

fn write_svg_node(out: &mut String, node: &DagNode, b: &NodeBox) {
    out.push_str("<g class=\"node\"><title>");
    push_escaped(out, &node.tooltip);
    out.push_str("</title>");
    match node.shape {
        DagShape::Box => {
            let _ = write!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"5\"",
                b.x - b.w / 2.0,
                b.y - b.h / 2.0,
                b.w,
                b.h
            );
        }
        DagShape::Ellipse => {
            let _ = write!(
                out,
                "<ellipse cx=\"{:.1}\" cy=\"{:.1}\" rx=\"{:.1}\" ry=\"{:.1}\"",
                b.x,
                b.y,
                b.w / 2.0,
                b.h / 2.0
            );
        }
    }
    out.push_str(" fill=\"");
    push_escaped(out, fill_or_default(&node.fill));
    out.push_str("\"/>");
    write_svg_label(out, &node.label, b);
    out.push_str("</g>\n");
}

/// One `<tspan>` per label line, centred on the node.
fn write_svg_label(out: &mut String, label: &str, b: &NodeBox) {
    let lines = label_lines(label);
    let middle = (lines.len() - 1) as f64 / 2.0;
    out.push_str(
        "<text text-anchor=\"middle\" stroke=\"none\" fill=\"#0f172a\" xml:space=\"preserve\">",
    );
    for (i, line) in lines.iter().enumerate() {
        let y = b.y + (i as f64 - middle) * LINE_H + BASELINE;
        let _ = write!(out, "<tspan x=\"{:.1}\" y=\"{y:.1}\">", b.x);
        push_escaped(out, line);
        out.push_str("</tspan>");
    }
    out.push_str("</text>");
}

fn fill_or_default(fill: &str) -> &str {
    if fill.trim().is_empty() {
        "#ffffff"
    } else {
        fill
    }
}

/// Appends `text` XML-escaped; characters XML 1.0 forbids become U+FFFD.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// Escapes text for a double-quoted DOT string; newlines become centred line breaks.
fn escape_dot(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            '\r' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

// ---------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn node(label: &str) -> DagNode {
        DagNode {
            label: label.to_string(),
            tooltip: format!("key of {label}"),
            fill: "#dbeafe".to_string(),
            shape: DagShape::Box,
        }
    }

    fn nodes(labels: &[&str]) -> Vec<DagNode> {
        labels.iter().map(|l| node(l)).collect()
    }

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        push_escaped(&mut out, text);
        out
    }

    /// Tiny deterministic xorshift64 generator.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        fn below(&mut self, bound: usize) -> usize {
            (self.next() % bound as u64) as usize
        }
    }

    /// A random DAG: every edge goes from a lower to a higher index, its source chosen
    /// at most `window` indices back (`window = n` for uniformly random edges).
    fn random_dag(
        n: usize,
        m: usize,
        window: usize,
        seed: u64,
    ) -> (Vec<DagNode>, Vec<(usize, usize)>) {
        let mut rng = XorShift(seed);
        let nodes = (0..n)
            .map(|i| DagNode {
                label: format!("op{i}\n{}", "x".repeat(rng.below(20))),
                tooltip: format!("k{i:x}"),
                fill: "#fef3c7".to_string(),
                shape: if i % 7 == 0 {
                    DagShape::Ellipse
                } else {
                    DagShape::Box
                },
            })
            .collect();
        let edges = (0..m)
            .map(|_| {
                let to = 1 + rng.below(n - 1);
                (to - 1 - rng.below(to.min(window)), to)
            })
            .collect();
        (nodes, edges)
    }

    fn assert_inputs_above(layout: &Layout, edges: &[(usize, usize)]) {
        for &(u, v) in edges {
            let (a, b) = (&layout.nodes[u], &layout.nodes[v]);
            assert!(a.y + a.h / 2.0 < b.y - b.h / 2.0, "{u} must be above {v}");
        }
    }

    fn assert_no_overlap(layout: &Layout) {
        let mut by_row: Vec<&NodeBox> = layout.nodes.iter().collect();
        by_row.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
        for pair in by_row.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if a.y == b.y {
                assert!(
                    a.x + a.w / 2.0 + H_GAP - 1e-6 <= b.x - b.w / 2.0,
                    "{a:?} overlaps {b:?}"
                );
            }
        }
    }

    fn assert_inside(layout: &Layout) {
        for b in &layout.nodes {
            assert!(b.x - b.w / 2.0 >= 0.0 && b.x + b.w / 2.0 <= layout.width + 1e-6);
            assert!(b.y - b.h / 2.0 >= 0.0 && b.y + b.h / 2.0 <= layout.height + 1e-6);
        }
    }

    /// Number of dummy points of the route of edge `from -> to`.
    fn dummies(layout: &Layout, from: usize, to: usize) -> usize {
        let route = layout.edges.iter().find(|e| (e.from, e.to) == (from, to));
        (route.expect("edge is drawn").points.len() - 2) / 2
    }

    #[test]
    fn svg_is_a_document_with_all_text_escaped() {
        let mut graph = nodes(&["a < b && c", "say \"hi\"\nit's <here>", "plain"]);
        graph[2].shape = DagShape::Ellipse;
        graph[0].tooltip = "0x1f & <key>".to_string();
        let svg = render_svg(&graph, &[(0, 1), (1, 2)]);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        for n in &graph {
            for line in n.label.lines() {
                assert!(
                    svg.contains(&format!(">{}</tspan>", escaped(line))),
                    "{line}"
                );
            }
            assert!(svg.contains(&format!("<title>{}</title>", escaped(&n.tooltip))));
        }
        assert!(svg.contains("a &lt; b &amp;&amp; c"));
        assert!(svg.contains("it&apos;s &lt;here&gt;"));
        assert!(!svg.contains("<here>") && !svg.contains("a < b"));
        assert_eq!(svg.matches("<path data-from").count(), 2);
        assert_eq!(svg.matches("<ellipse").count(), 1);
        assert!(svg.contains("marker-end=\"url(#rask-dag-arrow)\""));
    }

    #[test]
    fn svg_size_matches_the_layout() {
        let graph = nodes(&["a", "a much longer label", "c"]);
        let layout = layout(&graph, &[(0, 1), (0, 2)]);
        let svg = render_svg(&graph, &[(0, 1), (0, 2)]);
        let (w, h) = (layout.width.ceil(), layout.height.ceil());
        assert!(svg.contains(&format!(
            "width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\""
        )));
        assert_inside(&layout);
    }

    #[test]
    fn control_characters_are_replaced() {
        assert_eq!(escaped("a\u{1}b\tc"), "a\u{FFFD}b\tc");
    }

    #[test]
    fn node_size_follows_the_label() {
        let (w1, h1) = node_size(&node("abc"));
        let (w2, h2) = node_size(&node("abcdefghijkl\nx\ny"));
        assert!(w2 > w1 && h2 > h1);
        assert!((w2 - (12.0 * CHAR_W + 2.0 * PAD_X)).abs() < 1e-9);
        assert!((h2 - 3.0 * h1 + 4.0 * PAD_Y).abs() < 1e-9);
    }

    #[test]
    fn diamond_lays_out_in_three_layers() {
        let graph = nodes(&["a", "b", "c", "d"]);
        let edges = [(0, 1), (0, 2), (1, 3), (2, 3)];
        let layout = layout(&graph, &edges);
        let [a, b, c, d] = &layout.nodes[..] else {
            unreachable!()
        };
        assert_inputs_above(&layout, &edges);
        assert_eq!(b.y, c.y);
        assert!(b.x < c.x, "input order is kept when it costs no crossing");
        assert!(a.x > b.x && a.x < c.x, "a sits above the middle of b and c");
        assert!(d.x > b.x && d.x < c.x, "d sits below the middle of b and c");
        assert!(layout.edges.iter().all(|e| e.points.len() == 2));
        assert_no_overlap(&layout);
    }

    #[test]
    fn long_skip_edge_routes_through_dummy_points_beside_the_boxes() {
        let graph = nodes(&["a", "b", "c", "d"]);
        let edges = [(0, 1), (1, 2), (2, 3), (0, 3)];
        let layout = layout(&graph, &edges);
        assert_inputs_above(&layout, &edges);
        assert_eq!(dummies(&layout, 0, 3), 2);
        assert_eq!(dummies(&layout, 0, 1), 0);
        let skip = layout
            .edges
            .iter()
            .find(|e| (e.from, e.to) == (0, 3))
            .unwrap();
        for (&(x, y), middle) in skip.points[1..5].iter().zip([1, 1, 2, 2]) {
            let b = &layout.nodes[middle];
            assert!(
                (x - b.x).abs() >= b.w / 2.0 + H_GAP - 1e-6,
                "dummy point in box {middle}"
            );
            assert!(
                (y - b.y).abs() <= b.h / 2.0 + 1e-6,
                "dummy point spans the layer"
            );
        }
    }

    #[test]
    fn path_data_alternates_curves_and_layer_lines() {
        let mut d = String::new();
        push_path_data(
            &mut d,
            &[(0.0, 0.0), (10.0, 20.0), (10.0, 40.0), (0.0, 60.0)],
        );
        assert_eq!(
            d,
            "M0.0,0.0C0.0,10.0 10.0,10.0 10.0,20.0L10.0,40.0C10.0,50.0 0.0,50.0 0.0,60.0"
        );
    }

    #[test]
    fn barycenter_sweeps_remove_an_avoidable_crossing() {
        // a -> d and b -> c: index order puts c first and crosses the two edges.
        let graph = nodes(&["a", "b", "c", "d"]);
        let edges = [(0, 3), (1, 2)];
        let layout = layout(&graph, &edges);
        let x = |v: usize| layout.nodes[v].x;
        assert_eq!(x(0) < x(1), x(3) < x(2));
        assert_no_overlap(&layout);
    }

    #[test]
    fn crossing_count_is_exact() {
        let graph = LayerGraph::build(&[(40.0, 20.0); 4], &[0, 0, 1, 1], &[(0, 3), (1, 2)]);
        let layers = [vec![0, 1], vec![2, 3]];
        assert_eq!(total_crossings(&graph, &layers, &[0, 1, 0, 1]), 1);
        assert_eq!(total_crossings(&graph, &layers, &[0, 1, 1, 0]), 0);
    }

    #[test]
    fn wide_layer_does_not_overlap() {
        let labels: Vec<String> = (0..30).map(|i| "w".repeat(1 + i % 9)).collect();
        let graph: Vec<DagNode> = labels.iter().map(|l| node(l)).collect();
        let edges: Vec<(usize, usize)> = (1..30)
            .map(|i| (0, i))
            .chain((1..29).map(|i| (i, 29)))
            .collect();
        let layout = layout(&graph, &edges);
        assert_no_overlap(&layout);
        assert_inside(&layout);
        assert_inputs_above(&layout, &edges);
    }

    #[test]
    fn cycles_terminate_and_are_still_drawn() {
        let graph = nodes(&["a", "b", "c", "d"]);
        let edges = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 3)];
        let layout = layout(&graph, &edges);
        assert_eq!(layout.edges.len(), 4, "the self-loop is not drawn");
        assert_inputs_above(&layout, &[(0, 1), (1, 2), (2, 3)]);
        let back = layout
            .edges
            .iter()
            .find(|e| (e.from, e.to) == (2, 0))
            .unwrap();
        let (start, end) = (back.points[0], *back.points.last().unwrap());
        assert!(
            start.1 > end.1,
            "the back edge is drawn upwards, ending at its target"
        );
        let svg = render_svg(&graph, &edges);
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn invalid_and_duplicate_edges_are_ignored() {
        let graph = nodes(&["a", "b"]);
        let edges = [(0, 1), (0, 7), (9, 1), (0, 1)];
        let layout = layout(&graph, &edges);
        assert_eq!(layout.edges.len(), 1);
        let dot = render_dot("g", &graph, &edges);
        assert_eq!(dot.matches("->").count(), 1);
        assert!(!dot.contains("n7") && !dot.contains("n9"));
    }

    #[test]
    fn empty_graph_is_a_valid_document() {
        let svg = render_svg(&[], &[(0, 1)]);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        let layout = layout(&[], &[]);
        assert_eq!((layout.width, layout.height), (2.0 * MARGIN, 2.0 * MARGIN));
    }

    #[test]
    fn render_is_deterministic() {
        let (graph, edges) = random_dag(500, 800, 40, 7);
        assert_eq!(render_svg(&graph, &edges), render_svg(&graph, &edges));
        assert_eq!(
            render_dot("x", &graph, &edges),
            render_dot("x", &graph, &edges)
        );
    }

    #[test]
    fn random_dag_satisfies_layout_invariants() {
        let (graph, edges) = random_dag(1500, 2200, 60, 3);
        let layout = layout(&graph, &edges);
        assert_inputs_above(&layout, &valid_edges(graph.len(), &edges));
        assert_no_overlap(&layout);
        assert_inside(&layout);
    }

    #[test]
    fn ten_thousand_nodes_render_fast() {
        let (graph, edges) = random_dag(10_000, 15_000, 200, 0x9e37_79b9_7f4a_7c15);
        let start = Instant::now();
        let svg = render_svg(&graph, &edges);
        let elapsed = start.elapsed();
        eprintln!(
            "10k nodes / 15k edges: {elapsed:?}, {} bytes of SVG",
            svg.len()
        );
        assert!(svg.trim_end().ends_with("</svg>"));
        // Debug builds are only checked against a loose bound so the test is never flaky.
        let limit = if cfg!(debug_assertions) { 30.0 } else { 2.0 };
        assert!(elapsed.as_secs_f64() < limit, "took {elapsed:?}");
    }

    #[test]
    fn uniform_random_dag_satisfies_layout_invariants() {
        let (graph, edges) = random_dag(3_000, 6_000, usize::MAX, 11);
        let layout = layout(&graph, &edges);
        assert_inputs_above(&layout, &valid_edges(graph.len(), &edges));
        assert_no_overlap(&layout);
        assert_inside(&layout);
    }

    #[test]
    fn dummy_budget_goes_to_the_shortest_edges() {
        // A 1000-node chain plus 200 skip edges into its end need ~180,000 dummy points.
        let n = 1000;
        let graph: Vec<DagNode> = (0..n).map(|i| node(&format!("n{i}"))).collect();
        let edges: Vec<(usize, usize)> = (1..n)
            .map(|i| (i - 1, i))
            .chain((0..200).map(|i| (i, n - 1)))
            .collect();
        let layout = layout(&graph, &edges);
        let total: usize = layout.edges.iter().map(|e| (e.points.len() - 2) / 2).sum();
        assert!(total <= MAX_DUMMIES, "{total} dummy points");
        assert_eq!(
            dummies(&layout, 199, n - 1),
            n - 201,
            "short skip edges are routed"
        );
        assert_eq!(
            dummies(&layout, 0, n - 1),
            0,
            "the longest edges are drawn directly"
        );
        assert_inputs_above(&layout, &edges);
    }

    #[test]
    fn dot_lists_nodes_and_every_edge() {
        let mut graph = nodes(&["a \\ b", "two\nlines", "c"]);
        graph[2].shape = DagShape::Ellipse;
        let edges = [(0, 1), (1, 2), (0, 2)];
        let dot = render_dot("my \"plan\"", &graph, &edges);
        assert!(dot.starts_with("digraph \"my \\\"plan\\\"\" {"));
        assert!(dot.contains("rankdir=TB"));
        for (from, to) in edges {
            assert!(dot.contains(&format!("n{from} -> n{to};")));
        }
        assert!(dot.contains(r#"label="a \\ b""#));
        assert!(dot.contains(r#"label="two\nlines""#));
        assert!(dot.contains(r#"tooltip="key of two\nlines""#));
        assert!(dot.contains("n2 [label=\"c\", tooltip=\"key of c\", shape=ellipse"));
        assert!(dot.trim_end().ends_with('}'));
    }
}
