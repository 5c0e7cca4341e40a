//! The record layout of an event source's schema (NanoAOD-style branch grouping) and the
//! lineage of its counters.

use super::*;

/// The record layout of a source's events, grouping NanoAOD-style branches: `Muon_pt` with counter
/// `nMuon` becomes `Muon: var * {pt, ...}`; flat `MET_pt`, `MET_phi` become `MET: {pt, phi}`;
/// other branches keep their names. Every branch stays reachable by its own name too.
///
/// ```
/// use std::sync::Arc;
/// use arrow_schema::{DataType, Field, Schema};
/// use rask_plan::{DType, Key, Layout, typing::event_layout};
/// let schema = Arc::new(Schema::new(vec![
///     Field::new("MET_pt", DataType::Float32, false),
///     Field::new("MET_phi", DataType::Float32, false),
/// ]));
/// let layout = event_layout(&schema, Key(1));
/// assert_eq!(layout.field("MET").map(|m| m.field_names()), Some(vec!["pt".to_string(), "phi".to_string()]));
/// ```
pub fn event_layout(schema: &SchemaRef, source: Key) -> Layout {
    let mut fields: Vec<(String, Layout)> = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    for f in schema.fields() {
        let counter = f.metadata().get(rask_core::COUNTER_METADATA_KEY).cloned();
        let Some(layout) = branch_layout(f.name(), f.data_type(), counter.as_deref(), source)
        else {
            continue; // unreadable branches (type Null) stay out of the plan's types
        };
        fields.push((f.name().clone(), layout.clone()));
        if let Some((prefix, suffix)) = f.name().split_once('_') {
            let item = match (&layout, &counter) {
                (Layout::List { item, .. }, Some(_)) => (**item).clone(),
                _ => layout.clone(),
            };
            match groups
                .iter_mut()
                .find(|(p, c, _)| p == prefix && *c == counter)
            {
                Some((_, _, members)) => members.push((suffix.to_string(), item)),
                None => groups.push((
                    prefix.to_string(),
                    counter.clone(),
                    vec![(suffix.to_string(), item)],
                )),
            }
        }
    }
    for (prefix, counter, members) in groups {
        if fields.iter().any(|(n, _)| *n == prefix) || members.len() < 2 && counter.is_none() {
            continue;
        }
        let record = Layout::Record(members);
        let layout = match counter {
            Some(c) => Layout::List {
                item: Box::new(record),
                lineage: counter_lineage(source, &c),
            },
            None => record,
        };
        fields.push((prefix, layout));
    }
    Layout::Record(fields)
}

/// Branches `prefix_suffix` grouped by prefix and counter: the prefix, the counter, and each
/// member's suffix with its item layout.
type Group = (String, Option<String>, Vec<(String, Layout)>);

/// The list lineage of branches with counter `counter` in source `source`.
pub fn counter_lineage(source: Key, counter: &str) -> Key {
    Key::of(&[b"counter", &source.bytes(), counter.as_bytes()])
}

pub(super) fn branch_layout(
    name: &str,
    t: &DataType,
    counter: Option<&str>,
    source: Key,
) -> Option<Layout> {
    if let Some(d) = DType::from_arrow(t) {
        return Some(Layout::Prim(d));
    }
    match t {
        DataType::List(item) | DataType::LargeList(item) => {
            let item = branch_layout(name, item.data_type(), None, source)?;
            let lineage = match counter {
                Some(c) => counter_lineage(source, c),
                // A list without a counter (std::vector) has lengths of its own.
                None => Key::of(&[b"own-lineage", &source.bytes(), name.as_bytes()]),
            };
            Some(Layout::List {
                item: Box::new(item),
                lineage,
            })
        }
        _ => None,
    }
}
