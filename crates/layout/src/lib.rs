//! rask-layout: pure-Rust layered ("Sugiyama-lite") drawing of a DAG as a standalone SVG document,
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

mod coords;
mod order;
mod rank;
mod svg;
#[cfg(test)]
mod tests;

use coords::*;
use order::*;
use rank::*;
use svg::*;

/// One node of the drawing.
///
/// ```
/// use rask_layout::{DagNode, DagShape};
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
/// use rask_layout::DagShape;
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
/// use rask_layout::{render_svg, DagNode, DagShape};
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
/// use rask_layout::{render_dot, DagNode, DagShape};
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
