//! Unit tests of the layout steps and the SVG/DOT output.

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
fn random_dag(n: usize, m: usize, window: usize, seed: u64) -> (Vec<DagNode>, Vec<(usize, usize)>) {
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
