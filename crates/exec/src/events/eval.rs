//! One partition of an event plan: every node evaluated once (the plan is already deduplicated
//! by CSE) on [`Col`] columns with the whole-buffer kernels of `rask_core::kernels`.
//!
//! The semantics are those of the reference interpreter (`rask_plan::reference`), which the
//! tests use as the oracle: first minimum/maximum skipping NaN, IEEE comparisons, stable sorts
//! with NaN last, missing values propagated by element-wise operations.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use arrow_buffer::BooleanBuffer;
use rask_core::column::Col;
use rask_core::hist::Histogram;
use rask_core::kernels;
use rask_plan::op::{FusedBody, FusedRef, Op, ReduceOp, Scalar};
use rask_plan::types::{DType, Layout, Ty};
use rask_plan::{Graph, NodeId};

use super::broadcast::{self, Arg};
use super::demand::Demand;
use super::error::EventError;
use super::gather::{combinations, gathered, list_parts};
use super::{best, chain, nearby, pairs, pick, sums};
use crate::block::{Partial, reduce_array};
use crate::error::ExecError;

/// The value of a node on one partition.
#[derive(Debug, Clone)]
pub enum EvValue {
    /// One value per event of the partition.
    Col(Col),
    /// A literal.
    Const(Scalar),
    /// A flat array (made by `flatten`), not aligned with events.
    Flat(Col),
    /// A partial reduction or histogram.
    Partial(Partial),
}

type R<T> = Result<T, EventError>;

/// Evaluates `outputs` on one partition whose sources are `sources` (record columns by node).
pub fn evaluate(
    graph: &Graph,
    outputs: &[NodeId],
    sources: &HashMap<NodeId, Col>,
) -> Result<Vec<EvValue>, ExecError> {
    super::gather::forget();
    super::cut::forget();
    let out = evaluate_nodes(graph, outputs, sources);
    super::gather::forget();
    super::cut::forget();
    out
}

fn evaluate_nodes(
    graph: &Graph,
    outputs: &[NodeId],
    sources: &HashMap<NodeId, Col>,
) -> Result<Vec<EvValue>, ExecError> {
    let mut values: HashMap<NodeId, EvValue> = HashMap::new();
    for id in graph.topo_order(outputs) {
        let node = graph.node(id);
        let out = if let Op::Source(_) | Op::Cached(_) = &node.op {
            EvValue::Col(sources.get(&id).cloned().ok_or_else(|| {
                ExecError::Internal(format!("no data for {}", graph.describe(id)))
            })?)
        } else {
            let inputs: Vec<&EvValue> = node.inputs.iter().map(|i| &values[i]).collect();
            let tys: Vec<&Ty> = node.inputs.iter().map(|i| &graph.node(*i).ty).collect();
            eval_op(&node.op, &inputs, &tys, &node.ty, &Demand::all())
                .map_err(|e| ExecError::from(e).context(&graph.describe(id)))?
        };
        values.insert(id, out);
    }
    Ok(outputs.iter().map(|o| values[o].clone()).collect())
}

pub(super) fn col(v: &EvValue) -> R<&Col> {
    match v {
        EvValue::Col(c) | EvValue::Flat(c) => Ok(c),
        EvValue::Const(_) => Err(EventError::internal(
            "expected per-event values, got a literal",
        )),
        EvValue::Partial(_) => Err(EventError::internal(
            "expected per-event values, got a reduction",
        )),
    }
}

fn arg(v: &EvValue) -> R<Arg<'_>> {
    Ok(match v {
        EvValue::Const(s) => Arg::Const(*s),
        other => Arg::Col(col(other)?),
    })
}

fn out_dtype(out: &Ty) -> DType {
    out.dtype().unwrap_or(DType::F64)
}

/// Wraps a column like the inputs: flat arrays stay flat, per-event columns stay per event.
fn like(inputs: &[&EvValue], c: Col) -> EvValue {
    if inputs.iter().any(|v| matches!(v, EvValue::Flat(_))) {
        EvValue::Flat(c)
    } else {
        EvValue::Col(c)
    }
}

/// Evaluates one operation; `read` is what its consumers read of its records (gathers move
/// only that).
fn eval_op(op: &Op, inputs: &[&EvValue], tys: &[&Ty], out: &Ty, read: &Demand) -> R<EvValue> {
    let args = || inputs.iter().map(|v| arg(v)).collect::<R<Vec<_>>>();
    Ok(match op {
        Op::Literal(s) => EvValue::Const(*s),
        Op::Unary(u) => {
            let d = out_dtype(out);
            like(
                inputs,
                broadcast::broadcast(&args()?, &|a| broadcast::unary(*u, a, d))?,
            )
        }
        Op::Binary(b) => {
            let d = out_dtype(out);
            let a = args()?;
            if a.iter().all(|x| matches!(x, Arg::Const(_))) {
                return Err(EventError::internal(
                    "an operation of two literals (folded by the optimiser)",
                ));
            }
            like(
                inputs,
                broadcast::broadcast(&a, &|a| broadcast::binary(*b, a, d))?,
            )
        }
        Op::Where => {
            let d = out_dtype(out);
            like(
                inputs,
                broadcast::broadcast(&args()?, &|a| broadcast::where_(a, d))?,
            )
        }
        Op::Cast(d) => like(
            inputs,
            broadcast::broadcast(&args()?, &|a| match a[0] {
                Arg::Col(c) => Ok(broadcast::cast_leaf(c, *d)),
                Arg::Const(_) => Err(EventError::internal("cast of a literal")),
            })?,
        ),
        Op::Correction(spec) => like(
            inputs,
            broadcast::broadcast(&args()?, &|a| super::correction::leaf(spec, a))?,
        ),
        Op::Lorentz(l) => EvValue::Col(broadcast::broadcast(&args()?, &|a| {
            broadcast::lorentz(*l, a)
        })?),
        Op::Mask => super::cut::mask(inputs[0], inputs[1], read)?,
        Op::Reduce { op: r, axis } => reduce(*r, *axis, inputs[0], out)?,
        Op::Field(name) => EvValue::Col(field(col(inputs[0])?, name)?),
        Op::Zip(names) => EvValue::Col(zip(names, inputs)?),
        Op::WithField(name) => EvValue::Col(with_field(col(inputs[0])?, name, col(inputs[1])?)?),
        Op::Num => match col(inputs[0])? {
            Col::List(o, _) => EvValue::Col(Col::I64(kernels::counts(o).into())),
            other => {
                return Err(EventError::Internal(format!(
                    "num needs lists, found {}",
                    other.kind()
                )));
            }
        },
        Op::Combinations { n, names } | Op::ArgCombinations { n, names } => {
            let indices = matches!(op, Op::ArgCombinations { .. });
            let (c, _) = combinations(col(inputs[0])?, (*n, names, indices), read, false)?;
            EvValue::Col(c)
        }
        Op::Cartesian { names } => {
            let (oa, ia) = gathered(col(inputs[0])?, "cartesian", &read.sub(&names[0]))?;
            let (ob, ib) = gathered(col(inputs[1])?, "cartesian", &read.sub(&names[1]))?;
            let t = kernels::cartesian(&oa, &ob)?;
            let len = t.slots[0].len();
            let fields = vec![
                (names[0].clone(), ia.take(&t.slots[0])),
                (names[1].clone(), ib.take(&t.slots[1])),
            ];
            EvValue::Col(Col::list(t.offsets, Col::record(len, fields)))
        }
        Op::CartesianNested { names } => {
            let (oa, ia) = gathered(col(inputs[0])?, "cartesian_nested", &read.sub(&names[0]))?;
            let (ob, ib) = gathered(col(inputs[1])?, "cartesian_nested", &read.sub(&names[1]))?;
            let (inner, t) = kernels::cartesian_nested(&oa, &ob)?;
            let len = t.slots[0].len();
            let fields = vec![
                (names[0].clone(), ia.take(&t.slots[0])),
                (names[1].clone(), ib.take(&t.slots[1])),
            ];
            let pairs = Col::list(inner, Col::record(len, fields));
            EvValue::Col(Col::List(oa, Arc::new(pairs)))
        }
        Op::ArgMin { keepdims } | Op::ArgMax { keepdims } => {
            let (o, items) = list_parts(col(inputs[0])?, op.name())?;
            let max = matches!(op, Op::ArgMax { .. });
            let found = pick::arg_extreme(&o, &items, max)?;
            EvValue::Col(pick::picked_index(&o, &found, *keepdims)?)
        }
        Op::Firsts => {
            let (o, items) = list_parts(col(inputs[0])?, "firsts")?;
            EvValue::Col(pairs::item_at(&o, &read.keep(&items), 0))
        }
        Op::Singletons => EvValue::Col(singletons(&read.keep(col(inputs[0])?))),
        Op::FillNone(value) => match col(inputs[0])? {
            Col::Opt(valid, inner) if inner.is_number() => {
                let d = out_dtype(out);
                let filled = broadcast::where_(
                    &[
                        Arg::Col(&Col::Bool(valid.clone())),
                        Arg::Col(inner),
                        Arg::Const(*value),
                    ],
                    d,
                )?;
                EvValue::Col(broadcast::fix_kind(
                    if d == DType::F32 {
                        broadcast::cast_leaf(&filled, d)
                    } else {
                        filled
                    },
                    d,
                ))
            }
            Col::Opt(..) => {
                return Err(EventError::internal(
                    "fill_none of optional lists or records",
                ));
            }
            other => EvValue::Col(other.clone()),
        },
        Op::ListSlice { start, stop } => {
            let (o, items) = list_parts(col(inputs[0])?, "list_slice")?;
            let items = read.keep(&items);
            EvValue::Col(match stop {
                // A few items per list (`x[:, k]` as a slice): one gather.
                Some(stop)
                    if stop.saturating_sub(*start) <= 4 && !matches!(items, Col::List(..)) =>
                {
                    let (offsets, idx) = kernels::slice_index(&o, *start, *stop);
                    Col::list(offsets, items.take(&idx))
                }
                _ => rask_core::column::ListSelection::slice(&o, *start, *stop).apply(&items),
            })
        }
        Op::LocalIndex => {
            let (o, _) = list_parts(col(inputs[0])?, "local_index")?;
            EvValue::Col(Col::List(
                o.clone(),
                Arc::new(Col::I64(kernels::local_index(&o).into())),
            ))
        }
        Op::Concatenate => {
            let (oa, ia) = list_parts(col(inputs[0])?, "concatenate")?;
            let (ob, ib) = list_parts(col(inputs[1])?, "concatenate")?;
            // Cartesian components survive when one side carries them (a sum): the other side
            // gets them too, as the reference interpreter's zipped records have them.
            let (ia, ib) =
                if super::vector::carries_cartesian(&ia) || super::vector::carries_cartesian(&ib) {
                    (
                        Arc::new(super::vector::with_cartesian(ia.as_ref().clone())),
                        Arc::new(super::vector::with_cartesian(ib.as_ref().clone())),
                    )
                } else {
                    (ia, ib)
                };
            let (offsets, idx) = kernels::concat_index(&oa, &ob, ia.len())?;
            // The common fields of the type that were read (projection pushdown reads only the
            // fields used later).
            let keep: Vec<String> = match out {
                Ty::Events {
                    layout: Layout::List { item, .. },
                    ..
                } => item
                    .field_names()
                    .into_iter()
                    .chain(rask_core::kernels::CARTESIAN_FIELDS.map(String::from))
                    .filter(|n| {
                        super::vector::field(&ia, n).is_some()
                            && super::vector::field(&ib, n).is_some()
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let (a, b) = (project(&ia, &keep)?, project(&ib, &keep)?);
            let items = match a.take_concat(&b, &idx) {
                Some(items) => items,
                None => a.append(&b)?.take(&idx),
            };
            let items = match out.dtype() {
                Some(d) if items.is_number() => broadcast::fix_kind(items, d),
                _ => items,
            };
            EvValue::Col(Col::list(offsets, items))
        }
        Op::Flatten => match (col(inputs[0])?, out) {
            (Col::List(o, items), Ty::Events { .. }) => {
                let Col::List(o2, inner) = items.as_ref() else {
                    return Err(EventError::internal(
                        "flatten of events needs lists of lists",
                    ));
                };
                let offsets: Vec<i32> = o.iter().map(|&k| o2[k as usize]).collect();
                EvValue::Col(Col::list(offsets, inner.as_ref().clone()))
            }
            (Col::List(_, items), _) => EvValue::Flat(items.as_ref().clone()),
            (c, _) => EvValue::Flat(c.clone()),
        },
        Op::Take => pick::take(col(inputs[0])?, col(inputs[1])?, read)?,
        Op::Sort { ascending } | Op::ArgSort { ascending } => {
            let (o, items) = list_parts(col(inputs[0])?, op.name())?;
            let perm = match items.as_ref() {
                Col::F64(v) => kernels::sort_permutation(&o, v, *ascending),
                Col::I64(v) => kernels::sort_permutation(&o, v, *ascending),
                Col::Bool(v) => {
                    let k: Vec<i64> = v.iter().map(|b| b as i64).collect();
                    kernels::sort_permutation(&o, &k, *ascending)
                }
                other => {
                    return Err(EventError::Internal(format!(
                        "{} needs numbers, found {}",
                        op.name(),
                        other.kind()
                    )));
                }
            };
            let items = if matches!(op, Op::ArgSort { .. }) {
                Col::I64(kernels::local_positions(&perm, &kernels::parents(&o), &o).into())
            } else {
                items.take(&perm)
            };
            EvValue::Col(Col::List(o, Arc::new(items)))
        }
        Op::Hist { axes, storage } => {
            let a = args()?;
            let tuples = broadcast::broadcast(&a, &broadcast::tuple)?;
            let cols = broadcast::present_leaves(&tuples)?;
            let core_axes = axes.iter().map(crate::hist::core_axis).collect();
            let mut h = Histogram::new(core_axes, crate::hist::core_storage(*storage));
            let refs: Vec<&[f64]> = cols.iter().map(|c| &c[..]).collect();
            let (values, weights) = if refs.len() > axes.len() {
                (&refs[..axes.len()], Some(refs[axes.len()]))
            } else {
                (&refs[..], None)
            };
            h.fill(values, weights)?;
            EvValue::Partial(Partial::Hist(h))
        }
        Op::Fused(body) => eval_fused(body, inputs, tys)?,
        Op::Cached(_) => {
            return Err(EventError::Unsupported(
                "persisted values are not held by the engine yet".to_string(),
            ));
        }
        Op::Source(_) => return Err(EventError::internal("sources are read by the partition")),
        Op::Rows { .. } => {
            return Err(EventError::internal(
                "slices of cut events are taken of the computed result (Expr::without_rows)",
            ));
        }
        Op::Stack { .. } => {
            return Err(EventError::internal(
                "stacks are put together after the merge (engine/stack.rs)",
            ));
        }
        Op::RandomNormal { .. }
        | Op::Full { .. }
        | Op::Arange { .. }
        | Op::FromArrow { .. }
        | Op::Reshape { .. }
        | Op::Transpose => {
            return Err(EventError::Unsupported(format!(
                "{} mixed with event sources in one plan",
                op.name()
            )));
        }
    })
}

/// A fused body op by op, planned once per body and thread ([`super::planned`]); chains of sums
/// over combinations ([`super::sums`]) and ΔR tests over nested products ([`super::nearby`]) are
/// computed from the particles, trees of element-wise work block by block ([`super::chain`]),
/// and every gather moves only what is read ([`super::demand`]).
fn eval_fused(body: &Arc<FusedBody>, inputs: &[&EvValue], tys: &[&Ty]) -> R<EvValue> {
    let planned = super::planned::planned(body, tys)?;
    let (types, sums, bests) = (&planned.types, &planned.sums, &planned.bests);
    let (nearby, reads, chains) = (&planned.nearby, &planned.reads, &planned.chains);
    // The values chains read, by operation.
    let mut leaves: HashMap<usize, EvValue> = HashMap::new();
    let mut stashes: HashMap<usize, sums::Stash> = HashMap::new();
    let mut products: HashMap<usize, (Col, Col)> = HashMap::new();
    // The conditions of guarded picks, by operation.
    let conds: RefCell<HashMap<usize, Col>> = RefCell::new(HashMap::new());
    // The operands of first operations of pairs (`pairs.rs`), by operation.
    let mut firsts: HashMap<usize, pairs::Stashed> = HashMap::new();
    let mut op_by_op = |i: usize, op: &Op, ins: &[&EvValue], ts: &[&Ty], out: &Ty| {
        if planned.pairs.skips(i) {
            firsts.insert(i, pairs::Stashed::new(ins, ts));
            return Ok(EvValue::Const(Scalar::Bool(false)));
        }
        if let Some(&(j, pair)) = planned.pairs.seconds.get(&i) {
            let mut stashed_of = |j: usize| {
                firsts
                    .remove(&j)
                    .ok_or_else(|| EventError::internal("a pair's second before its first"))
            };
            let stashed = stashed_of(j)?;
            if let pairs::Pair::SelectedCutSum(k) = pair {
                let firsts = [
                    (&body.ops[k].0, stashed_of(k)?, &reads[k]),
                    (&body.ops[j].0, stashed, &reads[j]),
                ];
                let sum = (ins, ts, out, &reads[i]);
                return pairs::selected_cut_sum(firsts, op, sum, eval_op);
            }
            let first = (&body.ops[j].0, pair);
            let reads = [&reads[j], &reads[i]];
            return pairs::evaluate(first, op, stashed, (ins, ts, out), reads, eval_op);
        }
        if nearby.stashes(i) {
            // A nested product only its ΔR chain reads: the chain takes the two sides.
            products.insert(i, (col(ins[0])?.clone(), col(ins[1])?.clone()));
            return Ok(EvValue::Const(Scalar::Bool(false)));
        }
        if let (true, Op::Combinations { n, .. }) = (bests.enumerated.contains(&i), op) {
            let stash = super::gather::enumerated(col(ins[0])?, *n, sums.stashes(i))?;
            stashes.insert(i, stash);
            return Ok(EvValue::Const(Scalar::Bool(false)));
        }
        if sums.skipped[i] || nearby.skipped[i] || bests.skipped[i] {
            // Read by nothing: only its chain's top consumed it.
            return Ok(EvValue::Const(Scalar::Bool(false)));
        }
        if let Some(near) = nearby.chains.get(&i) {
            let (a, b) = products
                .get(&near.product)
                .ok_or_else(|| EventError::internal("a ΔR chain before its nested product"))?;
            return Ok(EvValue::Col(nearby::evaluate(near, a, b)?));
        }
        // A chain of sums topped at `sum`, and the stash of its combination.
        let chain_of = |sum: usize| {
            let chain = sums
                .chains
                .get(&sum)
                .ok_or_else(|| EventError::internal("no chain of sums tops this sum"))?;
            let stash = stashes
                .get(&chain.combination)
                .ok_or_else(|| EventError::internal("a chain of sums before its combination"))?;
            Ok::<_, EventError>((chain, stash))
        };
        if let Some(pick) = bests.picks.get(&i) {
            let (chain, stash) = chain_of(pick.sum)?;
            let conds = conds.borrow();
            let cond = pick.guard.and_then(|g| conds.get(&g.cond));
            return Ok(EvValue::Col(best::evaluate(pick, chain, stash, cond)?));
        }
        if let Some(&sum) = bests.takes.get(&i) {
            let (chain, stash) = chain_of(sum)?;
            return Ok(EvValue::Col(best::take(chain, stash, col(ins[1])?)?));
        }
        if let Some(&(c, slot)) = bests.members.get(&i) {
            let stash = stashes
                .get(&c)
                .ok_or_else(|| EventError::internal("a member take before its combination"))?;
            let index = col(ins[1])?;
            return Ok(EvValue::Col(best::take_member(
                stash, slot, index, &reads[i],
            )?));
        }
        if let Some(&(c, slot)) = sums.member_takes.get(&i)
            && let Some(stash) = stashes.get(&c)
            && let Some(taken) =
                sums::take_through_slot(stash, slot, col(ins[0])?, col(ins[1])?, &reads[i])?
        {
            return Ok(EvValue::Col(taken));
        }
        if sums.chains.contains_key(&i) {
            let (chain, stash) = chain_of(i)?;
            return Ok(EvValue::Col(sums::evaluate(chain, stash)?));
        }
        if let (true, Op::Combinations { n, names } | Op::ArgCombinations { n, names }) =
            (sums.stashes(i), op)
        {
            let indices = matches!(op, Op::ArgCombinations { .. });
            let (c, stash) = combinations(col(ins[0])?, (*n, names, indices), &reads[i], true)?;
            if let Some(stash) = stash {
                stashes.insert(i, stash);
            }
            return Ok(EvValue::Col(c));
        }
        if let (true, Op::Mask, [FusedRef::Op(base), _]) =
            (sums.stashes(i), op, body.ops[i].1.as_slice())
        {
            // A chain reads these tuples through the mask (`pairs[sfos]`): they keep the kept
            // tuples' slots.
            let value = eval_op(op, ins, ts, out, &reads[i])?;
            let base = stashes
                .get(base)
                .ok_or_else(|| EventError::internal("a cut of tuples before its combination"))?;
            let Col::List(mo, flags) = col(ins[1])? else {
                return Err(EventError::internal(
                    "tuples cut by a mask that is not jagged",
                ));
            };
            let Col::Bool(flags) = flags.as_ref() else {
                return Err(EventError::internal("a jagged mask must hold booleans"));
            };
            let cut = sums::cut_stash(base, mo, flags)?;
            stashes.insert(i, cut);
            return Ok(value);
        }
        eval_op(op, ins, ts, out, &reads[i])
    };
    rask_plan::typing::run_fused_typed(body, inputs, tys, types, |i, op, ins, ts, out| {
        if chains.inner[i] {
            // Computed inside its chain, block by block.
            return Ok(EvValue::Const(Scalar::Bool(false)));
        }
        let value = match chains.roots.get(&i) {
            Some(c) => {
                let values = c
                    .leaves
                    .iter()
                    .map(|r| match r {
                        FusedRef::Input(k) => Ok(inputs[*k]),
                        FusedRef::Op(j) => leaves
                            .get(j)
                            .ok_or_else(|| EventError::internal("a chain before its leaf")),
                    })
                    .collect::<R<Vec<_>>>()?;
                chain::evaluate(c, &values)?
            }
            None => op_by_op(i, op, ins, ts, out)?,
        };
        if chains.read[i] {
            leaves.insert(i, value.clone());
        }
        if bests.guards(i) {
            conds.borrow_mut().insert(i, col(&value)?.clone());
        }
        Ok(value)
    })
}

/// `ak.singletons` per event: a missing value as an empty list, a value as a list of one.
fn singletons(c: &Col) -> Col {
    match c {
        Col::Opt(valid, inner) => {
            let mut offsets = Vec::with_capacity(valid.len() + 1);
            offsets.push(0);
            let mut n = 0;
            for v in valid.iter() {
                n += i32::from(v);
                offsets.push(n);
            }
            let items = if valid.count_set_bits() == valid.len() {
                inner.as_ref().clone()
            } else {
                let present: Vec<u32> = valid.set_indices().map(|i| i as u32).collect();
                inner.take(&present)
            };
            Col::list(offsets, items)
        }
        other => Col::list((0..=other.len() as i32).collect(), other.clone()),
    }
}

fn field(c: &Col, name: &str) -> R<Col> {
    Ok(match c {
        Col::Record(..) => super::vector::field(c, name).ok_or_else(|| {
            EventError::Internal(format!("no field '{name}' (was the branch read?)"))
        })?,
        Col::List(o, items) => Col::List(o.clone(), Arc::new(field(items, name)?)),
        Col::Opt(v, inner) => Col::Opt(v.clone(), Arc::new(field(inner, name)?)),
        other => {
            return Err(EventError::Internal(format!(
                "cannot take field '{name}' of {}",
                other.kind()
            )));
        }
    })
}

fn zip(names: &[String], inputs: &[&EvValue]) -> R<Col> {
    let cols: Vec<&Col> = inputs.iter().map(|v| col(v)).collect::<R<_>>()?;
    let args: Vec<Arg<'_>> = cols.iter().map(|c| Arg::Col(c)).collect();
    // Zip is a broadcast whose leaf builds the record (records are leaves of broadcasting, and
    // options do not occur in zipped NanoAOD fields).
    broadcast::broadcast(&args, &|leaves| {
        let n = leaves.iter().find_map(|a| match a {
            Arg::Col(c) => Some(c.len()),
            Arg::Const(_) => None,
        });
        let fields = names
            .iter()
            .zip(leaves)
            .map(|(name, a)| match a {
                Arg::Col(c) => Ok((name.clone(), (*c).clone())),
                Arg::Const(_) => Err(EventError::internal("zip of a literal")),
            })
            .collect::<R<Vec<_>>>()?;
        Ok(Col::record(n.unwrap_or(0), fields))
    })
}

fn with_field(record: &Col, name: &str, value: &Col) -> R<Col> {
    Ok(match (record, value) {
        (rec @ Col::Record(..), v) => {
            let rec = super::vector::before_setting(rec, name);
            let Col::Record(n, fields) = &rec else {
                return Err(EventError::Internal(format!(
                    "with_field needs records, found {}",
                    rec.kind()
                )));
            };
            let mut out: Vec<(String, Col)> =
                fields.iter().filter(|(m, _)| m != name).cloned().collect();
            out.push((name.to_string(), v.clone()));
            Col::record(*n, out)
        }
        (Col::List(o, items), Col::List(vo, vi)) => {
            if !broadcast::same_offsets(o, vo) {
                return Err(EventError::Data(
                    "the new field has other list lengths than the records".to_string(),
                ));
            }
            Col::List(o.clone(), Arc::new(with_field(items, name, vi)?))
        }
        (Col::List(o, items), v) => {
            let repeated = v.take(&kernels::parents(o));
            Col::List(o.clone(), Arc::new(with_field(items, name, &repeated)?))
        }
        (other, _) => {
            return Err(EventError::Internal(format!(
                "with_field needs records, found {}",
                other.kind()
            )));
        }
    })
}

/// The record fields `keep` (in that order) of `c`, derived ones computed; other columns
/// unchanged.
fn project(c: &Col, keep: &[String]) -> R<Col> {
    match c {
        Col::Record(n, _) if !keep.is_empty() => {
            let fields = keep
                .iter()
                .map(|k| {
                    super::vector::field(c, k)
                        .map(|f| (k.clone(), f))
                        .ok_or_else(|| {
                            EventError::Internal(format!("the records lack field '{k}'"))
                        })
                })
                .collect::<R<Vec<_>>>()?;
            Ok(Col::record(*n, fields))
        }
        other => Ok(other.clone()),
    }
}

fn reduce(r: ReduceOp, axis: Option<u8>, v: &EvValue, out: &Ty) -> R<EvValue> {
    match axis {
        None => {
            let c = col(v)?;
            let flat = flat_present(c)?;
            let array = flat.to_arrow()?;
            let p = reduce_array(r, &array)?;
            Ok(EvValue::Partial(p))
        }
        Some(1) => Ok(EvValue::Col(reduce_lists(r, col(v)?, out)?)),
        Some(2) => match col(v)? {
            Col::List(o, inner) => {
                let inner_ty = match out {
                    Ty::Events {
                        layout: Layout::List { item, .. },
                        rows,
                    } => Ty::Events {
                        layout: (**item).clone(),
                        rows: *rows,
                    },
                    other => other.clone(),
                };
                Ok(EvValue::Col(Col::List(
                    o.clone(),
                    Arc::new(reduce_lists(r, inner, &inner_ty)?),
                )))
            }
            other => Err(EventError::Internal(format!(
                "axis-2 reductions need lists, found {}",
                other.kind()
            ))),
        },
        Some(a) => Err(EventError::Internal(format!(
            "reductions over axis {a} of events"
        ))),
    }
}

/// The present leaves of a column, flattened (for whole-collection reductions).
fn flat_present(c: &Col) -> R<Col> {
    Ok(match c {
        Col::List(_, items) => flat_present(items)?,
        Col::Opt(valid, inner) => {
            let idx: Vec<u32> = valid.set_indices().map(|i| i as u32).collect();
            flat_present(&inner.take(&idx))?
        }
        Col::Record(..) => return Err(EventError::internal("cannot reduce records")),
        leaf => leaf.clone(),
    })
}

fn reduce_lists(r: ReduceOp, c: &Col, out: &Ty) -> R<Col> {
    let (o, items) = list_parts(c, "per-event reductions")?;
    let d = out_dtype(out);
    Ok(match r {
        ReduceOp::Count => Col::I64(kernels::counts(&o).into()),
        ReduceOp::Sum => match items.as_ref() {
            Col::F64(v) => broadcast::fix_kind(Col::F64(kernels::sum_f64(&o, v).into()), d),
            Col::I64(v) => {
                let sums = kernels::checked_sum_i64(&o, v)
                    .map_err(|event| EventError::SumOverflow { event })?;
                broadcast::fix_kind(Col::I64(sums.into()), d)
            }
            Col::Bool(v) => Col::I64(
                kernels::count_set(&o, v)
                    .unwrap_or_else(|| kernels::count_where(&o, |k| v.value(k)))
                    .into(),
            ),
            other => {
                return Err(EventError::Internal(format!("sum of {}", other.kind())));
            }
        },
        ReduceOp::Mean => {
            let v = items.f64_buffer()?;
            let sums = kernels::sum_f64(&o, &v);
            let valid: BooleanBuffer = o.windows(2).map(|w| w[1] > w[0]).collect();
            let means: Vec<f64> = sums
                .iter()
                .zip(o.windows(2))
                .map(|(s, w)| s / (w[1] - w[0]).max(1) as f64)
                .collect();
            Col::Opt(valid, Arc::new(Col::F64(means.into())))
        }
        ReduceOp::Min | ReduceOp::Max => {
            let found = pick::arg_extreme(&o, &items, r == ReduceOp::Max)?;
            let (valid, values) = items.take_opt_parts(&found);
            let values = broadcast::fix_kind(values, d);
            Col::Opt(valid, Arc::new(values))
        }
        ReduceOp::Any | ReduceOp::All => {
            let all = r == ReduceOp::All;
            let flags: BooleanBuffer = match items.as_ref() {
                Col::Bool(v) => kernels::any_all_set(&o, v, all)
                    .unwrap_or_else(|| kernels::any_all(&o, all, |k| v.value(k)))
                    .into_iter()
                    .collect(),
                Col::F64(v) => kernels::any_all(&o, all, |k| v[k] != 0.0)
                    .into_iter()
                    .collect(),
                Col::I64(v) => kernels::any_all(&o, all, |k| v[k] != 0)
                    .into_iter()
                    .collect(),
                other => {
                    return Err(EventError::Internal(format!("any/all of {}", other.kind())));
                }
            };
            Col::Bool(flags)
        }
    })
}
