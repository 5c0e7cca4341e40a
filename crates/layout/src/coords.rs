//! Step 5: x coordinates, layer bands, node boxes and the edge routes between them.

use super::*;

/// Horizontal centre of every vertex, around 0.
pub(crate) fn assign_x(graph: &LayerGraph, layers: &[Vec<usize>]) -> Vec<f64> {
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
pub(crate) fn pack_centered(graph: &LayerGraph, layer: &[usize], x: &mut [f64]) {
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
pub(crate) fn align(graph: &LayerGraph, layer: &[usize], adjacent: &[Vec<usize>], x: &mut [f64]) {
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

pub(crate) fn mean_x(neighbours: &[usize], x: &[f64]) -> Option<f64> {
    if neighbours.is_empty() {
        return None;
    }
    Some(neighbours.iter().map(|&u| x[u]).sum::<f64>() / neighbours.len() as f64)
}

/// Shifts `x` so the drawing starts at the margin; returns the drawing's total width.
pub(crate) fn normalize_x(graph: &LayerGraph, x: &mut [f64]) -> f64 {
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
pub(crate) fn node_boxes(graph: &LayerGraph, x: &[f64], bands: &[(f64, f64)]) -> Vec<NodeBox> {
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
pub(crate) fn layer_bands(graph: &LayerGraph) -> Vec<(f64, f64)> {
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
pub(crate) struct Geometry<'a> {
    pub(crate) graph: &'a LayerGraph,
    pub(crate) x: &'a [f64],
    pub(crate) bands: &'a [(f64, f64)],
    pub(crate) boxes: &'a [NodeBox],
    pub(crate) nodes: &'a [DagNode],
}

impl Geometry<'_> {
    /// Points of every chain, from its upper end to its lower end.
    pub(crate) fn routes(&self) -> Vec<Vec<(f64, f64)>> {
        let (out_offset, in_offset) = self.port_offsets();
        self.graph
            .chains
            .iter()
            .enumerate()
            .map(|(e, chain)| self.route(chain, out_offset[e], in_offset[e]))
            .collect()
    }

    pub(crate) fn route(
        &self,
        chain: &[usize],
        out_offset: f64,
        in_offset: f64,
    ) -> Vec<(f64, f64)> {
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
    pub(crate) fn border_point(&self, v: usize, dx: f64, bottom: bool) -> (f64, f64) {
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
    pub(crate) fn port_offsets(&self) -> (Vec<f64>, Vec<f64>) {
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

pub(crate) fn spread_ports(ports: &mut [(f64, usize)], width: f64, offset: &mut [f64]) {
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
