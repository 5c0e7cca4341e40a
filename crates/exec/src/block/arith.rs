//! Element-wise arithmetic on blocks: binary and unary operations with Arrow's kernels (Arrow's
//! integer kernels are checked, so integer overflow is an error, as in the reference
//! interpreter), IEEE float comparisons, and the float functions.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Datum, Float64Array, Int64Array, Scalar as ArrowScalar,
};
use arrow_schema::DataType;
use rask_plan::op::{BinaryOp, Scalar, UnaryOp};
use rask_plan::types::{DType, Ty};

use super::{BlockValue, arrow_type, as_array};
use crate::error::ExecError;

/// An operand as an Arrow datum of type `d` (arrays cast, literals as scalars).
pub(super) fn datum(v: &BlockValue, d: DType) -> Result<Box<dyn Datum>, ExecError> {
    Ok(match v {
        BlockValue::Array { data, .. } => {
            let t = arrow_type(d);
            Box::new(if data.data_type() == &t {
                data.clone()
            } else {
                arrow_cast::cast(data, &t)?
            })
        }
        BlockValue::Scalar(s) => {
            let one: ArrayRef = match s {
                Scalar::F64(x) => Arc::new(Float64Array::from(vec![*x])),
                Scalar::I64(x) => Arc::new(Int64Array::from(vec![*x])),
                Scalar::Bool(x) => Arc::new(BooleanArray::from(vec![*x])),
            };
            Box::new(ArrowScalar::new(arrow_cast::cast(&one, &arrow_type(d))?))
        }
        BlockValue::Partial(_) => {
            return Err(ExecError::Unsupported(
                "a reduction inside an element-wise operation".to_string(),
            ));
        }
    })
}

fn shape_of(a: &BlockValue, b: &BlockValue) -> Vec<usize> {
    match (a, b) {
        (BlockValue::Array { shape, .. }, _) | (_, BlockValue::Array { shape, .. }) => {
            shape.clone()
        }
        _ => vec![1],
    }
}

pub(super) fn binary(
    op: BinaryOp,
    a: &BlockValue,
    b: &BlockValue,
    out: &Ty,
) -> Result<BlockValue, ExecError> {
    use BinaryOp::*;
    let shape = shape_of(a, b);
    let out_d = out.dtype().unwrap_or(DType::F64);
    // Comparisons compute in the wider of the operand types.
    let work = if op.is_comparison() {
        let (da, db) = (dtype_of(a), dtype_of(b));
        if da == DType::Bool && db == DType::Bool {
            DType::Bool
        } else if da.is_float() || db.is_float() {
            DType::F64
        } else {
            DType::I64
        }
    } else {
        out_d
    };
    if op.is_comparison() && work == DType::F64 {
        // IEEE comparisons (NaN compares false, as in numpy): Arrow's kernels order floats totally.
        let (p, q) = (F64Operand::of(a)?, F64Operand::of(b)?);
        let n = shape.iter().product::<usize>().max(p.len()).max(q.len());
        let f: fn(f64, f64) -> bool = match op {
            Eq => |x, y| x == y,
            Ne => |x, y| x != y,
            Lt => |x, y| x < y,
            Le => |x, y| x <= y,
            Gt => |x, y| x > y,
            _ => |x, y| x >= y,
        };
        let bits = arrow_buffer::BooleanBuffer::collect_bool(n, |i| f(p.at(i), q.at(i)));
        return Ok(BlockValue::Array {
            data: Arc::new(BooleanArray::new(bits, None)),
            shape,
        });
    }
    let (x, y) = (datum(a, work)?, datum(b, work)?);
    let data: ArrayRef = match op {
        Add => arrow_arith::numeric::add(x.as_ref(), y.as_ref())?,
        Sub => arrow_arith::numeric::sub(x.as_ref(), y.as_ref())?,
        Mul => arrow_arith::numeric::mul(x.as_ref(), y.as_ref())?,
        Div => arrow_arith::numeric::div(x.as_ref(), y.as_ref())?,
        Eq => Arc::new(arrow_ord::cmp::eq(x.as_ref(), y.as_ref())?),
        Ne => Arc::new(arrow_ord::cmp::neq(x.as_ref(), y.as_ref())?),
        Lt => Arc::new(arrow_ord::cmp::lt(x.as_ref(), y.as_ref())?),
        Le => Arc::new(arrow_ord::cmp::lt_eq(x.as_ref(), y.as_ref())?),
        Gt => Arc::new(arrow_ord::cmp::gt(x.as_ref(), y.as_ref())?),
        Ge => Arc::new(arrow_ord::cmp::gt_eq(x.as_ref(), y.as_ref())?),
        And | Or => {
            let (p, q) = (bool_array(a, &shape)?, bool_array(b, &shape)?);
            Arc::new(if op == And {
                arrow_arith::boolean::and(&p, &q)?
            } else {
                arrow_arith::boolean::or(&p, &q)?
            })
        }
        Mod | Pow | Arctan2 | Hypot | Minimum | Maximum => {
            let (p, q) = (f64_values(a, &shape)?, f64_values(b, &shape)?);
            let v: Vec<f64> = rask_plan::with_binary_float_fn!(
                op,
                |f| p.iter().zip(q.iter()).map(|(x, y)| f(*x, *y)).collect(),
                return Err(ExecError::Internal(format!(
                    "{op:?} has no floating-point definition"
                )))
            );
            let v = Float64Array::from(v);
            if out_d == DType::I64 {
                arrow_cast::cast(&(Arc::new(v) as ArrayRef), &DataType::Int64)?
            } else {
                Arc::new(v)
            }
        }
    };
    Ok(BlockValue::Array { data, shape })
}

fn dtype_of(v: &BlockValue) -> DType {
    match v {
        BlockValue::Array { data, .. } => DType::from_arrow(data.data_type()).unwrap_or(DType::F64),
        BlockValue::Scalar(s) => s.dtype(),
        BlockValue::Partial(_) => DType::F64,
    }
}

fn bool_array(v: &BlockValue, shape: &[usize]) -> Result<BooleanArray, ExecError> {
    Ok(match v {
        BlockValue::Array { data, .. } => data.as_boolean().clone(),
        BlockValue::Scalar(Scalar::Bool(b)) => BooleanArray::from(vec![*b; shape.iter().product()]),
        _ => {
            return Err(ExecError::Unsupported(
                "a non-boolean in a logical operation".to_string(),
            ));
        }
    })
}

/// A float operand without copying f64 arrays: values, or a constant broadcast.
enum F64Operand<'a> {
    Values(std::borrow::Cow<'a, [f64]>),
    Const(f64),
}

impl<'a> F64Operand<'a> {
    fn of(v: &'a BlockValue) -> Result<F64Operand<'a>, ExecError> {
        Ok(match v {
            BlockValue::Array { data, .. } if data.data_type() == &DataType::Float64 => {
                F64Operand::Values(std::borrow::Cow::Borrowed(
                    data.as_primitive::<Float64Type>().values(),
                ))
            }
            BlockValue::Array { data, .. } => F64Operand::Values(std::borrow::Cow::Owned(
                arrow_cast::cast(data, &DataType::Float64)?
                    .as_primitive::<Float64Type>()
                    .values()
                    .to_vec(),
            )),
            BlockValue::Scalar(s) => F64Operand::Const(s.as_f64()),
            BlockValue::Partial(_) => {
                return Err(ExecError::Unsupported(
                    "a reduction inside an element-wise operation".to_string(),
                ));
            }
        })
    }

    fn len(&self) -> usize {
        match self {
            F64Operand::Values(v) => v.len(),
            F64Operand::Const(_) => 0,
        }
    }

    #[inline]
    fn at(&self, i: usize) -> f64 {
        match self {
            F64Operand::Values(v) => v[i],
            F64Operand::Const(c) => *c,
        }
    }
}

fn f64_values(v: &BlockValue, shape: &[usize]) -> Result<Vec<f64>, ExecError> {
    Ok(match v {
        BlockValue::Array { data, .. } => arrow_cast::cast(data, &DataType::Float64)?
            .as_primitive::<Float64Type>()
            .values()
            .to_vec(),
        BlockValue::Scalar(s) => vec![s.as_f64(); shape.iter().product()],
        BlockValue::Partial(_) => {
            return Err(ExecError::Unsupported(
                "a reduction inside an element-wise operation".to_string(),
            ));
        }
    })
}

pub(super) fn unary(op: UnaryOp, v: &BlockValue, out: &Ty) -> Result<BlockValue, ExecError> {
    if let BlockValue::Scalar(s) = v {
        // A literal stays a literal (normally folded away by the CSE rule already).
        return Ok(BlockValue::Scalar(match (op, s) {
            (UnaryOp::Not, Scalar::Bool(b)) => Scalar::Bool(!b),
            (UnaryOp::Neg | UnaryOp::Abs, Scalar::I64(i)) => Scalar::I64(
                if op == UnaryOp::Neg {
                    i.checked_neg()
                } else {
                    i.checked_abs()
                }
                .ok_or_else(|| {
                    ExecError::Eval(rask_plan::arith::integer_overflow_unary(op, *i).to_string())
                })?,
            ),
            (UnaryOp::Neg, s) => Scalar::F64(-s.as_f64()),
            (UnaryOp::Abs, s) => Scalar::F64(s.as_f64().abs()),
            (op, s) => Scalar::F64(op.float_fn()(s.as_f64())),
        }));
    }
    let (data, shape) = match v {
        BlockValue::Scalar(s) => {
            let one: ArrayRef = match s {
                Scalar::F64(x) => Arc::new(Float64Array::from(vec![*x])),
                Scalar::I64(x) => Arc::new(Int64Array::from(vec![*x])),
                Scalar::Bool(x) => Arc::new(BooleanArray::from(vec![*x])),
            };
            (one, vec![1])
        }
        other => as_array(other)?,
    };
    let data: ArrayRef = match op {
        UnaryOp::Not => Arc::new(arrow_arith::boolean::not(data.as_boolean())?),
        UnaryOp::Neg | UnaryOp::Abs if data.data_type() == &DataType::Int64 => {
            // Integers are exact or an error: only i64::MIN has no negation.
            let ints = data.as_primitive::<Int64Type>();
            if ints.values().contains(&i64::MIN) {
                return Err(ExecError::Eval(
                    rask_plan::arith::integer_overflow_unary(op, i64::MIN).to_string(),
                ));
            }
            let f: fn(i64) -> i64 = if op == UnaryOp::Neg { |x| -x } else { i64::abs };
            Arc::new(ints.unary::<_, Int64Type>(f))
        }
        _ => {
            let x = arrow_cast::cast(&data, &DataType::Float64)?;
            let x = x.as_primitive::<Float64Type>();
            let y: ArrayRef =
                Arc::new(rask_plan::with_unary_float_fn!(op, |f| x.unary::<_, Float64Type>(f)));
            let t = arrow_type(out.dtype().unwrap_or(DType::F64));
            if y.data_type() == &t {
                y
            } else {
                arrow_cast::cast(&y, &t)?
            }
        }
    };
    Ok(BlockValue::Array { data, shape })
}
