//! The correction file's model (correctionlib schema v2): the correction set, corrections,
//! variables and compound corrections deserialised with serde; content nodes as typed structs
//! read from their JSON objects with the place of every problem (`data.content[3].edges`).
//!
//! Only the shape is checked here (fields present, of the right JSON type, as correctionlib's
//! C++ reader requires them); names, types and lengths are checked by `validate`.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::MAX_NODE_DEPTH;
use crate::json::special_number;

/// The top level of a correction file.
#[derive(Deserialize)]
pub(crate) struct CorrectionSetDoc {
    #[serde(default)]
    pub schema_version: Option<Value>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub corrections: Option<Vec<Value>>,
    #[serde(default)]
    pub compound_corrections: Option<Vec<Value>>,
}

/// One correction.
#[derive(Deserialize)]
pub(crate) struct CorrectionDoc {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub version: i64,
    pub inputs: Vec<VariableDoc>,
    pub output: VariableDoc,
    #[serde(default)]
    pub generic_formulas: Option<Vec<Value>>,
    pub data: Value,
}

/// An input or output variable.
#[derive(Deserialize)]
pub(crate) struct VariableDoc {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// A compound correction.
#[derive(Deserialize)]
pub(crate) struct CompoundDoc {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub inputs: Vec<VariableDoc>,
    pub output: VariableDoc,
    pub inputs_update: Vec<String>,
    pub input_op: String,
    pub output_op: String,
    pub stack: Vec<String>,
}

/// A content node: a number or one of the node types.
pub(crate) enum ContentDoc {
    Number(f64),
    Binning(Box<BinningDoc>),
    MultiBinning(Box<MultiBinningDoc>),
    Category(Box<CategoryDoc>),
    Formula(Box<FormulaDoc>),
    FormulaRef(Box<FormulaRefDoc>),
    Transform(Box<TransformDoc>),
    HashPrng(Box<HashPrngDoc>),
}

/// The edges of one binning axis.
pub(crate) enum EdgesDoc {
    /// Explicit edges (`"inf"` strings already read as infinities).
    List(Vec<f64>),
    /// `{"n", "low", "high"}`.
    Uniform { n: u32, low: f64, high: f64 },
}

/// A binning's `flow`.
pub(crate) enum FlowDoc {
    Clamp,
    Error,
    Wrap,
    Value(ContentDoc),
}

pub(crate) struct BinningDoc {
    pub input: String,
    pub edges: EdgesDoc,
    pub content: Vec<ContentDoc>,
    pub flow: FlowDoc,
}

pub(crate) struct MultiBinningDoc {
    pub inputs: Vec<String>,
    pub edges: Vec<EdgesDoc>,
    pub content: Vec<ContentDoc>,
    pub flow: FlowDoc,
}

/// A category key: correctionlib reads integer keys as 32-bit ints.
pub(crate) enum KeyDoc {
    Int(i64),
    Str(String),
}

pub(crate) struct CategoryDoc {
    pub input: String,
    pub items: Vec<(KeyDoc, ContentDoc)>,
    pub default: Option<ContentDoc>,
}

pub(crate) struct FormulaDoc {
    pub expression: String,
    pub parser: String,
    pub variables: Vec<String>,
    pub parameters: Vec<f64>,
}

pub(crate) struct FormulaRefDoc {
    pub index: i64,
    pub parameters: Vec<f64>,
}

pub(crate) struct TransformDoc {
    pub input: String,
    pub rule: ContentDoc,
    pub content: ContentDoc,
}

pub(crate) struct HashPrngDoc {
    pub inputs: Vec<String>,
    pub distribution: String,
}

/// What is wrong with a node's shape, and where.
pub(crate) struct ShapeError {
    pub path: String,
    pub kind: ShapeErrorKind,
}

pub(crate) enum ShapeErrorKind {
    UnknownNodeType(String),
    Invalid(String),
}

fn invalid(path: &str, what: impl Into<String>) -> ShapeError {
    ShapeError {
        path: path.to_string(),
        kind: ShapeErrorKind::Invalid(what.into()),
    }
}

/// How a JSON value reads in messages.
fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => match special_number(s) {
            Some(x) => format!("the number {x}"),
            None => format!("the string {s:?}"),
        },
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// A JSON number (or NaN/infinity literal) as f64, as rapidjson's `GetDouble` gives it.
pub(crate) fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => special_number(s),
        _ => None,
    }
}

/// A node object with the place it is at, its fields taken one by one.
struct Obj<'p> {
    map: Map<String, Value>,
    path: &'p str,
    what: &'static str,
}

impl Obj<'_> {
    fn field_path(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn take(&mut self, key: &str) -> Result<Value, ShapeError> {
        match self.map.remove(key) {
            Some(v) => Ok(v),
            None => Err(invalid(self.path, format!("{} has no {key:?}", self.what))),
        }
    }

    /// An optional field (`null` counts as absent).
    fn opt(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    fn string(&mut self, key: &str) -> Result<String, ShapeError> {
        match self.take(key)? {
            Value::String(s) if special_number(&s).is_none() => Ok(s),
            other => Err(invalid(
                &self.field_path(key),
                format!("expected a string, found {}", kind(&other)),
            )),
        }
    }

    fn array(&mut self, key: &str) -> Result<Vec<Value>, ShapeError> {
        match self.take(key)? {
            Value::Array(a) => Ok(a),
            other => Err(invalid(
                &self.field_path(key),
                format!("expected an array, found {}", kind(&other)),
            )),
        }
    }

    fn strings(&mut self, key: &str) -> Result<Vec<String>, ShapeError> {
        let path = self.field_path(key);
        strings(self.array(key)?, &path)
    }

    fn numbers(&mut self, key: &str) -> Result<Vec<f64>, ShapeError> {
        let path = self.field_path(key);
        numbers(self.array(key)?, &path)
    }
}

fn strings(items: Vec<Value>, path: &str) -> Result<Vec<String>, ShapeError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::String(s) if special_number(&s).is_none() => Ok(s),
            other => Err(invalid(
                &format!("{path}[{i}]"),
                format!("expected a string, found {}", kind(&other)),
            )),
        })
        .collect()
}

fn numbers(items: Vec<Value>, path: &str) -> Result<Vec<f64>, ShapeError> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            number(v).ok_or_else(|| {
                invalid(
                    &format!("{path}[{i}]"),
                    format!("expected a number, found {}", kind(v)),
                )
            })
        })
        .collect()
}

/// Reads a content node (a number or a node object) at `path`, `depth` nodes deep.
pub(crate) fn content(v: Value, path: &str, depth: usize) -> Result<ContentDoc, ShapeError> {
    if depth > MAX_NODE_DEPTH {
        return Err(invalid(
            path,
            format!("content nodes are nested more than {MAX_NODE_DEPTH} deep"),
        ));
    }
    let map = match v {
        Value::Object(map) => map,
        other => {
            return number(&other).map(ContentDoc::Number).ok_or_else(|| {
                invalid(
                    path,
                    format!(
                        "expected a number or a content node, found {}",
                        kind(&other)
                    ),
                )
            });
        }
    };
    let nodetype = match map.get("nodetype") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(invalid(
                path,
                format!("\"nodetype\" must be a string, found {}", kind(other)),
            ));
        }
        None => return Err(invalid(path, "a content object without \"nodetype\"")),
    };
    let d = depth + 1;
    Ok(match nodetype.as_str() {
        "binning" => ContentDoc::Binning(Box::new(binning(obj(map, path, "binning"), d)?)),
        "multibinning" => {
            ContentDoc::MultiBinning(Box::new(multibinning(obj(map, path, "multibinning"), d)?))
        }
        "category" => ContentDoc::Category(Box::new(category(obj(map, path, "category"), d)?)),
        "formula" => ContentDoc::Formula(Box::new(formula_obj(obj(map, path, "formula"))?)),
        "formularef" => {
            let mut o = obj(map, path, "formularef");
            let index = o.take("index")?;
            let index = index.as_i64().filter(|_| index.is_i64() || index.is_u64());
            let index =
                index.ok_or_else(|| invalid(&o.field_path("index"), "expected an integer"))?;
            ContentDoc::FormulaRef(Box::new(FormulaRefDoc {
                index,
                parameters: o.numbers("parameters")?,
            }))
        }
        "transform" => {
            let mut o = obj(map, path, "transform");
            let input = o.string("input")?;
            let rule = content(o.take("rule")?, &o.field_path("rule"), d)?;
            let inner = content(o.take("content")?, &o.field_path("content"), d)?;
            ContentDoc::Transform(Box::new(TransformDoc {
                input,
                rule,
                content: inner,
            }))
        }
        "hashprng" => {
            let mut o = obj(map, path, "hashprng");
            ContentDoc::HashPrng(Box::new(HashPrngDoc {
                inputs: o.strings("inputs")?,
                distribution: o.string("distribution")?,
            }))
        }
        _ => {
            return Err(ShapeError {
                path: path.to_string(),
                kind: ShapeErrorKind::UnknownNodeType(nodetype),
            });
        }
    })
}

fn obj<'p>(map: Map<String, Value>, path: &'p str, what: &'static str) -> Obj<'p> {
    Obj { map, path, what }
}

/// A generic formula of `Correction.generic_formulas` (its `nodetype` is not read, as in
/// correctionlib).
pub(crate) fn generic_formula(v: Value, path: &str) -> Result<FormulaDoc, ShapeError> {
    match v {
        Value::Object(map) => formula_obj(obj(map, path, "formula")),
        other => Err(invalid(
            path,
            format!("expected a formula object, found {}", kind(&other)),
        )),
    }
}

fn formula_obj(mut o: Obj<'_>) -> Result<FormulaDoc, ShapeError> {
    let expression = o.string("expression")?;
    let parser = o.string("parser")?;
    let variables = o.strings("variables")?;
    let parameters = match o.opt("parameters") {
        None => Vec::new(),
        Some(Value::Array(a)) => numbers(a, &o.field_path("parameters"))?,
        Some(other) => {
            return Err(invalid(
                &o.field_path("parameters"),
                format!("expected an array, found {}", kind(&other)),
            ));
        }
    };
    Ok(FormulaDoc {
        expression,
        parser,
        variables,
        parameters,
    })
}

fn flow(v: Value, path: &str, depth: usize) -> Result<FlowDoc, ShapeError> {
    Ok(match &v {
        Value::String(s) if s == "clamp" => FlowDoc::Clamp,
        Value::String(s) if s == "error" => FlowDoc::Error,
        Value::String(s) if s == "wrap" => FlowDoc::Wrap,
        _ => FlowDoc::Value(content(v, path, depth)?),
    })
}

/// One axis: an array of edges or a uniform binning object.
fn edges(v: Value, path: &str) -> Result<EdgesDoc, ShapeError> {
    match v {
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, e) in items.iter().enumerate() {
                let x = match e {
                    Value::String(s) if s == "inf" || s == "+inf" => f64::INFINITY,
                    Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
                    other => number(other).ok_or_else(|| {
                        invalid(
                            &format!("{path}[{i}]"),
                            format!(
                                "an edge must be a number, \"inf\", \"+inf\" or \"-inf\", found {}",
                                kind(other)
                            ),
                        )
                    })?,
                };
                out.push(x);
            }
            Ok(EdgesDoc::List(out))
        }
        Value::Object(map) => {
            let mut o = obj(map, path, "uniform binning");
            let n = o.take("n")?;
            let n = n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    invalid(
                        &o.field_path("n"),
                        format!("expected an unsigned 32-bit integer, found {}", kind(&n)),
                    )
                })?;
            let mut num = |key: &str| -> Result<f64, ShapeError> {
                let v = o.take(key)?;
                number(&v).ok_or_else(|| {
                    invalid(
                        &o.field_path(key),
                        format!("expected a number, found {}", kind(&v)),
                    )
                })
            };
            let low = num("low")?;
            let high = num("high")?;
            Ok(EdgesDoc::Uniform { n, low, high })
        }
        other => Err(invalid(
            path,
            format!(
                "edges must be an array or a uniform binning object, found {}",
                kind(&other)
            ),
        )),
    }
}

fn contents(items: Vec<Value>, path: &str, depth: usize) -> Result<Vec<ContentDoc>, ShapeError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| content(v, &format!("{path}[{i}]"), depth))
        .collect()
}

fn binning(mut o: Obj<'_>, depth: usize) -> Result<BinningDoc, ShapeError> {
    let input = o.string("input")?;
    let e = edges(o.take("edges")?, &o.field_path("edges"))?;
    let items = o.array("content")?;
    let content = contents(items, &o.field_path("content"), depth)?;
    let flow = flow(o.take("flow")?, &o.field_path("flow"), depth)?;
    Ok(BinningDoc {
        input,
        edges: e,
        content,
        flow,
    })
}

fn multibinning(mut o: Obj<'_>, depth: usize) -> Result<MultiBinningDoc, ShapeError> {
    let inputs = o.strings("inputs")?;
    let path = o.field_path("edges");
    let axes = o
        .array("edges")?
        .into_iter()
        .enumerate()
        .map(|(i, v)| edges(v, &format!("{path}[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let items = o.array("content")?;
    let content = contents(items, &o.field_path("content"), depth)?;
    let flow = flow(o.take("flow")?, &o.field_path("flow"), depth)?;
    Ok(MultiBinningDoc {
        inputs,
        edges: axes,
        content,
        flow,
    })
}

fn category(mut o: Obj<'_>, depth: usize) -> Result<CategoryDoc, ShapeError> {
    let input = o.string("input")?;
    let path = o.field_path("content");
    let mut items = Vec::new();
    for (i, item) in o.array("content")?.into_iter().enumerate() {
        let ipath = format!("{path}[{i}]");
        let Value::Object(map) = item else {
            return Err(invalid(
                &ipath,
                format!(
                    "expected a category item {{\"key\", \"value\"}}, found {}",
                    kind(&item)
                ),
            ));
        };
        let mut it = obj(map, &ipath, "category item");
        let key = it.take("key")?;
        let key = match key {
            Value::String(s) if special_number(&s).is_none() => KeyDoc::Str(s),
            Value::Number(n) if n.as_i64().is_some_and(|k| i32::try_from(k).is_ok()) => {
                KeyDoc::Int(n.as_i64().unwrap_or_default())
            }
            other => {
                return Err(invalid(
                    &it.field_path("key"),
                    format!(
                        "a key must be a string or a 32-bit integer (as correctionlib reads it), found {}",
                        kind(&other)
                    ),
                ));
            }
        };
        let value = content(it.take("value")?, &it.field_path("value"), depth)?;
        items.push((key, value));
    }
    let default = match o.opt("default") {
        Some(v) => Some(content(v, &o.field_path("default"), depth)?),
        None => None,
    };
    Ok(CategoryDoc {
        input,
        items,
        default,
    })
}
