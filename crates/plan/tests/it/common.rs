//! Fixtures: a NanoAOD-like source, and a small in-memory batch of events.

use std::sync::Arc;

use arrow_array::types::{Float32Type, Int32Type};
use arrow_array::{ArrayRef, Float32Array, Int32Array, ListArray, RecordBatch};
use rask_plan::{Context, Expr};

/// A source with the NanoAOD schema (no data: for building and optimising).
pub fn nano(ctx: &Context) -> Expr {
    ctx.source(
        "events",
        &["nano.root".to_string()],
        "Events",
        Arc::new(rask_adl::nano_schema()),
    )
    .unwrap()
}

fn f32_lists(rows: &[Vec<f32>]) -> ArrayRef {
    canonical(ListArray::from_iter_primitive::<Float32Type, _, _>(
        rows.iter()
            .map(|r| Some(r.iter().map(|v| Some(*v)).collect::<Vec<_>>())),
    ))
}

fn i32_lists(rows: &[Vec<i32>]) -> ArrayRef {
    canonical(ListArray::from_iter_primitive::<Int32Type, _, _>(
        rows.iter()
            .map(|r| Some(r.iter().map(|v| Some(*v)).collect::<Vec<_>>())),
    ))
}

fn canonical(a: ListArray) -> ArrayRef {
    rask_core::canonical_array("x", &(Arc::new(a) as ArrayRef)).unwrap()
}

/// Four events with muons and jets, in the layout the readers produce.
pub fn small_batch() -> RecordBatch {
    let schema = Arc::new(arrow_schema::Schema::new(vec![
        arrow_schema::Field::new("nMuon", arrow_schema::DataType::Int32, false),
        counter_field("Muon_pt", arrow_schema::DataType::Float32, "nMuon"),
        counter_field("Muon_eta", arrow_schema::DataType::Float32, "nMuon"),
        counter_field("Muon_charge", arrow_schema::DataType::Int32, "nMuon"),
        arrow_schema::Field::new("nJet", arrow_schema::DataType::Int32, false),
        counter_field("Jet_pt", arrow_schema::DataType::Float32, "nJet"),
        arrow_schema::Field::new("MET_pt", arrow_schema::DataType::Float32, false),
        arrow_schema::Field::new("MET_phi", arrow_schema::DataType::Float32, false),
    ]));
    let muon_pt = vec![vec![30.0, 10.0], vec![], vec![5.0, 50.0, 20.0], vec![40.0]];
    let muon_eta = vec![vec![0.5, -1.5], vec![], vec![2.0, 0.1, -0.3], vec![1.1]];
    let muon_charge = vec![vec![1, -1], vec![], vec![1, 1, -1], vec![-1]];
    let jet_pt = vec![
        vec![100.0, 45.0, 20.0],
        vec![35.0],
        vec![],
        vec![60.0, 41.0],
    ];
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int32Array::from(vec![2, 0, 3, 1])),
            f32_lists(&muon_pt),
            f32_lists(&muon_eta),
            i32_lists(&muon_charge),
            Arc::new(Int32Array::from(vec![3, 1, 0, 2])),
            f32_lists(&jet_pt),
            Arc::new(Float32Array::from(vec![25.0, 5.0, 80.0, 150.0])),
            Arc::new(Float32Array::from(vec![0.1, -3.0, 2.0, 3.1])),
        ],
    )
    .unwrap()
}

fn counter_field(name: &str, t: arrow_schema::DataType, counter: &str) -> arrow_schema::Field {
    arrow_schema::Field::new(
        name,
        arrow_schema::DataType::List(Arc::new(arrow_schema::Field::new("item", t, false))),
        false,
    )
    .with_metadata(
        [(
            rask_core::COUNTER_METADATA_KEY.to_string(),
            counter.to_string(),
        )]
        .into(),
    )
}

/// The events of [`small_batch`] as a source.
pub fn small(ctx: &Context) -> Expr {
    ctx.source(
        "small",
        &["small.parquet".to_string()],
        "",
        small_batch().schema(),
    )
    .unwrap()
}
