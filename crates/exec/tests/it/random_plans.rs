//! Random event plans over random NanoAOD-like files (empty lists, NaN, ±inf), and the check
//! that a computation of one equals the reference interpreter's. Shared by the engine's tests
//! (`events.rs`) and the cluster's (`crates/cluster/tests/it`, which include this file).
#![allow(dead_code)]

use rask_reference::{Data, MemoryReader, Reference, Value};
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, Float32Array, Int32Array, ListArray, RecordBatch};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Schema};
use proptest::prelude::*;
use rask_exec::Output;
use rask_plan::op::{BinaryOp, UnaryOp};
use rask_plan::{Context, Expr, Layout, Ty};

use crate::common::source;

/// One event's muons and electrons (pt, eta, phi, mass, charge) and MET.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    muons: Vec<[f32; 5]>,
    electrons: Vec<[f32; 5]>,
    met: f32,
}

pub(crate) fn number() -> impl Strategy<Value = f32> {
    prop_oneof![
        8 => -4.0f32..60.0,
        1 => Just(f32::NAN),
        1 => Just(f32::INFINITY),
        1 => Just(0.0f32),
        1 => Just(5.0f32),
    ]
}

pub(crate) fn particle() -> impl Strategy<Value = [f32; 5]> {
    (
        number(),
        -3.0f32..3.0,
        -3.2f32..3.2,
        0.0f32..1.0,
        prop::bool::ANY,
    )
        .prop_map(|(pt, eta, phi, mass, q)| [pt, eta, phi, mass, if q { 1.0 } else { -1.0 }])
}

pub(crate) fn events() -> impl Strategy<Value = Vec<Event>> {
    prop::collection::vec(
        (
            prop::collection::vec(particle(), 0..4),
            prop::collection::vec(particle(), 0..3),
            number(),
        )
            .prop_map(|(muons, electrons, met)| Event {
                muons,
                electrons,
                met,
            }),
        0..24,
    )
}

pub(crate) fn batch(evs: &[Event]) -> RecordBatch {
    let mut fields = Vec::new();
    let mut cols: Vec<ArrayRef> = Vec::new();
    for (coll, get) in [
        (
            "Muon",
            (|e: &Event| e.muons.clone()) as fn(&Event) -> Vec<[f32; 5]>,
        ),
        ("Electron", |e: &Event| e.electrons.clone()),
    ] {
        let lists: Vec<Vec<[f32; 5]>> = evs.iter().map(get).collect();
        fields.push(Field::new(format!("n{coll}"), DataType::Int32, false));
        cols.push(Arc::new(Int32Array::from(
            lists.iter().map(|l| l.len() as i32).collect::<Vec<_>>(),
        )));
        let offsets = OffsetBuffer::from_lengths(lists.iter().map(Vec::len));
        for (k, name) in ["pt", "eta", "phi", "mass", "charge"].iter().enumerate() {
            let (t, values): (DataType, ArrayRef) = if *name == "charge" {
                (
                    DataType::Int32,
                    Arc::new(Int32Array::from(
                        lists
                            .iter()
                            .flatten()
                            .map(|p| p[k] as i32)
                            .collect::<Vec<_>>(),
                    )),
                )
            } else {
                (
                    DataType::Float32,
                    Arc::new(Float32Array::from(
                        lists.iter().flatten().map(|p| p[k]).collect::<Vec<_>>(),
                    )),
                )
            };
            let item = Arc::new(Field::new("item", t, false));
            fields.push(Field::new(
                format!("{coll}_{name}"),
                DataType::List(item.clone()),
                false,
            ));
            cols.push(Arc::new(
                ListArray::try_new(item, offsets.clone(), values, None).unwrap(),
            ));
        }
    }
    for name in ["MET_pt", "MET_phi"] {
        fields.push(Field::new(name, DataType::Float32, false));
        cols.push(Arc::new(Float32Array::from(
            evs.iter().map(|e| e.met).collect::<Vec<_>>(),
        )));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
}

pub(crate) fn write_parquet(b: &RecordBatch, path: &Path, group: usize) {
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(group.max(1)))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        b.schema(),
        Some(props),
    )
    .unwrap();
    w.write(b).unwrap();
    w.close().unwrap();
}

/// A per-muon number built from the muon fields.
#[derive(Debug, Clone)]
pub(crate) enum J {
    Field(&'static str),
    Bin(BinaryOp, Box<J>, Box<J>),
    BinConst(BinaryOp, Box<J>, f64),
    Unary(UnaryOp, Box<J>),
    PerEvent(Box<J>),
}

pub(crate) fn jagged() -> impl Strategy<Value = J> {
    let leaf = prop::sample::select(vec!["pt", "eta", "phi", "mass", "charge"]).prop_map(J::Field);
    leaf.prop_recursive(3, 12, 2, |inner| {
        let arith = prop::sample::select(vec![
            BinaryOp::Add,
            BinaryOp::Sub,
            BinaryOp::Mul,
            BinaryOp::Div,
            BinaryOp::Mod,
            BinaryOp::Maximum,
            BinaryOp::Hypot,
        ]);
        prop_oneof![
            (arith.clone(), inner.clone(), inner.clone()).prop_map(|(op, a, b)| J::Bin(
                op,
                Box::new(a),
                Box::new(b)
            )),
            (arith, inner.clone(), -2.0f64..2.0).prop_map(|(op, a, c)| J::BinConst(
                op,
                Box::new(a),
                c
            )),
            (
                prop::sample::select(vec![
                    UnaryOp::Abs,
                    UnaryOp::Neg,
                    UnaryOp::Sqrt,
                    UnaryOp::Cos
                ]),
                inner.clone()
            )
                .prop_map(|(op, a)| J::Unary(op, Box::new(a))),
            inner.prop_map(|a| J::PerEvent(Box::new(a))),
        ]
    })
}

pub(crate) fn build_j(j: &J, mu: &Expr, met: &Expr) -> Expr {
    match j {
        J::Field(f) => mu.field(f).unwrap(),
        J::Bin(op, a, b) => binary(*op, &build_j(a, mu, met), &build_j(b, mu, met)),
        J::BinConst(op, a, c) => {
            let ctx = mu.context();
            binary(*op, &build_j(a, mu, met), &ctx.literal(*c).unwrap())
        }
        J::Unary(op, a) => {
            let x = build_j(a, mu, met);
            match op {
                UnaryOp::Abs => x.abs(),
                UnaryOp::Neg => x.neg(),
                UnaryOp::Sqrt => x.sqrt(),
                _ => x.cos(),
            }
            .unwrap()
        }
        // A per-event number broadcast over the muons.
        J::PerEvent(a) => {
            let x = build_j(a, mu, met);
            let met_pt = met.field("pt").unwrap();
            (&x + &met_pt).unwrap()
        }
    }
}

pub(crate) fn binary(op: BinaryOp, a: &Expr, b: &Expr) -> Expr {
    match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
        BinaryOp::Mod => a % b,
        BinaryOp::Maximum => a.maximum(b),
        _ => a.hypot(b),
    }
    .unwrap()
}

/// The shapes, named once: the enum and the list the strategy draws from.
macro_rules! shapes {
    ($($s:ident),* $(,)?) => {
        /// What is computed from the jagged number `j`.
        #[derive(Debug, Clone, Copy)]
        pub(crate) enum Shape {
            $($s,)*
        }

        pub(crate) fn shape() -> impl Strategy<Value = Shape> {
            prop::sample::select(vec![$(Shape::$s,)*])
        }
    };
}

shapes!(
    Jagged,
    Masked,
    EventMask,
    Sum,
    Max,
    Mean,
    ArgMaxTake,
    Sorted,
    ArgSort,
    AnyPositive,
    PairMass,
    Concat,
    NestedAny,
    NestedAllSwapped,
    NestedAnyShared,
    Flatten,
    Hist,
    TransverseMass,
    CutAfterWork,
    TakeAfterWork,
    GatherFewFields,
    Singletons,
    TakenMemberSums,
    BestPairByPt,
    CutPairsBestMass,
    GuardedBestMass,
    BestTrijet,
    LocalIndexSlices,
    Selection,
    SelectedInRegion,
);

/// Records of `pt` and the muons' `eta, phi, mass` and `extra` fields (4-vectors for the
/// Lorentz operations).
fn vectors(ctx: &Context, pt: &Expr, mu: &Expr, extra: &[&str]) -> Expr {
    let names = ["eta", "phi", "mass"]
        .into_iter()
        .chain(extra.iter().copied());
    let mut fields = vec![("pt".to_string(), pt.clone())];
    fields.extend(names.map(|n| (n.to_string(), mu.field(n).unwrap())));
    let refs: Vec<(&str, &Expr)> = fields.iter().map(|(n, e)| (n.as_str(), e)).collect();
    ctx.zip(&refs).unwrap()
}

/// Slot `slot` of the index tuples `t` picked by `k` (per-event local indices), as floats.
fn picked_slot(t: &Expr, k: &Expr, slot: &str) -> Expr {
    let picked = t.take(k).unwrap().field(slot).unwrap();
    picked.cast(rask_plan::types::DType::F64).unwrap()
}

pub(crate) fn build(ctx: &Context, events: &Expr, j: &J, s: Shape) -> Expr {
    let mu = events.field("Muon").unwrap();
    let el = events.field("Electron").unwrap();
    let met = events.field("MET").unwrap();
    let x = build_j(j, &mu, &met);
    match s {
        Shape::Jagged => x,
        Shape::Masked => x.mask(&x.gt(0.5).unwrap()).unwrap(),
        Shape::EventMask => {
            let keep = x.sum(Some(1)).unwrap().gt(1.0).unwrap();
            mu.field("pt").unwrap().mask(&keep).unwrap()
        }
        Shape::Sum => x.sum(Some(1)).unwrap(),
        Shape::Max => x.max(Some(1)).unwrap(),
        Shape::Mean => x.mean(Some(1)).unwrap(),
        Shape::ArgMaxTake => {
            let k = x.argmax(true).unwrap();
            mu.field("eta")
                .unwrap()
                .take(&k)
                .unwrap()
                .firsts()
                .unwrap()
                .fill_none(-7.0)
                .unwrap()
        }
        // Element-wise work whose one consumer picks an element per event (take pushdown).
        Shape::TakeAfterWork => {
            let k = x.argmin(true).unwrap();
            let work = (&(&x * 2.0).unwrap() - &mu.field("pt").unwrap()).unwrap();
            let picked = work.abs().unwrap().take(&k).unwrap();
            let p4 = vectors(ctx, &mu.field("pt").unwrap(), &mu, &[]);
            let eta = p4.p4_mass().unwrap().take(&k).unwrap();
            (&picked + &eta).unwrap().sum(Some(1)).unwrap()
        }
        // Gathers whose results are read for a few fields only: the engine moves only those
        // (the demand analysis), including a sum's `pt` derived from its components.
        Shape::GatherFewFields => {
            let f64 = rask_plan::types::DType::F64;
            let v = vectors(ctx, &x, &mu, &["charge"]);
            // A cut between the records and their combination: what the cut keeps is what the
            // combination's consumers read, the components its sums need included.
            let kept = v.mask(&v.field("eta").unwrap().gt(-1.0).unwrap()).unwrap();
            let t = kept.combinations(3).unwrap();
            let member = |k: &str| t.field(k).unwrap();
            let sum = member("0")
                .p4_add(&member("1"))
                .unwrap()
                .p4_add(&member("2"))
                .unwrap();
            let k = (&sum.p4_mass().unwrap() - 50.0)
                .unwrap()
                .abs()
                .unwrap()
                .argmin(true)
                .unwrap();
            let best = t.take(&k).unwrap();
            let charge = best
                .field("0")
                .unwrap()
                .field("charge")
                .unwrap()
                .cast(f64)
                .unwrap();
            let pt1 = best.field("1").unwrap().field("pt").unwrap();
            let sum_pt = sum.take(&k).unwrap().p4_pt().unwrap();
            let lead = v.field("pt").unwrap().argmax(true).unwrap();
            let lead_eta = v.take(&lead).unwrap().field("eta").unwrap();
            let per_triplet = (&(&charge + &pt1).unwrap() + &sum_pt)
                .unwrap()
                .sum(Some(1))
                .unwrap();
            (&per_triplet + &lead_eta.sum(Some(1)).unwrap()).unwrap()
        }
        // Singletons of an optional record and of plain numbers, under an event cut that mask
        // pushdown moves below them.
        Shape::Singletons => {
            let lead = mu.mask(&x.gt(0.0).unwrap()).unwrap().firsts().unwrap();
            let eta = lead.singletons().unwrap().field("eta").unwrap();
            let whole = x.sum(Some(1)).unwrap().singletons().unwrap();
            let both = (&eta.sum(Some(1)).unwrap() + &whole.sum(Some(1)).unwrap()).unwrap();
            both.mask(&met.field("pt").unwrap().gt(20.0).unwrap())
                .unwrap()
        }
        // Sums over members taken by argcombinations' indices (`leps[t.l1] + leps[t.l2]`), out
        // of slot order, one member also read for a field, and a take from another list by
        // the same indices.
        Shape::TakenMemberSums => {
            let f64 = rask_plan::types::DType::F64;
            let v = vectors(ctx, &x, &mu, &["charge"]);
            let t = v.argcombinations(3).unwrap();
            let m = |k: &str| v.take(&t.field(k).unwrap()).unwrap();
            let sum = m("2").p4_add(&m("0")).unwrap().p4_add(&m("1")).unwrap();
            let charge = m("2").field("charge").unwrap().cast(f64).unwrap();
            let flipped = vectors(ctx, &(&x * 2.0).unwrap(), &mu, &[]);
            let other = flipped.take(&t.field("1").unwrap()).unwrap();
            let pair = other.p4_add(&m("0")).unwrap().p4_mass().unwrap();
            let per_triplet = (&(&sum.p4_mass().unwrap() + &charge).unwrap() + &pair).unwrap();
            per_triplet.sum(Some(1)).unwrap()
        }
        // Masks on local indices, which the `list_slice` rule makes slices: one item
        // (`firsts`, as the AGC's b-tag weights), a window of records (`x[:, 1:3]`), a float
        // bound; and a `!=` that stays a mask.
        // A selection of comparisons and logic over several fields, an f32 chain with a
        // literal, a per-event value in the tree (`events/chain/` runs such trees block by
        // block): integer comparisons, `%` of integers, booleans negated and combined.
        // Selections only an event cut reads (the AGC's jets in its 4j2b region): the engine
        // gathers the selected elements of the kept events only (`events/pairs.rs`).
        Shape::SelectedInRegion => {
            let v = vectors(ctx, &x, &mu, &[]);
            let sel = x.gt(0.5).unwrap();
            let region = sel.sum(Some(1)).unwrap().ge(2).unwrap();
            let jets = v.mask(&sel).unwrap().mask(&region).unwrap();
            let ht = x.mask(&sel).unwrap().mask(&region).unwrap().sum(Some(1));
            let pt = jets.p4_pt().unwrap().max(Some(1)).unwrap().fill_none(-1.0);
            (&ht.unwrap() + &pt.unwrap()).unwrap()
        }
        Shape::Selection => {
            let f64 = rask_plan::types::DType::F64;
            let (charge, eta) = (mu.field("charge").unwrap(), mu.field("eta").unwrap());
            let central = eta.abs().unwrap().lt(2.4).unwrap();
            let above_met = x.gt(&met.field("pt").unwrap()).unwrap();
            let positive = charge.eq(1).unwrap();
            let odd = charge.rem(2).unwrap().ne(0.0).unwrap();
            let not_small = (!&x.le(0.5).unwrap()).unwrap();
            let either = (&above_met | &(&positive & &not_small).unwrap()).unwrap();
            let sel = (&(&central & &either).unwrap() & &odd).unwrap();
            let scaled = (&(&eta * 1.1).unwrap() + &eta.sqrt().unwrap()).unwrap();
            let kept = mu
                .field("pt")
                .unwrap()
                .mask(&sel)
                .unwrap()
                .sum(Some(1))
                .unwrap();
            let count = sel.sum(Some(1)).unwrap().cast(f64).unwrap();
            let scaled_sum = scaled.mask(&sel).unwrap().sum(Some(1)).unwrap();
            // `where` with each kind of operand: floats, literals, integers.
            let picked = [
                ctx.where_(&sel, &x, &eta).unwrap(),
                ctx.where_(&central, &x, -1.0).unwrap(),
                ctx.where_(&positive, 2.0, &eta).unwrap(),
                ctx.where_(&positive, &charge, 7i64)
                    .unwrap()
                    .cast(f64)
                    .unwrap(),
            ]
            .iter()
            .map(|w| w.sum(Some(1)).unwrap())
            .reduce(|a, b| (&a + &b).unwrap())
            .unwrap();
            // A tree over a missing-per-event leaf (the leading value) and a per-event one.
            let lead = x.firsts().unwrap();
            let lead_sum = (&(&lead * 2.0).unwrap() + &met.field("pt").unwrap()).unwrap();
            let lead_sel = lead_sum.gt(10.0).unwrap().fill_none(false).unwrap();
            let lead_term = ctx.where_(&lead_sel, 1.5, -0.5).unwrap();
            let all = (&(&kept + &count).unwrap() + &scaled_sum).unwrap();
            (&(&all + &picked).unwrap() + &lead_term).unwrap()
        }
        Shape::LocalIndexSlices => {
            let i = x.local_index().unwrap();
            let second = x
                .mask(&i.eq(1).unwrap())
                .unwrap()
                .firsts()
                .unwrap()
                .fill_none(-3.0)
                .unwrap();
            let first_two = x.mask(&i.lt(2).unwrap()).unwrap().sum(Some(1)).unwrap();
            let window = (&i.ge(1).unwrap() & &i.lt(2).unwrap()).unwrap();
            let v = vectors(ctx, &x, &mu, &[]);
            let mid = v
                .mask(&window)
                .unwrap()
                .field("eta")
                .unwrap()
                .sum(Some(1))
                .unwrap();
            let tail = x.mask(&i.gt(0.5).unwrap()).unwrap().num().unwrap();
            let not_first = x.mask(&i.ne(0).unwrap()).unwrap().sum(Some(1)).unwrap();
            let a = (&(&second + &mid).unwrap() + &first_two).unwrap();
            let b = (&tail.cast(rask_plan::types::DType::F64).unwrap() + &not_first).unwrap();
            (&a + &b).unwrap()
        }
        // The best pair by a measure of its sum (`events/best.rs`): the literal on the left,
        // unary steps, `argmax` without keepdims, the sum also taken by that optional index.
        Shape::BestPairByPt => {
            let v = vectors(ctx, &x, &mu, &[]);
            let t = v.combinations(2).unwrap();
            let member = |k: &str| t.field(k).unwrap();
            let sum = member("0").p4_add(&member("1")).unwrap();
            let score = (&ctx.literal(40.0).unwrap() - &sum.p4_pt().unwrap())
                .unwrap()
                .abs()
                .unwrap()
                .sqrt()
                .unwrap();
            let k = score.argmax(false).unwrap();
            // The member taken, then its field: the pairs are enumerated, never made.
            let eta = member("1")
                .take(&k)
                .unwrap()
                .field("eta")
                .unwrap()
                .fill_none(-9.0)
                .unwrap();
            // The best pair's own sum, taken by the optional index.
            let pt = sum
                .take(&k)
                .unwrap()
                .p4_pt()
                .unwrap()
                .fill_none(-5.0)
                .unwrap();
            (&eta + &pt).unwrap()
        }
        // Pairs cut by a mask on their members, then summed from takes by the cut pairs'
        // indices (`pairs = pairs[sfos]; leps[pairs.l1] + leps[pairs.l2]`, the seed's Q8), the
        // best by the sum's `mass` field.
        Shape::CutPairsBestMass => {
            let v = vectors(ctx, &x, &mu, &["charge"]);
            let t = v.argcombinations(2).unwrap();
            let m = |t: &Expr, k: &str| v.take(&t.field(k).unwrap()).unwrap();
            let charge = |t: &Expr, k: &str| m(t, k).field("charge").unwrap();
            let opposite = charge(&t, "0").ne(&charge(&t, "1")).unwrap();
            let kept = t.mask(&opposite).unwrap();
            let sum = m(&kept, "0").p4_add(&m(&kept, "1")).unwrap();
            let k = (&sum.field("mass").unwrap() - 1.0)
                .unwrap()
                .abs()
                .unwrap()
                .argmin(true)
                .unwrap();
            picked_slot(&kept, &k, "1").sum(Some(1)).unwrap()
        }
        // The best pair by a measure guarded by a condition on its members
        // (`argmin(where(sfos, abs(mass - 91.2), inf))`, ADL Q8), the literal on either side.
        Shape::GuardedBestMass => {
            let v = vectors(ctx, &x, &mu, &["charge"]);
            let t = v.argcombinations(2).unwrap();
            let m = |k: &str| v.take(&t.field(k).unwrap()).unwrap();
            let charge = |k: &str| m(k).field("charge").unwrap();
            let opposite = charge("0").ne(&charge("1")).unwrap();
            let sum = m("0").p4_add(&m("1")).unwrap();
            let dist = (&sum.p4_mass().unwrap() - 1.0).unwrap().abs().unwrap();
            let near = ctx.where_(&opposite, &dist, f64::INFINITY).unwrap();
            let near = near.argmin(true).unwrap();
            let same = opposite.not().unwrap();
            let pt = sum.p4_pt().unwrap();
            let heavy = ctx.where_(&same, f64::NEG_INFINITY, &pt).unwrap();
            let heavy = heavy.argmax(false).unwrap().fill_none(-1).unwrap();
            let first = picked_slot(&t, &near, "0").sum(Some(1)).unwrap();
            (&first + &heavy.cast(rask_plan::types::DType::F64).unwrap()).unwrap()
        }
        // The best trijet by its mass (ADL Q6): the combination is enumerated, never made
        // (`events/best.rs`); its sum and one member are taken for the picked tuples alone.
        Shape::BestTrijet => {
            let v = vectors(ctx, &x, &mu, &[]);
            let t = v.combinations(3).unwrap();
            let member = |k: &str| t.field(k).unwrap();
            let pair = member("0").p4_add(&member("1")).unwrap();
            let sum = pair.p4_add(&member("2")).unwrap();
            let k = (&sum.p4_mass().unwrap() - 30.0)
                .unwrap()
                .abs()
                .unwrap()
                .argmin(true)
                .unwrap();
            let eta = member("2").take(&k).unwrap().field("eta").unwrap();
            let pt = sum.take(&k).unwrap().p4_pt().unwrap();
            (&eta.sum(Some(1)).unwrap() + &pt.sum(Some(1)).unwrap()).unwrap()
        }
        Shape::Sorted => x.sort(false).unwrap(),
        Shape::ArgSort => x.argsort(true).unwrap(),
        Shape::AnyPositive => x.gt(0.0).unwrap().any(Some(1)).unwrap(),
        Shape::PairMass => {
            let v = vectors(ctx, &x, &mu, &[]);
            let p = v.combinations(2).unwrap();
            p.field("0")
                .unwrap()
                .p4_add(&p.field("1").unwrap())
                .unwrap()
                .p4_mass()
                .unwrap()
        }
        Shape::Concat => {
            let a = mu.mask(&x.gt(0.0).unwrap()).unwrap();
            let both = a.concatenate(&el).unwrap();
            both.field("pt").unwrap()
        }
        Shape::NestedAny => {
            let pairs = mu.cartesian_nested(&el).unwrap();
            pairs
                .field("0")
                .unwrap()
                .delta_r(&pairs.field("1").unwrap())
                .unwrap()
                .lt(1.0)
                .unwrap()
                .any(Some(2))
                .unwrap()
        }
        // `all`, ΔR with the product's sides the other way round, the literal on the left
        // (`0.6 <= dr`): the chain kernel (events/nearby.rs) against the interpreter's pairs.
        Shape::NestedAllSwapped => {
            let near = vectors(ctx, &x, &mu, &[]);
            let pairs = near.cartesian_nested(&el).unwrap();
            let dr = pairs
                .field("1")
                .unwrap()
                .delta_r(&pairs.field("0").unwrap())
                .unwrap();
            ctx.literal(0.6)
                .unwrap()
                .le(&dr)
                .unwrap()
                .all(Some(2))
                .unwrap()
        }
        // ΔR also read by a sum: the chain is not taken, the pairs are built.
        Shape::NestedAnyShared => {
            let pairs = mu.cartesian_nested(&el).unwrap();
            let dr = pairs
                .field("0")
                .unwrap()
                .delta_r(&pairs.field("1").unwrap())
                .unwrap();
            let near = dr.le(1.5).unwrap().any(Some(2)).unwrap();
            let f64 = rask_plan::types::DType::F64;
            (&dr.sum(Some(2)).unwrap() + &near.cast(f64).unwrap()).unwrap()
        }
        Shape::Flatten => x.flatten().unwrap(),
        Shape::CutAfterWork => {
            // A cut on the lepton count after zips, a concatenation and arithmetic: `num`
            // simplification and mask pushdown move it below them (into the random `x` too).
            let f64 = rask_plan::types::DType::F64;
            let a = ctx
                .zip(&[
                    ("pt", &x.cast(f64).unwrap()),
                    ("phi", &mu.field("phi").unwrap()),
                ])
                .unwrap();
            let b = ctx
                .zip(&[
                    ("pt", &el.field("pt").unwrap().cast(f64).unwrap()),
                    ("phi", &el.field("phi").unwrap()),
                ])
                .unwrap();
            let both = a.concatenate(&b).unwrap();
            let keep = both.num().unwrap().ge(2).unwrap();
            let work = (&(&x * 2.0).unwrap() + 1.0).unwrap().mask(&keep).unwrap();
            let kept = both.mask(&keep).unwrap().field("pt").unwrap();
            (&work.sum(Some(1)).unwrap() + &kept.sum(Some(1)).unwrap()).unwrap()
        }
        Shape::TransverseMass => {
            let v = ctx
                .zip(&[("pt", &x), ("phi", &mu.field("phi").unwrap())])
                .unwrap();
            v.mt(&met).unwrap()
        }
        Shape::Hist => ctx
            .hist(
                vec![rask_plan::Axis::Regular {
                    bins: 7,
                    lo: -3.0,
                    hi: 40.0,
                    label: "x".into(),
                }],
                rask_plan::Storage::Int,
                &[&x],
                None,
            )
            .unwrap(),
    }
}

/// One event's value of an Arrow array, in the reference interpreter's conventions (an optional
/// value is a list of 0 or 1).
pub(crate) fn value(a: &dyn Array, i: usize, layout: &Layout) -> Value {
    match layout {
        Layout::Option(inner) => {
            if a.is_null(i) {
                Value::List(vec![])
            } else {
                Value::List(vec![value(a, i, inner)])
            }
        }
        Layout::List { item, .. } => {
            let l = a.as_list::<i32>();
            let inner = l.value(i);
            Value::List(
                (0..inner.len())
                    .map(|k| value(inner.as_ref(), k, item))
                    .collect(),
            )
        }
        Layout::Record(fields) => {
            let s = a.as_struct();
            Value::Record(
                fields
                    .iter()
                    .map(|(n, l)| {
                        (
                            n.clone(),
                            value(s.column_by_name(n).unwrap().as_ref(), i, l),
                        )
                    })
                    .collect(),
            )
        }
        Layout::Prim(_) => match a.data_type() {
            DataType::Float64 => Value::F64(a.as_primitive::<Float64Type>().value(i)),
            DataType::Float32 => {
                Value::F64(a.as_primitive::<arrow_array::types::Float32Type>().value(i) as f64)
            }
            DataType::Int32 => {
                Value::I64(a.as_primitive::<arrow_array::types::Int32Type>().value(i) as i64)
            }
            DataType::Int64 => Value::I64(a.as_primitive::<Int64Type>().value(i)),
            DataType::Boolean => Value::Bool(a.as_boolean().value(i)),
            other => panic!("unexpected {other}"),
        },
    }
}

/// Equal, with NaN equal to NaN.
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::F64(x), Value::F64(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Record(x), Value::Record(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((n, p), (m, q))| n == m && same(p, q))
        }
        _ => a == b,
    }
}

pub(crate) fn check(
    path: &Path,
    evs: &[Event],
    j: &J,
    s: Shape,
    compute: &dyn Fn(&Expr) -> Output,
) -> Result<(), TestCaseError> {
    let ctx = Context::new();
    let events = source(&ctx, path);
    let expr = build(&ctx, &events, j, s);
    // The reference runs the plan as built: the engine's answer also checks every rewrite rule.
    let want = expr.compute_unoptimized(&MemoryReader(batch(evs))).unwrap();
    let got = compute(&expr);
    match (&got, &want) {
        (Output::Hist(h), Data::Hist(r)) => prop_assert_eq!(h.values(), r.values.clone()),
        (Output::Events(a), Data::Events(v)) => {
            let Ty::Events { layout, .. } = expr.ty() else {
                unreachable!()
            };
            prop_assert_eq!(a.len(), v.len());
            for (i, w) in v.iter().enumerate() {
                let g = value(a.as_ref(), i, &layout);
                prop_assert!(same(&g, w), "event {}: engine {} reference {}", i, g, w);
            }
        }
        (Output::Array { data, .. }, Data::Array { values, .. }) => {
            prop_assert_eq!(data.len(), values.len());
            let layout = Layout::Prim(rask_plan::DType::F64);
            for (i, w) in values.iter().enumerate() {
                let g = value(data.as_ref(), i, &layout);
                prop_assert!(same(&g, w), "element {}: {} vs {}", i, g, w);
            }
        }
        (g, w) => prop_assert!(false, "engine {:?} vs reference {:?}", g, w),
    }
    Ok(())
}
