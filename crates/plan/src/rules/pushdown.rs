//! Projection pushdown: each source reads only the branches the outputs need.
//!
//! Needs are derived from the typed plan, walking from the outputs towards the sources:
//! `field(name)` narrows what its input must provide to that field, `num`, `local_index` and
//! `argcombinations` need only list lengths (the counter branch), any other operation needs all
//! of its inputs. At a source, field paths map to branches: `Muon.pt` → `Muon_pt`,
//! `MET.phi` → `MET_phi`, `num(Muon)` → `nMuon` (unless a branch `nMuon` counts is read anyway:
//! its offsets give the lengths).
//!
//! Before: `source(events, columns=None)`. After: `source(events, columns=[MET_pt, Muon_pt])`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::{Plan, Rule, copy_node, rebuild};
use crate::error::PlanError;
use crate::graph::{Graph, NodeId};
use crate::op::{LorentzOp, Op, SourceSpec};
use crate::types::Ty;

/// What a consumer needs of a value: field paths below it; `structure` when only list lengths.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Need {
    /// `(path, structure_only)`; the empty path means the whole value.
    paths: BTreeSet<(Vec<String>, bool)>,
}

impl Need {
    fn all() -> Need {
        Need {
            paths: BTreeSet::from([(Vec::new(), false)]),
        }
    }
}

/// The projection pushdown rule.
pub struct ProjectionPushdown;

impl Rule for ProjectionPushdown {
    fn name(&self) -> &'static str {
        "projection_pushdown"
    }

    fn rewrite(&self, plan: &Plan) -> Result<Plan, PlanError> {
        let (columns, zip_keeps) = needs_by_node(&plan.graph, &plan.outputs);
        rebuild(plan, self.name(), |graph, old, id, inputs| {
            match &old.node(id).op {
                // Fields of a zip that nothing reads are dropped, so their branches are not
                // read (and nothing evaluates them).
                Op::Zip(names) if zip_keeps.get(&id).is_some_and(|k| k.len() < names.len()) => {
                    let keep = &zip_keeps[&id];
                    let names = keep.iter().map(|&i| names[i].clone()).collect();
                    let inputs = keep.iter().map(|&i| inputs[i]).collect();
                    graph.add(Op::Zip(names), inputs)
                }
                Op::Source(spec) => {
                    let mut spec: SourceSpec = (**spec).clone();
                    if let Some(cols) = columns.get(&id) {
                        spec.columns = Some(cols.clone());
                    }
                    graph.add(Op::Source(Arc::new(spec)), inputs)
                }
                _ => copy_node(graph, old, id, inputs),
            }
        })
    }
}

/// The branches each source must read for `outputs`, by source label (sorted).
pub fn necessary_columns(graph: &Graph, outputs: &[NodeId]) -> BTreeMap<String, Vec<String>> {
    let by_node = necessary_columns_by_node(graph, outputs);
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, cols) in by_node {
        if let Op::Source(spec) = &graph.node(id).op {
            let entry = out.entry(spec.label.clone()).or_default();
            entry.extend(cols);
            entry.sort();
            entry.dedup();
        }
    }
    out
}

fn necessary_columns_by_node(graph: &Graph, outputs: &[NodeId]) -> HashMap<NodeId, Vec<String>> {
    needs_by_node(graph, outputs).0
}

/// The columns of every source, and for every zip the positions of the fields something reads.
#[allow(clippy::type_complexity)]
fn needs_by_node(
    graph: &Graph,
    outputs: &[NodeId],
) -> (HashMap<NodeId, Vec<String>>, HashMap<NodeId, Vec<usize>>) {
    let mut zip_keeps: HashMap<NodeId, Vec<usize>> = HashMap::new();
    let order = graph.topo_order(outputs);
    let mut needs: HashMap<NodeId, Need> = HashMap::new();
    for o in outputs {
        needs.insert(*o, Need::all());
    }
    let mut result = HashMap::new();
    for &id in order.iter().rev() {
        let need = needs.remove(&id).unwrap_or_default();
        let node = graph.node(id);
        match &node.op {
            Op::Source(spec) => {
                // A source already projected and consumed by fused nodes keeps its columns:
                // fused bodies are not analysed again.
                let fused_consumer = order.iter().any(|c| {
                    matches!(graph.node(*c).op, Op::Fused(_)) && graph.node(*c).inputs.contains(&id)
                });
                let cols = match (&spec.columns, fused_consumer) {
                    (Some(cols), true) => cols.clone(),
                    _ => branches_for(spec, &need),
                };
                result.insert(id, cols);
            }
            Op::Field(name) => {
                let mut paths = BTreeSet::new();
                for (p, structure) in &need.paths {
                    let mut full = vec![name.clone()];
                    full.extend(p.iter().cloned());
                    paths.insert((full, *structure));
                }
                merge(&mut needs, node.inputs[0], Need { paths });
            }
            // Lengths, positions and index tuples depend on the lists' lengths alone.
            Op::Num | Op::LocalIndex | Op::ArgCombinations { .. } => merge(
                &mut needs,
                node.inputs[0],
                Need {
                    paths: BTreeSet::from([(Vec::new(), true)]),
                },
            ),
            // Operations that move or select whole values pass their needs through to the data.
            Op::Mask | Op::Take => {
                merge(&mut needs, node.inputs[0], need);
                merge(&mut needs, node.inputs[1], Need::all());
            }
            Op::Firsts
            | Op::Singletons
            | Op::FillNone(_)
            | Op::Sort { .. }
            | Op::Rows { .. }
            | Op::ListSlice { .. } => merge(&mut needs, node.inputs[0], need),
            Op::Concatenate => {
                merge(&mut needs, node.inputs[0], need.clone());
                merge(&mut needs, node.inputs[1], need);
            }
            Op::Zip(names) => {
                let mut keep = Vec::new();
                for (i, (name, &input)) in names.iter().zip(&node.inputs).enumerate() {
                    let sub = under(&need, name);
                    if !sub.paths.is_empty() {
                        keep.push(i);
                    }
                    merge(&mut needs, input, sub);
                }
                if keep.is_empty() {
                    keep = (0..names.len()).collect();
                }
                zip_keeps.insert(id, keep);
            }
            Op::Combinations { names, .. } => {
                let mut sub = Need::default();
                for name in names {
                    sub.paths.extend(under(&need, name).paths);
                }
                merge(&mut needs, node.inputs[0], sub);
            }
            Op::Cartesian { names } | Op::CartesianNested { names } => {
                for (name, &input) in names.iter().zip(&node.inputs) {
                    merge(&mut needs, input, under(&need, name));
                }
            }
            Op::WithField(name) => {
                let mut rest = Need::default();
                for (p, s) in &need.paths {
                    match p.first() {
                        Some(first) if first == name => {}
                        None => {
                            // The whole record: every field it had, and the new one.
                            rest.paths.insert((p.clone(), *s));
                        }
                        _ => {
                            rest.paths.insert((p.clone(), *s));
                        }
                    }
                }
                let added = under(&need, name);
                merge(&mut needs, node.inputs[0], rest);
                if !added.paths.is_empty() {
                    merge(&mut needs, node.inputs[1], added);
                }
            }
            Op::Lorentz(l) => {
                let fields: &[&str] = match l {
                    LorentzOp::Add | LorentzOp::Mass | LorentzOp::Pt => {
                        &["pt", "eta", "phi", "mass"]
                    }
                    LorentzOp::Eta => &["eta"],
                    LorentzOp::Phi | LorentzOp::DeltaPhi => &["phi"],
                    LorentzOp::DeltaR => &["eta", "phi"],
                    LorentzOp::Mt => &["pt", "phi"],
                };
                for &input in &node.inputs {
                    let names = match &graph.node(input).ty {
                        Ty::Events { layout, .. } => layout.field_names(),
                        _ => Vec::new(),
                    };
                    let need = if !names.is_empty() {
                        // The named fields, or the record's own px, py, pz, E (typing checked one).
                        let has_all = fields.iter().all(|f| names.iter().any(|n| n == f));
                        let cartesian =
                            rask_core::kernels::cartesian_names(names.iter().map(String::as_str))
                                .filter(|_| !has_all);
                        let read: Vec<&str> = match &cartesian {
                            Some(c) => c.to_vec(),
                            None => fields.to_vec(),
                        };
                        Need {
                            paths: read.iter().map(|f| (vec![f.to_string()], false)).collect(),
                        }
                    } else {
                        Need::all()
                    };
                    merge(&mut needs, input, need);
                }
            }
            _ => {
                for &input in &node.inputs {
                    merge(&mut needs, input, Need::all());
                }
            }
        }
    }
    (result, zip_keeps)
}

/// What a consumer needs below field `name`: `name.x` → `x`; the whole value → the whole field.
fn under(need: &Need, name: &str) -> Need {
    let mut out = Need::default();
    for (p, s) in &need.paths {
        match p.split_first() {
            None => {
                out.paths.insert((Vec::new(), *s));
            }
            Some((first, rest)) if first == name => {
                out.paths.insert((rest.to_vec(), *s));
            }
            Some(_) => {}
        }
    }
    out
}

fn merge(needs: &mut HashMap<NodeId, Need>, id: NodeId, add: Need) {
    let entry = needs.entry(id).or_default();
    entry.paths.extend(add.paths);
}

/// Maps field paths of a source's event record to its branches.
fn branches_for(spec: &SourceSpec, need: &Need) -> Vec<String> {
    let names: Vec<&str> = spec
        .schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    let readable = |n: &&&str| {
        spec.schema
            .field_with_name(n)
            .is_ok_and(|f| f.data_type() != &arrow_schema::DataType::Null)
    };
    let mut out: BTreeSet<String> = BTreeSet::new();
    // Counters read for list lengths alone: not needed when a branch they count is read anyway
    // (its offsets give the same lengths).
    let mut for_lengths: BTreeSet<String> = BTreeSet::new();
    let mut for_values: BTreeSet<String> = BTreeSet::new();
    for (path, structure) in &need.paths {
        match path.as_slice() {
            [] => {
                let all = names.iter().filter(readable).map(|n| n.to_string());
                for_values.extend(all.clone());
                out.extend(all);
            }
            [top, rest @ ..] => {
                if names.contains(&top.as_str()) {
                    // A branch by its own name; for its list lengths alone, its counter will do.
                    match counter_of(spec, top) {
                        Some(c) if *structure && rest.is_empty() && names.contains(&c.as_str()) => {
                            for_lengths.insert(c.clone());
                            out.insert(c)
                        }
                        _ => {
                            for_values.insert(top.clone());
                            out.insert(top.clone())
                        }
                    };
                    continue;
                }
                let prefix = format!("{top}_");
                let members: Vec<&str> = names
                    .iter()
                    .filter(|n| n.starts_with(&prefix))
                    .filter(readable)
                    .copied()
                    .collect();
                match rest {
                    [field, ..] => {
                        let branch = format!("{top}_{field}");
                        out.insert(branch);
                    }
                    [] if *structure => {
                        let counter = format!("n{top}");
                        if names.contains(&counter.as_str()) {
                            for_lengths.insert(counter.clone());
                            out.insert(counter);
                        } else if let Some(first) = members.first() {
                            out.insert(first.to_string());
                        }
                    }
                    [] => out.extend(members.iter().map(|m| m.to_string())),
                }
            }
        }
    }
    for counter in for_lengths.difference(&for_values) {
        let counted_elsewhere = out
            .iter()
            .any(|b| b != counter && counter_of(spec, b).as_ref() == Some(counter));
        if counted_elsewhere {
            out.remove(counter);
        }
    }
    out.into_iter().collect()
}

/// The counter of a jagged branch `name`, from its metadata.
fn counter_of(spec: &SourceSpec, name: &str) -> Option<String> {
    spec.schema
        .field_with_name(name)
        .ok()?
        .metadata()
        .get(rask_core::COUNTER_METADATA_KEY)
        .cloned()
}
