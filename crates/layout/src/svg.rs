//! The SVG and DOT writers.

use super::*;
pub(crate) fn write_svg_header(out: &mut String, layout: &Layout) {
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

pub(crate) fn write_svg_edges(out: &mut String, layout: &Layout) {
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
pub(crate) fn push_path_data(out: &mut String, points: &[(f64, f64)]) {
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

pub(crate) fn write_svg_nodes(out: &mut String, nodes: &[DagNode], layout: &Layout) {
    let _ = writeln!(
        out,
        "<g class=\"nodes\" stroke=\"{BORDER_COLOUR}\" stroke-width=\"1\">"
    );
    for (node, b) in nodes.iter().zip(&layout.nodes) {
        write_svg_node(out, node, b);
    }
    out.push_str("</g>\n");
}

pub(crate) fn write_svg_node(out: &mut String, node: &DagNode, b: &NodeBox) {
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
pub(crate) fn write_svg_label(out: &mut String, label: &str, b: &NodeBox) {
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

pub(crate) fn fill_or_default(fill: &str) -> &str {
    if fill.trim().is_empty() {
        "#ffffff"
    } else {
        fill
    }
}

/// Appends `text` XML-escaped; characters XML 1.0 forbids become U+FFFD.
pub(crate) fn push_escaped(out: &mut String, text: &str) {
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
pub(crate) fn escape_dot(text: &str) -> String {
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
