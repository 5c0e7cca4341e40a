//! Checks a correction's model and builds its evaluator: input names resolved (the first
//! input of a name, as correctionlib's `find_input_index`), input types checked against what
//! each node accepts, edges and lengths checked before anything is allocated from them,
//! formulas parsed and compiled once — with correctionlib's error for each case (messages in
//! `src/correction.cc`).

use std::sync::Arc;

use crate::binning::{Axis, Binning, MultiBinning};
use crate::category::{Category, Keys};
use crate::edges::{EdgeList, Edges, Flow};
use crate::error::CorrectionError;
use crate::evaluator::Evaluator;
use crate::formula::Formula;
use crate::hashprng::{Distribution, HashPrng};
use crate::node::{FormulaNode, Node, SharedFormula, Transform, const_table};
use crate::schema::{
    ContentDoc, CorrectionDoc, EdgesDoc, FlowDoc, FormulaDoc, KeyDoc, ShapeError, ShapeErrorKind,
    VariableDoc, content, generic_formula,
};
use crate::types::{VarType, Variable};

/// A variable of a correction or compound correction.
pub(crate) fn variable(
    doc: VariableDoc,
    correction: &str,
    path: &str,
) -> Result<Variable, CorrectionError> {
    let ty = VarType::parse(&doc.ty).ok_or_else(|| CorrectionError::InvalidStructure {
        correction: correction.to_string(),
        path: path.to_string(),
        what: format!(
            "unrecognized variable type {:?} (expected \"real\", \"int\" or \"string\")",
            doc.ty
        ),
    })?;
    Ok(Variable {
        name: doc.name,
        ty,
        description: doc.description.unwrap_or_default(),
    })
}

/// The output variable: correctionlib only has real outputs.
pub(crate) fn output(doc: VariableDoc, correction: &str) -> Result<Variable, CorrectionError> {
    let v = variable(doc, correction, "output")?;
    if v.ty != VarType::Real {
        return Err(CorrectionError::InvalidStructure {
            correction: correction.to_string(),
            path: "output".to_string(),
            what: format!("outputs can only be real-valued, not {}", v.ty),
        });
    }
    Ok(v)
}

fn shape_error(correction: &str, e: ShapeError) -> CorrectionError {
    match e.kind {
        ShapeErrorKind::UnknownNodeType(nodetype) => CorrectionError::UnknownNodeType {
            correction: correction.to_string(),
            path: e.path,
            nodetype,
        },
        ShapeErrorKind::Invalid(what) => CorrectionError::InvalidStructure {
            correction: correction.to_string(),
            path: e.path,
            what,
        },
    }
}

/// Validates one correction and builds its evaluator.
pub(crate) fn correction(doc: CorrectionDoc) -> Result<Evaluator, CorrectionError> {
    let name = doc.name;
    let invalid = |path: &str, what: String| CorrectionError::InvalidStructure {
        correction: name.clone(),
        path: path.to_string(),
        what,
    };
    if i32::try_from(doc.version).is_err() {
        return Err(invalid(
            "version",
            format!("version {} is not a 32-bit integer", doc.version),
        ));
    }
    let inputs = doc
        .inputs
        .into_iter()
        .enumerate()
        .map(|(i, v)| variable(v, &name, &format!("inputs[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let out = output(doc.output, &name)?;
    let mut generic = Vec::new();
    for (i, g) in doc
        .generic_formulas
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let path = format!("generic_formulas[{i}]");
        let f = generic_formula(g, &path).map_err(|e| shape_error(&name, e))?;
        let b = Builder {
            correction: &name,
            inputs: &inputs,
            generic: &[],
        };
        generic.push(Arc::new(b.formula(&f, None, &path)?));
    }
    let data = content(doc.data, "data", 1).map_err(|e| shape_error(&name, e))?;
    let root = Builder {
        correction: &name,
        inputs: &inputs,
        generic: &generic,
    }
    .node(data, "data")?;
    Ok(Evaluator::correction(
        name.clone(),
        doc.description.unwrap_or_default(),
        doc.version,
        inputs,
        out,
        root,
    ))
}

struct Builder<'a> {
    correction: &'a str,
    inputs: &'a [Variable],
    generic: &'a [Arc<Formula>],
}

impl Builder<'_> {
    fn invalid(&self, path: &str, what: impl Into<String>) -> CorrectionError {
        CorrectionError::InvalidStructure {
            correction: self.correction.to_string(),
            path: path.to_string(),
            what: what.into(),
        }
    }

    /// The index of input `name`, which `node` must be able to use.
    fn input(&self, name: &str, path: &str, node: &str) -> Result<usize, CorrectionError> {
        let i = self
            .inputs
            .iter()
            .position(|v| v.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.inputs.iter().map(|v| v.name.as_str()).collect();
                self.invalid(
                    path,
                    format!("{node} input {name:?} is not an input of the correction (inputs: {names:?})"),
                )
            })?;
        if self.inputs[i].ty == VarType::String && node != "category" {
            return Err(self.invalid(path, format!("{node} cannot use string input {name:?}")));
        }
        Ok(i)
    }

    fn formula(
        &self,
        f: &FormulaDoc,
        bind: Option<&[f64]>,
        path: &str,
    ) -> Result<Formula, CorrectionError> {
        match f.parser.as_str() {
            "TFormula" => {}
            "numexpr" => {
                return Err(self.invalid(
                    path,
                    "the numexpr formula parser is not supported (nor is it by correctionlib)",
                ));
            }
            other => {
                return Err(self.invalid(path, format!("unrecognized formula parser {other:?}")));
            }
        }
        let mut vars = Vec::with_capacity(f.variables.len());
        for (i, v) in f.variables.iter().enumerate() {
            let idx = self.input(v, &format!("{path}.variables[{i}]"), "formula")?;
            if self.inputs[idx].ty != VarType::Real {
                return Err(self.invalid(
                    &format!("{path}.variables[{i}]"),
                    format!(
                        "formulas only accept real-valued inputs, got type {} for variable {v:?}",
                        self.inputs[idx].ty
                    ),
                ));
            }
            vars.push(idx);
        }
        Formula::new(&f.expression, &vars, bind).map_err(|e| CorrectionError::FormulaParse {
            correction: self.correction.to_string(),
            path: path.to_string(),
            expression: f.expression.clone(),
            position: e.pos + 1,
            message: e.message,
        })
    }

    fn edges(&self, e: EdgesDoc, path: &str) -> Result<Edges, CorrectionError> {
        match e {
            EdgesDoc::List(v) => {
                if v.len() < 2 {
                    return Err(self.invalid(
                        path,
                        format!("{} edges; a binning needs at least two", v.len()),
                    ));
                }
                if let Some(i) = v.iter().position(|x| x.is_nan()) {
                    return Err(self.invalid(&format!("{path}[{i}]"), "a bin edge is NaN"));
                }
                if let Some(i) = v.windows(2).position(|w| w[0] >= w[1]) {
                    return Err(self.invalid(
                        path,
                        format!(
                            "binning edges are not monotone increasing ({} then {})",
                            v[i],
                            v[i + 1]
                        ),
                    ));
                }
                Ok(Edges::List(EdgeList::new(v)))
            }
            EdgesDoc::Uniform { n, low, high } => {
                if n == 0 {
                    return Err(
                        self.invalid(path, "the number of bins of a uniform binning is zero")
                    );
                }
                if low >= high || low.is_nan() || high.is_nan() {
                    return Err(self.invalid(
                        path,
                        format!("uniform binning needs low < high, got low {low}, high {high}"),
                    ));
                }
                Ok(Edges::Uniform {
                    n: n as usize,
                    low,
                    high,
                })
            }
        }
    }

    fn flow(&self, f: FlowDoc, path: &str) -> Result<(Flow, Option<Node>), CorrectionError> {
        Ok(match f {
            FlowDoc::Clamp => (Flow::Clamp, None),
            FlowDoc::Error => (Flow::Error, None),
            FlowDoc::Wrap => (Flow::Wrap, None),
            FlowDoc::Value(c) => (Flow::Value, Some(self.node(c, &format!("{path}.flow"))?)),
        })
    }

    fn nodes(&self, items: Vec<ContentDoc>, path: &str) -> Result<Vec<Node>, CorrectionError> {
        items
            .into_iter()
            .enumerate()
            .map(|(i, c)| self.node(c, &format!("{path}[{i}]")))
            .collect()
    }

    fn node(&self, doc: ContentDoc, path: &str) -> Result<Node, CorrectionError> {
        Ok(match doc {
            ContentDoc::Number(v) => Node::Const(v),
            ContentDoc::Binning(b) => {
                let input = self.input(&b.input, &format!("{path}.input"), "binning")?;
                let edges = self.edges(b.edges, &format!("{path}.edges"))?;
                if b.content.len() != edges.nbins() {
                    return Err(self.invalid(
                        path,
                        format!(
                            "number of content nodes ({}) does not match the binning ({} bins)",
                            b.content.len(),
                            edges.nbins()
                        ),
                    ));
                }
                let mut slots = self.nodes(b.content, &format!("{path}.content"))?;
                let (flow, default) = self.flow(b.flow, path)?;
                // correctionlib keeps a default slot after the bins even when flow is not a
                // value (0.0): a uniform value rounding to bin n reads it.
                slots.push(default.unwrap_or(Node::Const(0.0)));
                Node::Binning(Box::new(Binning::new(input, edges, flow, slots)))
            }
            ContentDoc::MultiBinning(m) => {
                if m.inputs.len() < m.edges.len() {
                    return Err(self.invalid(
                        path,
                        format!("{} inputs for {} edge lists", m.inputs.len(), m.edges.len()),
                    ));
                }
                let mut axes = Vec::with_capacity(m.edges.len());
                for (i, (e, name)) in m.edges.into_iter().zip(&m.inputs).enumerate() {
                    let input = self.input(name, &format!("{path}.inputs[{i}]"), "multibinning")?;
                    let edges = self.edges(e, &format!("{path}.edges[{i}]"))?;
                    axes.push(Axis {
                        input,
                        stride: 0,
                        edges,
                    });
                }
                let mut total: u64 = 1;
                for a in axes.iter_mut().rev() {
                    a.stride = total;
                    total = total.saturating_mul(a.edges.nbins() as u64);
                }
                if total != m.content.len() as u64 {
                    return Err(self.invalid(
                        path,
                        format!(
                            "number of content nodes ({}) does not match the binning ({} bins)",
                            m.content.len(),
                            if total == u64::MAX {
                                "too many".to_string()
                            } else {
                                total.to_string()
                            }
                        ),
                    ));
                }
                let mut slots = self.nodes(m.content, &format!("{path}.content"))?;
                let (flow, default) = self.flow(m.flow, path)?;
                slots.extend(default);
                Node::MultiBinning(Box::new(MultiBinning::new(axes, flow, slots)))
            }
            ContentDoc::Category(c) => self.category(*c, path)?,
            ContentDoc::Formula(f) => {
                let formula = self.formula(&f, Some(&f.parameters), path)?;
                Node::Formula(Box::new(FormulaNode {
                    formula: Arc::new(formula),
                    params: Vec::new(),
                }))
            }
            ContentDoc::FormulaRef(r) => {
                let formula = usize::try_from(r.index)
                    .ok()
                    .and_then(|i| self.generic.get(i))
                    .ok_or_else(|| {
                        self.invalid(
                            &format!("{path}.index"),
                            format!(
                                "formularef index {} is out of range ({} generic formulas)",
                                r.index,
                                self.generic.len()
                            ),
                        )
                    })?;
                if r.parameters.len() < formula.params_needed() {
                    return Err(self.invalid(
                        &format!("{path}.parameters"),
                        format!(
                            "insufficient parameters for formula: {} given, [{}] used",
                            r.parameters.len(),
                            formula.params_needed() - 1
                        ),
                    ));
                }
                Node::Formula(Box::new(FormulaNode {
                    formula: Arc::clone(formula),
                    params: r.parameters,
                }))
            }
            ContentDoc::Transform(t) => {
                let input = self.input(&t.input, &format!("{path}.input"), "transform")?;
                let rule = self.node(t.rule, &format!("{path}.rule"))?;
                let content = self.node(t.content, &format!("{path}.content"))?;
                Node::Transform(Box::new(Transform {
                    input,
                    rule,
                    content,
                }))
            }
            ContentDoc::HashPrng(h) => {
                let inputs = h
                    .inputs
                    .iter()
                    .enumerate()
                    .map(|(i, n)| self.input(n, &format!("{path}.inputs[{i}]"), "hashprng"))
                    .collect::<Result<Vec<_>, _>>()?;
                let dist = Distribution::parse(&h.distribution).ok_or_else(|| {
                    self.invalid(
                        &format!("{path}.distribution"),
                        format!(
                            "invalid distribution {:?} (expected \"stdflat\", \"stdnormal\" or \"normal\")",
                            h.distribution
                        ),
                    )
                })?;
                Node::HashPrng(Box::new(HashPrng { inputs, dist }))
            }
        })
    }

    fn category(&self, c: crate::schema::CategoryDoc, path: &str) -> Result<Node, CorrectionError> {
        let input = self.input(&c.input, &format!("{path}.input"), "category")?;
        let ty = self.inputs[input].ty;
        let mut ints = Vec::new();
        let mut strs = Vec::new();
        let mut children = Vec::with_capacity(c.items.len() + 1);
        for (i, (key, value)) in c.items.into_iter().enumerate() {
            let kpath = format!("{path}.content[{i}].key");
            match key {
                KeyDoc::Int(k) if ty == VarType::Int => ints.push(k),
                KeyDoc::Str(s) if ty == VarType::String => strs.push(s),
                KeyDoc::Int(_) => {
                    return Err(self.invalid(
                        &kpath,
                        format!("category got a key of type int, but its input is type {ty}"),
                    ));
                }
                KeyDoc::Str(_) => {
                    return Err(self.invalid(
                        &kpath,
                        format!("category got a key of type string, but its input is type {ty}"),
                    ));
                }
            }
            children.push(self.node(value, &format!("{path}.content[{i}].value"))?);
        }
        let keys = match ty {
            VarType::Int => Keys::ints(&ints),
            VarType::String => Keys::strs(strs),
            VarType::Real => Keys::None,
        };
        let default = match c.default {
            Some(d) => {
                children.push(self.node(d, &format!("{path}.default"))?);
                Some((children.len() - 1) as u32)
            }
            None => None,
        };
        let table = const_table(&children);
        let shared = SharedFormula::of(&children);
        Ok(Node::Category(Box::new(Category {
            input,
            keys,
            children,
            default,
            table,
            shared,
        })))
    }
}
