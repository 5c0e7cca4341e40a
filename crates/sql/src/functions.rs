//! The functions of the language: each name mapped to its builder call (math, lists and
//! lambdas, physics), and the table of names for completion and suggestions.

use sqlparser::ast;

use super::{Arg, R, Scope, SqlError, args_of, binary, closest, number, plan_error, string};
use rask_plan::error::PlanError;
use rask_plan::expr::Expr;
use rask_plan::op::{BinaryOp, Scalar, UnaryOp};

impl Scope<'_> {
    /// `name(l, x -> body)`: the body with `x` bound to the list `l` (element-wise operations
    /// on `x` then work on every element).
    pub(super) fn lambda(&self, list: &Expr, arg: &Arg<'_>) -> R<Expr> {
        let Arg::Pos(ast::Expr::Lambda(l)) = arg else {
            return Err(SqlError::at(arg.span(), "a lambda `x -> ...`"));
        };
        let params: Vec<&ast::LambdaFunctionParameter> = match &l.params {
            ast::OneOrManyWithParens::One(p) => vec![p],
            ast::OneOrManyWithParens::Many(ps) => ps.iter().collect(),
        };
        let [p] = params.as_slice() else {
            return Err(SqlError::at(arg.span(), "a lambda of one parameter"));
        };
        self.with_var(&p.name.value, list.clone()).expr(&l.body)
    }

    pub(super) fn function(&self, f: &ast::Function, span: sqlparser::tokenizer::Span) -> R<Expr> {
        let name = f.name.to_string().to_lowercase();
        let args = args_of(f)?;
        let pe = |err: PlanError| plan_error(span, err);
        let arity = |n: usize| -> R<()> {
            if args.len() == n {
                Ok(())
            } else {
                Err(SqlError::at(
                    span,
                    format!("{name} takes {n} argument{}", if n == 1 { "" } else { "s" }),
                ))
            }
        };
        let x = |i: usize| -> R<Expr> { self.expr(args[i].expr()?) };
        let unary = |op: UnaryOp| -> R<Expr> {
            arity(1)?;
            x(0)?.unary_op(op).map_err(pe)
        };
        // `name(a, b)` as the builder's `a.method(&b)`.
        let pair = |method: fn(&Expr, &Expr) -> Result<Expr, PlanError>| -> R<Expr> {
            arity(2)?;
            method(&x(0)?, &x(1)?).map_err(pe)
        };
        Ok(match name.as_str() {
            "infinity" | "pi" => {
                arity(0)?;
                let v = if name == "pi" {
                    std::f64::consts::PI
                } else {
                    f64::INFINITY
                };
                self.ctx.literal(Scalar::F64(v)).map_err(pe)?
            }
            "abs" => unary(UnaryOp::Abs)?,
            "sqrt" => unary(UnaryOp::Sqrt)?,
            "exp" => unary(UnaryOp::Exp)?,
            "log" | "ln" => unary(UnaryOp::Log)?,
            "sin" => unary(UnaryOp::Sin)?,
            "cos" => unary(UnaryOp::Cos)?,
            "tan" => unary(UnaryOp::Tan)?,
            "atan" => unary(UnaryOp::Arctan)?,
            "sinh" => unary(UnaryOp::Sinh)?,
            "cosh" => unary(UnaryOp::Cosh)?,
            "tanh" => unary(UnaryOp::Tanh)?,
            "floor" => unary(UnaryOp::Floor)?,
            "ceil" | "ceiling" => unary(UnaryOp::Ceil)?,
            "log10" => unary(UnaryOp::Log10)?,
            "log2" => unary(UnaryOp::Log2)?,
            "log1p" => unary(UnaryOp::Log1p)?,
            "expm1" => unary(UnaryOp::Expm1)?,
            "asin" | "arcsin" => unary(UnaryOp::Arcsin)?,
            "acos" | "arccos" => unary(UnaryOp::Arccos)?,
            "asinh" | "arcsinh" => unary(UnaryOp::Arcsinh)?,
            "acosh" | "arccosh" => unary(UnaryOp::Arccosh)?,
            "atanh" | "arctanh" => unary(UnaryOp::Arctanh)?,
            "rint" => unary(UnaryOp::Rint)?,
            "trunc" => unary(UnaryOp::Trunc)?,
            "exp2" => unary(UnaryOp::Exp2)?,
            "cbrt" => unary(UnaryOp::Cbrt)?,
            "square" => unary(UnaryOp::Square)?,
            "radians" | "deg2rad" => unary(UnaryOp::Deg2rad)?,
            "degrees" | "rad2deg" => unary(UnaryOp::Rad2deg)?,
            "sign" => unary(UnaryOp::Sign)?,
            "atan2" | "hypot" | "least" | "greatest" => {
                arity(2)?;
                let op = match name.as_str() {
                    "atan2" => BinaryOp::Arctan2,
                    "hypot" => BinaryOp::Hypot,
                    "least" => BinaryOp::Minimum,
                    _ => BinaryOp::Maximum,
                };
                binary(op, &x(0)?, &x(1)?).map_err(pe)?
            }
            "if" => {
                arity(3)?;
                self.ctx.where_(&x(0)?, &x(1)?, &x(2)?).map_err(pe)?
            }
            "len" | "cardinality" | "num" => {
                arity(1)?;
                x(0)?.num().map_err(pe)?
            }
            "list_filter" => {
                arity(2)?;
                let l = x(0)?;
                let keep = self.lambda(&l, &args[1])?;
                l.mask(&keep).map_err(pe)?
            }
            "list_transform" => {
                arity(2)?;
                let l = x(0)?;
                self.lambda(&l, &args[1])?
            }
            "list_sum" | "list_min" | "list_max" | "list_mean" | "list_count" | "list_any"
            | "list_all" | "any" | "all" => {
                arity(1)?;
                let l = x(0)?;
                // The innermost lists: per event for a list, per element for lists of lists.
                let axis = match l.ty() {
                    rask_plan::types::Ty::Events { layout, .. } if layout.depth() >= 2 => Some(2),
                    _ => Some(1),
                };
                match name.trim_start_matches("list_") {
                    "sum" => l.sum(axis),
                    "min" => l.min(axis),
                    "max" => l.max(axis),
                    "mean" => l.mean(axis),
                    "count" => l.count(axis),
                    "any" => l.any(axis),
                    _ => l.all(axis),
                }
                .map_err(pe)?
            }
            "combinations" | "argcombinations" => {
                arity(2)?;
                let n = number(args[1].expr()?)?;
                if n != 2.0 && n != 3.0 {
                    return Err(SqlError::at(args[1].span(), "n is 2 or 3"));
                }
                let l = x(0)?;
                if name == "combinations" {
                    l.combinations(n as u8)
                } else {
                    l.argcombinations(n as u8)
                }
                .map_err(pe)?
            }
            "cartesian" => pair(Expr::cartesian)?,
            "cartesian_nested" => pair(Expr::cartesian_nested)?,
            "concat" | "list_concat" => pair(Expr::concatenate)?,
            "argmin" | "argmax" => {
                arity(1)?;
                let l = x(0)?;
                if name == "argmin" {
                    l.argmin(true)
                } else {
                    l.argmax(true)
                }
                .map_err(pe)?
            }
            "take" => pair(Expr::take)?,
            "first" | "firsts" => {
                arity(1)?;
                x(0)?.firsts().map_err(pe)?
            }
            "singletons" => {
                arity(1)?;
                x(0)?.singletons().map_err(pe)?
            }
            "fill_none" => {
                arity(2)?;
                let v = number(args[1].expr()?)?;
                // Whole numbers that are exact in f64 are integers; others stay floats
                // (never clamped into an i64).
                let s = if v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0 {
                    Scalar::I64(v as i64)
                } else {
                    Scalar::F64(v)
                };
                x(0)?.fill_none(s).map_err(pe)?
            }
            "local_index" => {
                arity(1)?;
                x(0)?.local_index().map_err(pe)?
            }
            "flatten" => {
                arity(1)?;
                x(0)?.flatten().map_err(pe)?
            }
            "zip" => {
                let mut fields = Vec::new();
                for a in &args {
                    let Arg::Named(n, e) = a else {
                        return Err(SqlError::at(a.span(), "zip(name => list, ...)"));
                    };
                    fields.push((n.clone(), self.expr(e)?));
                }
                let refs: Vec<(&str, &Expr)> =
                    fields.iter().map(|(n, e)| (n.as_str(), e)).collect();
                self.ctx.zip(&refs).map_err(pe)?
            }
            "get" => {
                arity(2)?;
                let field = string(args[1].expr()?)?;
                x(0)?.field(&field).map_err(pe)?
            }
            "with_field" => {
                arity(3)?;
                let name = string(args[1].expr()?)?;
                x(0)?.with_field(&name, &x(2)?).map_err(pe)?
            }
            "mass" | "pt4" => {
                if args.len() < 2 {
                    return Err(SqlError::at(span, format!("{name} of two or more vectors")));
                }
                let mut sum = x(0)?.p4_add(&x(1)?).map_err(pe)?;
                for i in 2..args.len() {
                    sum = sum.p4_add(&x(i)?).map_err(pe)?;
                }
                if name == "mass" {
                    sum.p4_mass()
                } else {
                    sum.p4_pt()
                }
                .map_err(pe)?
            }
            "correction" => self.correction(&args, span)?,
            "vary" => self.vary(&args, span)?,
            "delta_r" => pair(Expr::delta_r)?,
            "delta_phi" => pair(Expr::delta_phi)?,
            "mt" => pair(Expr::mt)?,
            "sort" | "list_sort" | "argsort" => {
                if args.is_empty() || args.len() > 2 {
                    return Err(SqlError::at(
                        span,
                        format!("{name}(list [, 'asc' | 'desc'])"),
                    ));
                }
                let ascending = match args.get(1) {
                    None => true,
                    Some(order) => match string(order.expr()?)?.to_lowercase().as_str() {
                        "asc" => true,
                        "desc" => false,
                        other => {
                            return Err(SqlError::at(
                                order.span(),
                                format!("the order is 'asc' or 'desc', not '{other}'"),
                            ));
                        }
                    },
                };
                let l = x(0)?;
                if name != "argsort" {
                    l.sort(ascending)
                } else {
                    l.argsort(ascending)
                }
                .map_err(pe)?
            }
            "hist" | "whist" | "hist_var" | "hist2d" | "whist2d" | "count" | "cutflow" => {
                return Err(SqlError::at(
                    span,
                    format!("{name}(...) is an output: use it as a select item"),
                ));
            }
            aggregate if super::aggregates::AGGREGATES.contains(&aggregate) => {
                let message = super::aggregates::misplaced(aggregate)
                    .unwrap_or_else(|| format!("{aggregate}(x) is an output"));
                return Err(SqlError::at(span, message));
            }
            other => {
                let close = closest(FUNCTIONS.iter().copied(), other);
                let hint = if close.is_empty() {
                    String::new()
                } else {
                    format!(" (did you mean {}?)", close.join(", "))
                };
                return Err(SqlError::at(
                    span,
                    format!("unknown function '{other}'{hint}"),
                ));
            }
        })
    }
}

/// The function names of the language (for completion and suggestions).
pub const FUNCTIONS: &[&str] = &[
    "abs",
    "sqrt",
    "exp",
    "log",
    "sin",
    "cos",
    "tan",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "floor",
    "ceil",
    "log10",
    "log2",
    "log1p",
    "expm1",
    "asin",
    "acos",
    "asinh",
    "acosh",
    "atanh",
    "rint",
    "trunc",
    "exp2",
    "cbrt",
    "square",
    "radians",
    "degrees",
    "sign",
    "atan2",
    "hypot",
    "least",
    "greatest",
    "if",
    "infinity",
    "pi",
    "len",
    "cardinality",
    "num",
    "list_filter",
    "list_transform",
    "list_sum",
    "list_min",
    "list_max",
    "list_mean",
    "list_count",
    "list_any",
    "list_all",
    "any",
    "all",
    "combinations",
    "argcombinations",
    "cartesian",
    "cartesian_nested",
    "concat",
    "argmin",
    "argmax",
    "take",
    "sort",
    "list_sort",
    "argsort",
    "first",
    "singletons",
    "fill_none",
    "local_index",
    "flatten",
    "zip",
    "get",
    "with_field",
    "mass",
    "pt4",
    "delta_r",
    "delta_phi",
    "mt",
    "correction",
    "hist",
    "hist2d",
    "whist2d",
    "cutflow",
    "whist",
    "hist_var",
    "count",
    "sum",
    "min",
    "max",
    "mean",
    "avg",
    "count_if",
];
