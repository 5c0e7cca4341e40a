//! `.schema [NAME]`: the collections and branches of the registered tables; NAME is a table, a
//! collection or branch (`Muon`, `nMuon`), or a path through them (`events.Muon`,
//! `Muon.pt`). A named collection lists all its fields.

use rask_plan::{Layout, Ty};
use rask_sql::SqlSession;

/// A name `.schema` cannot find.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// No table is registered yet.
    #[error("no table is open; `.open events FILE... [TREE]` opens files as the table `events`")]
    NoTable,
    /// Neither a table nor a field of one.
    #[error("no table, collection or branch '{name}'{}", did_you_mean(.suggestions))]
    Unknown {
        name: String,
        suggestions: Vec<String>,
    },
}

fn did_you_mean(names: &[String]) -> String {
    if names.is_empty() {
        " (`.schema` lists them)".to_string()
    } else {
        format!("; did you mean {}?", names.join(", "))
    }
}

/// The names among `known` closest to `name`, by the workspace's one rule
/// ([`rask_core::suggest::closest`]).
fn closest(known: &[String], name: &str) -> Vec<String> {
    rask_core::suggest::closest(name, known.iter().map(String::as_str))
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// The fields of a table's events.
fn fields(session: &SqlSession, table: &str) -> Vec<(String, Layout)> {
    match session.table(table).map(|e| e.ty()) {
        Some(Ty::Events {
            layout: Layout::Record(fields),
            ..
        }) => fields,
        _ => Vec::new(),
    }
}

/// The record at the bottom of lists and options.
fn record(layout: &Layout) -> Option<&[(String, Layout)]> {
    match layout {
        Layout::Record(fields) => Some(fields),
        Layout::List { item, .. } => record(item),
        Layout::Option(inner) => record(inner),
        Layout::Prim(_) => None,
    }
}

/// A layout with its records as field counts: `var * {15 fields}`.
fn short(layout: &Layout) -> String {
    match layout {
        Layout::Prim(d) => d.name().to_string(),
        Layout::List { item, .. } => format!("var * {}", short(item)),
        Layout::Option(inner) => format!("?{}", short(inner)),
        Layout::Record(f) if f.len() == 1 => "{1 field}".to_string(),
        Layout::Record(f) => format!("{{{} fields}}", f.len()),
    }
}

/// `name: layout`, then every field of its record, indented, recursively.
fn describe(out: &mut String, indent: usize, name: &str, layout: &Layout) {
    out.push_str(&format!("{:indent$}{name}: {}\n", "", short(layout)));
    for (field, sub) in record(layout).unwrap_or_default() {
        describe(out, indent + 2, field, sub);
    }
}

/// The text of `.schema [name]`.
pub(super) fn schema(session: &SqlSession, name: Option<&str>) -> Result<String, SchemaError> {
    let tables = session.tables();
    if tables.is_empty() {
        return Err(SchemaError::NoTable);
    }
    let Some(name) = name else {
        return Ok(overview(session, &tables));
    };
    let path: Vec<&str> = name.split('.').collect();
    // `events.Muon`: a table, then a path in it; `Muon`: a path in every table.
    let (chosen, path) = match tables.iter().find(|t| t.eq_ignore_ascii_case(path[0])) {
        Some(t) => (vec![t.clone()], &path[1..]),
        None => (tables.clone(), &path[..]),
    };
    if path.is_empty() {
        return Ok(overview(session, &chosen));
    }
    let mut out = String::new();
    // Where the walk of the first table that failed stopped: the names known there, the step.
    let mut failed: Option<(Vec<String>, &str)> = None;
    for t in &chosen {
        // Through lists: `Muon.pt` of `var * {pt, ...}` is `var * float32`.
        let mut layout = Layout::Record(fields(session, t));
        let mut shown = t.clone();
        let mut found = true;
        for (i, step) in path.iter().enumerate() {
            let known = layout.field_names();
            let Some(field) = known
                .iter()
                .find(|n| n.as_str() == *step)
                .or_else(|| known.iter().find(|n| n.eq_ignore_ascii_case(step)))
                .cloned()
            else {
                let mut known = known;
                if i == 0 {
                    known.extend(tables.iter().cloned());
                }
                failed.get_or_insert((known, *step));
                found = false;
                break;
            };
            match layout.field(&field) {
                Some(l) => layout = l,
                None => {
                    found = false;
                    break;
                }
            }
            shown = format!("{shown}.{field}");
        }
        if found {
            describe(&mut out, 0, &shown, &layout);
        }
    }
    if out.is_empty() {
        let (known, step) = failed.unwrap_or_default();
        return Err(SchemaError::Unknown {
            name: name.to_string(),
            suggestions: closest(&known, step),
        });
    }
    Ok(out)
}

/// One line per collection or branch of `tables`, then how to see one whole.
fn overview(session: &SqlSession, tables: &[String]) -> String {
    let mut s = String::new();
    for t in tables {
        for (name, layout) in fields(session, t) {
            s.push_str(&format!("{t}.{name}: {layout}\n"));
        }
    }
    s.push_str("(`.schema NAME` lists every field of a collection: `.schema Muon`)\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn suggestions_are_near_names() {
        let known = names(&["Muon", "MET", "Jet", "Electron", "nMuon", "events"]);
        assert_eq!(closest(&known, "Muonn"), ["Muon"]);
        assert_eq!(closest(&known, "muon"), ["Muon"]);
        assert_eq!(closest(&known, "Muo"), ["Muon"]);
        assert_eq!(closest(&known, "Electrons_x"), ["Electron"]);
        assert!(closest(&known, "zzz").is_empty());
    }

    #[test]
    fn short_layouts_count_fields() {
        let rec = Layout::Record(vec![
            ("pt".to_string(), Layout::Prim(rask_plan::DType::F32)),
            ("eta".to_string(), Layout::Prim(rask_plan::DType::F32)),
        ]);
        assert_eq!(short(&rec), "{2 fields}");
        let mut s = String::new();
        describe(&mut s, 0, "x", &rec);
        assert_eq!(s, "x: {2 fields}\n  pt: float32\n  eta: float32\n");
    }
}
