//! Steps 3–4: dummy points for long edges, and the barycenter ordering of each layer that
//! keeps the fewest crossings.

use super::*;

/// Real nodes (vertices `0..real`) plus dummy points, linked only between adjacent layers.
pub(crate) struct LayerGraph {
    pub(crate) real: usize,
    /// Layer of every vertex.
    pub(crate) layer: Vec<usize>,
    /// Width of every vertex (0 for dummy points).
    pub(crate) width: Vec<f64>,
    /// Height of every real node.
    pub(crate) height: Vec<f64>,
    /// Neighbours one layer up / down.
    pub(crate) up: Vec<Vec<usize>>,
    pub(crate) down: Vec<Vec<usize>>,
    /// Per DAG edge, its vertices from the upper end to the lower end.
    pub(crate) chains: Vec<Vec<usize>>,
    pub(crate) layer_count: usize,
}

impl LayerGraph {
    pub(crate) fn build(
        sizes: &[(f64, f64)],
        node_layer: &[usize],
        dag: &[(usize, usize)],
    ) -> Self {
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
    pub(crate) fn add_chain(&mut self, u: usize, v: usize) -> Vec<usize> {
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

    pub(crate) fn add_dummy(&mut self, layer: usize) -> usize {
        self.layer.push(layer);
        self.width.push(0.0);
        self.up.push(Vec::new());
        self.down.push(Vec::new());
        self.layer.len() - 1
    }

    pub(crate) fn vertex_count(&self) -> usize {
        self.layer.len()
    }

    pub(crate) fn is_dummy(&self, v: usize) -> bool {
        v >= self.real
    }

    /// Minimum distance between the centres of two neighbours in a layer.
    pub(crate) fn separation(&self, a: usize, b: usize) -> f64 {
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
pub(crate) fn dummy_grants(node_layer: &[usize], dag: &[(usize, usize)]) -> Vec<bool> {
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
pub(crate) fn order_layers(graph: &LayerGraph) -> Vec<Vec<usize>> {
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
pub(crate) fn sweep(
    graph: &LayerGraph,
    layers: &mut [Vec<usize>],
    pos: &mut [usize],
    downwards: bool,
) {
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

pub(crate) fn reorder(layer: &mut [usize], adjacent: &[Vec<usize>], pos: &mut [usize]) {
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

pub(crate) fn barycenter(neighbours: &[usize], pos: &[usize]) -> Option<f64> {
    if neighbours.is_empty() {
        return None;
    }
    let sum: usize = neighbours.iter().map(|&u| pos[u]).sum();
    Some(sum as f64 / neighbours.len() as f64)
}

pub(crate) fn total_crossings(graph: &LayerGraph, layers: &[Vec<usize>], pos: &[usize]) -> u64 {
    layers
        .windows(2)
        .map(|pair| crossings_between(graph, &pair[0], pair[1].len(), pos))
        .sum()
}

/// Crossings between a layer and the next one: inversions among the lower ends of the
/// segments taken in upper-end order, counted with a Fenwick tree in O(E log V).
pub(crate) fn crossings_between(
    graph: &LayerGraph,
    upper: &[usize],
    lower_len: usize,
    pos: &[usize],
) -> u64 {
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
pub(crate) struct Fenwick {
    pub(crate) tree: Vec<usize>,
}

impl Fenwick {
    pub(crate) fn new(len: usize) -> Self {
        Fenwick {
            tree: vec![0; len + 1],
        }
    }

    pub(crate) fn add(&mut self, pos: usize) {
        let mut i = pos + 1;
        while i < self.tree.len() {
            self.tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }

    /// How many inserted positions are `<= pos`.
    pub(crate) fn count_up_to(&self, pos: usize) -> usize {
        let mut i = pos + 1;
        let mut sum = 0;
        while i > 0 {
            sum += self.tree[i];
            i -= i & i.wrapping_neg();
        }
        sum
    }
}
