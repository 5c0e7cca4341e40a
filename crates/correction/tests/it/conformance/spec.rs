//! What each correction of a file takes: its inputs and types, and hints (bin edges,
//! category keys) read from the file's JSON for generating inputs.

use super::*;

/// The file's JSON for serde_json: correctionlib's parser (rapidjson with
/// kParseNanAndInfFlag) also takes bare `NaN`, `Infinity` and `-Infinity`, which real
/// CMS files hold as bin edges; here they become the strings "nan", "inf" and "-inf".
pub(super) fn parse_json(text: &str) -> Json {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '"' {
            in_string = true;
        } else {
            let replaced = [
                ("-Infinity", "\"-inf\""),
                ("Infinity", "\"inf\""),
                ("NaN", "\"nan\""),
            ]
            .into_iter()
            .find(|(token, _)| rest.starts_with(token));
            if let Some((token, with)) = replaced {
                out.push_str(with);
                rest = &rest[token.len()..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    serde_json::from_str(&out).expect("valid JSON (after NaN/Infinity literals)")
}

/// What the JSON says about one input of one correction, to aim the generated values.
#[derive(Default, Clone, Debug)]
pub(super) struct Hint {
    pub(super) edges: Vec<f64>,
    /// The finite ones among `edges`.
    pub(super) finite: Vec<f64>,
    pub(super) int_keys: Vec<i64>,
    pub(super) str_keys: Vec<String>,
}

#[derive(Clone, Debug)]
pub(super) struct Spec {
    pub(super) name: String,
    pub(super) inputs: Vec<(String, VarType)>,
    pub(super) hints: HashMap<String, Hint>,
    /// Involves a Formula or FormulaRef: compared within a tolerance, not bit for bit.
    pub(super) formula: bool,
    pub(super) nodetypes: BTreeSet<String>,
}

pub(super) fn var_type(s: &str) -> VarType {
    match s {
        "real" => VarType::Real,
        "int" => VarType::Int,
        "string" => VarType::String,
        other => panic!("unknown variable type {other:?}"),
    }
}

pub(super) fn type_name(t: &VarType) -> &'static str {
    match t {
        VarType::Real => "real",
        VarType::Int => "int",
        VarType::String => "string",
    }
}

pub(super) fn edge_value(e: &Json) -> Option<f64> {
    match e {
        Json::Number(n) => n.as_f64(),
        Json::String(s) if s == "inf" || s == "+inf" => Some(f64::INFINITY),
        Json::String(s) if s == "-inf" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

pub(super) fn edges_of(e: &Json) -> Vec<f64> {
    match e {
        Json::Array(items) => items.iter().filter_map(edge_value).collect(),
        Json::Object(o) => {
            let n = o.get("n").and_then(Json::as_u64).unwrap_or(1).max(1);
            let low = o.get("low").and_then(Json::as_f64).unwrap_or(0.0);
            let high = o.get("high").and_then(Json::as_f64).unwrap_or(1.0);
            let mut v: Vec<f64> = (0..=n)
                .map(|i| low + (high - low) * i as f64 / n as f64)
                .collect();
            v.push(low);
            v.push(high);
            v
        }
        _ => Vec::new(),
    }
}

pub(super) fn walk_node(
    node: &Json,
    hints: &mut HashMap<String, Hint>,
    types: &mut BTreeSet<String>,
) {
    match node {
        Json::Array(items) => items.iter().for_each(|n| walk_node(n, hints, types)),
        Json::Object(o) => {
            if let Some(t) = o.get("nodetype").and_then(Json::as_str) {
                types.insert(t.to_string());
                match t {
                    "binning" => {
                        if let (Some(inp), Some(e)) =
                            (o.get("input").and_then(Json::as_str), o.get("edges"))
                        {
                            hints
                                .entry(inp.to_string())
                                .or_default()
                                .edges
                                .extend(edges_of(e));
                        }
                    }
                    "multibinning" => {
                        if let (Some(Json::Array(ins)), Some(Json::Array(es))) =
                            (o.get("inputs"), o.get("edges"))
                        {
                            for (inp, e) in ins.iter().zip(es) {
                                if let Some(inp) = inp.as_str() {
                                    hints
                                        .entry(inp.to_string())
                                        .or_default()
                                        .edges
                                        .extend(edges_of(e));
                                }
                            }
                        }
                    }
                    "category" => {
                        if let (Some(inp), Some(Json::Array(items))) =
                            (o.get("input").and_then(Json::as_str), o.get("content"))
                        {
                            let h = hints.entry(inp.to_string()).or_default();
                            for item in items {
                                match item.get("key") {
                                    Some(Json::String(k)) => h.str_keys.push(k.clone()),
                                    Some(Json::Number(k)) => h.int_keys.extend(k.as_i64()),
                                    _ => {}
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            o.values().for_each(|n| walk_node(n, hints, types));
        }
        _ => {}
    }
}

pub(super) fn tidy(h: &mut Hint) {
    h.edges.retain(|e| !e.is_nan());
    h.edges.sort_by(f64::total_cmp);
    h.edges.dedup();
    h.finite = h.edges.iter().copied().filter(|e| e.is_finite()).collect();
    h.int_keys.sort_unstable();
    h.int_keys.dedup();
    h.str_keys.sort();
    h.str_keys.dedup();
}

pub(super) fn inputs_of(obj: &Json) -> Vec<(String, VarType)> {
    obj["inputs"]
        .as_array()
        .expect("inputs array")
        .iter()
        .map(|v| {
            (
                v["name"].as_str().expect("input name").to_string(),
                var_type(v["type"].as_str().expect("input type")),
            )
        })
        .collect()
}

pub(super) fn specs_of(doc: &Json) -> Vec<Spec> {
    let mut out: Vec<Spec> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for c in doc["corrections"].as_array().expect("corrections array") {
        let mut hints = HashMap::new();
        let mut types = BTreeSet::new();
        walk_node(&c["data"], &mut hints, &mut types);
        if let Some(g) = c.get("generic_formulas") {
            walk_node(g, &mut hints, &mut types);
        }
        hints.values_mut().for_each(tidy);
        let name = c["name"].as_str().expect("correction name").to_string();
        by_name.insert(name.clone(), out.len());
        out.push(Spec {
            name,
            inputs: inputs_of(c),
            formula: types.contains("formula") || types.contains("formularef"),
            hints,
            nodetypes: types,
        });
    }
    if let Some(Json::Array(compounds)) = doc.get("compound_corrections") {
        for c in compounds {
            let mut hints: HashMap<String, Hint> = HashMap::new();
            let mut types = BTreeSet::new();
            let mut formula = false;
            for part in c["stack"].as_array().expect("stack array") {
                let part = &out[by_name[part.as_str().expect("stack name")]];
                formula |= part.formula;
                types.extend(part.nodetypes.iter().cloned());
                for (k, h) in &part.hints {
                    let m = hints.entry(k.clone()).or_default();
                    m.edges.extend(&h.edges);
                    m.int_keys.extend(&h.int_keys);
                    m.str_keys.extend(h.str_keys.iter().cloned());
                }
            }
            hints.values_mut().for_each(tidy);
            types.insert("compound".to_string());
            out.push(Spec {
                name: c["name"].as_str().expect("compound name").to_string(),
                inputs: inputs_of(c),
                hints,
                formula,
                nodetypes: types,
            });
        }
    }
    out
}
