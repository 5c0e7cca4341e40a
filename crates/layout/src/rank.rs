//! Steps 0–2: input cleaning, node sizes, cycle breaking and layering.

use super::*;

/// Edges with both ends in range, first occurrence of each kept, input order preserved.
pub(crate) fn valid_edges(n: usize, edges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut seen = HashSet::with_capacity(edges.len());
    edges
        .iter()
        .copied()
        .filter(|&(u, v)| u < n && v < n && seen.insert((u, v)))
        .collect()
}

pub(crate) fn label_lines(label: &str) -> Vec<&str> {
    label
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .collect()
}

/// Width and height of a node, from its longest label line and its line count.
pub(crate) fn node_size(node: &DagNode) -> (f64, f64) {
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
pub(crate) fn out_edges(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); n];
    for (e, &(u, _)) in edges.iter().enumerate() {
        out[u].push(e);
    }
    out
}

/// Marks the back edges of an iterative depth-first search (roots in index order):
/// reversing them leaves an acyclic graph.
pub(crate) fn find_back_edges(n: usize, edges: &[(usize, usize)]) -> Vec<bool> {
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
pub(crate) fn longest_path_layers(n: usize, dag: &[(usize, usize)]) -> Vec<usize> {
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
pub(crate) fn lower_sources(layer: &mut [usize], dag: &[(usize, usize)]) {
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
