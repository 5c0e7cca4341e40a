//! Corrections from correctionlib files (scale factors, energy corrections, smearings) as plan
//! operations: `correction(file, name, args...)`, evaluated element by element and broadcast over
//! jagged inputs like any other element-wise function.
//!
//! The file is read, validated and its inputs checked against the arguments when the plan is
//! built ([`Context::correction`]), never per partition. A node's key includes a digest of the
//! file's bytes, so editing the file changes every key downstream (and no persisted value of the
//! old file is reused).
//!
//! ```no_run
//! use rask_plan::correction::CorrectionInput as C;
//! # let ctx = rask_plan::Context::new();
//! # let events = ctx.source("events", &["f.root".into()], "Events",
//! #     std::sync::Arc::new(rask_adl::nano_schema()))?;
//! let jets = events.field("Jet")?;
//! let sf = ctx.correction(
//!     "corrections.json",
//!     "jet_sf",
//!     &[C::Expr(&jets.field("pt")?), C::Expr(&jets.field("eta")?), C::Str("nominal")],
//! )?;
//! # Ok::<(), rask_plan::PlanError>(())
//! ```

use std::fmt;
use std::sync::Arc;

use rask_correction::{CorrectionSet, Evaluator, VarType};

use crate::error::PlanError;
use crate::expr::{Context, Expr};
use crate::key::Key;
use crate::op::{Op, Scalar};
use crate::types::{DType, Ty};

/// One argument of a correction in the plan: the next expression input of the node, or a
/// string constant (plans carry no string columns; string inputs such as a systematic's name
/// are constants).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CorrectionArg {
    /// The node's next input.
    Input,
    /// A constant string.
    Str(String),
}

/// A correction of a correctionlib file, bound to its arguments.
#[derive(Clone)]
pub struct CorrectionSpec {
    /// The file as the user named it.
    pub path: String,
    /// The correction's name in the file.
    pub name: String,
    /// A digest of the file's bytes (part of the key).
    pub digest: Key,
    /// One per input of the correction, in its order.
    pub args: Vec<CorrectionArg>,
    /// The loaded, validated correction.
    pub evaluator: Arc<Evaluator>,
}

impl fmt::Debug for CorrectionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "correction({:?}, {:?}, {}, {:?})",
            self.path,
            self.name,
            self.digest.token(),
            self.args
        )
    }
}

impl PartialEq for CorrectionSpec {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
            && self.name == other.name
            && self.digest == other.digest
            && self.args == other.args
    }
}

impl CorrectionSpec {
    /// How the call reads in messages: `correction('f.json', 'sf', x, y, 'nominal')`, with the
    /// expression inputs described by `inputs`.
    pub fn describe(&self, inputs: &[String]) -> String {
        let mut parts = vec![format!("'{}'", self.path), format!("'{}'", self.name)];
        let mut next = inputs.iter();
        for a in &self.args {
            match a {
                CorrectionArg::Input => {
                    parts.push(next.next().cloned().unwrap_or_else(|| "?".to_string()))
                }
                CorrectionArg::Str(s) => parts.push(format!("'{s}'")),
            }
        }
        format!("correction({})", parts.join(", "))
    }
}

/// An argument of [`Context::correction`].
#[derive(Clone, Copy)]
pub enum CorrectionInput<'a> {
    /// Values per event, per object, or an array.
    Expr(&'a Expr),
    /// A constant string (e.g. a systematic's name).
    Str(&'a str),
    /// A constant number.
    Real(f64),
    /// A constant integer.
    Int(i64),
}

/// A loaded correction file and the digest of its bytes.
#[derive(Debug, Clone)]
pub(crate) struct LoadedFile {
    pub(crate) set: Arc<CorrectionSet>,
    pub(crate) digest: Key,
}

/// Reads and validates a correctionlib file (plain or gzip JSON).
fn load(path: &str) -> Result<LoadedFile, PlanError> {
    let bytes = std::fs::read(path).map_err(|e| PlanError::Correction {
        message: format!("cannot read correction file {path}: {e}"),
    })?;
    let set = CorrectionSet::from_path(std::path::Path::new(path)).map_err(|e| {
        PlanError::Correction {
            message: e.to_string(),
        }
    })?;
    Ok(LoadedFile {
        set: Arc::new(set),
        digest: Key::of(&[b"correction-file", &bytes]),
    })
}

impl Context {
    /// The correction `name` of the correctionlib file at `path`, evaluated on `args` (one per
    /// input of the correction, in its order): per-object inputs broadcast with per-event ones
    /// and constants, the result is f64 with the inputs' structure. The file is read and
    /// checked now: unknown corrections, wrong argument counts and types are errors naming the
    /// correction and the input. Files are read once per context.
    ///
    /// ```no_run
    /// use rask_plan::correction::CorrectionInput as C;
    /// # let ctx = rask_plan::Context::new();
    /// # let events = ctx.source("events", &["f.root".into()], "Events",
    /// #     std::sync::Arc::new(rask_adl::nano_schema()))?;
    /// let muons = events.field("Muon")?;
    /// let sf = ctx.correction("sf.json.gz", "muon_id",
    ///     &[C::Expr(&muons.field("eta")?), C::Expr(&muons.field("pt")?), C::Str("nominal")])?;
    /// # Ok::<(), rask_plan::PlanError>(())
    /// ```
    pub fn correction(
        &self,
        path: &str,
        name: &str,
        args: &[CorrectionInput<'_>],
    ) -> Result<Expr, PlanError> {
        let cached = self.lock().corrections.get(path).cloned();
        let file = match cached {
            Some(f) => f,
            None => {
                let f = load(path)?;
                self.lock().corrections.insert(path.to_string(), f.clone());
                f
            }
        };
        let evaluator = file.set.get(name).map_err(|e| PlanError::Correction {
            message: format!("{path}: {e}"),
        })?;
        let wanted = evaluator.inputs();
        let signature = || {
            wanted
                .iter()
                .map(|v| format!("{} ({})", v.name, type_name(&v.ty)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if args.len() != wanted.len() {
            return Err(PlanError::Correction {
                message: format!(
                    "correction '{name}' of {path} takes {} input{}: {}; {} given",
                    wanted.len(),
                    if wanted.len() == 1 { "" } else { "s" },
                    signature(),
                    args.len()
                ),
            });
        }
        let mut slots = Vec::with_capacity(args.len());
        let mut exprs: Vec<Expr> = Vec::new();
        for (arg, var) in args.iter().zip(wanted) {
            let mismatch = |given: &str| PlanError::Correction {
                message: format!(
                    "correction '{name}' of {path}: input '{}' is {}, not {given} (inputs: {})",
                    var.name,
                    type_name(&var.ty),
                    signature()
                ),
            };
            match (*arg, &var.ty) {
                (CorrectionInput::Str(s), VarType::String) => {
                    slots.push(CorrectionArg::Str(s.to_string()))
                }
                (CorrectionInput::Str(_), _) => return Err(mismatch("a string")),
                (_, VarType::String) => return Err(mismatch("a number")),
                (CorrectionInput::Real(_), VarType::Int) => return Err(mismatch("a real number")),
                (CorrectionInput::Real(v), _) => {
                    slots.push(CorrectionArg::Input);
                    exprs.push(self.literal(Scalar::F64(v))?);
                }
                (CorrectionInput::Int(v), _) => {
                    slots.push(CorrectionArg::Input);
                    exprs.push(self.literal(Scalar::I64(v))?);
                }
                (CorrectionInput::Expr(e), ty) => {
                    let dtype = e.ty().dtype();
                    let ok = match (ty, dtype) {
                        (_, None | Some(DType::Bool)) => false,
                        (VarType::Int, Some(d)) => !d.is_float(),
                        (_, Some(_)) => true,
                    };
                    if !ok {
                        let given = match dtype {
                            Some(d) => format!("{} ({})", e.describe(), d.name()),
                            None => format!("{} ({})", e.describe(), e.ty().describe()),
                        };
                        return Err(mismatch(&given));
                    }
                    slots.push(CorrectionArg::Input);
                    exprs.push((*e).clone());
                }
            }
        }
        if exprs.iter().all(|e| matches!(e.ty(), Ty::Scalar(_))) {
            return Err(PlanError::Correction {
                message: format!(
                    "correction '{name}' of {path} has only constant inputs: give it at least one \
                     column (or evaluate it with `rask corrections {path} --eval {name}`)"
                ),
            });
        }
        let spec = CorrectionSpec {
            path: path.to_string(),
            name: name.to_string(),
            digest: file.digest,
            args: slots,
            evaluator,
        };
        let inputs: Vec<&Expr> = exprs.iter().collect();
        self.add_op(Op::Correction(Arc::new(spec)), &inputs)
    }
}

/// How correctionlib names an input's type.
pub fn type_name(ty: &VarType) -> &'static str {
    match ty {
        VarType::Real => "real",
        VarType::Int => "int",
        VarType::String => "string",
    }
}
