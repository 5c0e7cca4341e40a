//! Fixtures shared by the engine tests: paths, event sources, expected histograms, and a reader
//! of whole files for the reference interpreter.

use std::path::{Path, PathBuf};

use rask_plan::{Context, Expr};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shipped NanoAOD sample.
pub fn nano() -> PathBuf {
    repo().join("data/nano-20k.root")
}

/// The events of `path` (ROOT tree `Events`, or Parquet) as the plan source `events`.
pub fn source(ctx: &Context, path: &Path) -> Expr {
    let src = rask_io_root::EventSource::open(&[path], "Events").unwrap();
    ctx.source(
        "events",
        &[path.to_str().unwrap().to_string()],
        "Events",
        src.schema().clone(),
    )
    .unwrap()
}

/// A typed fused body of an optimised plan: the body, its operations' types and its inputs'.
pub struct TypedBody {
    pub body: std::sync::Arc<rask_plan::op::FusedBody>,
    pub types: Vec<rask_plan::Ty>,
    pub inputs: Vec<rask_plan::Ty>,
}

/// The fused bodies of the plan computing `exprs` in one pass, as the engine runs them, typed.
pub fn fused_bodies(exprs: &[&Expr]) -> Vec<TypedBody> {
    let plan = rask_plan::Plan {
        graph: exprs[0].context().graph(),
        outputs: exprs.iter().map(|e| e.node_id()).collect(),
    };
    let graph = rask_plan::optimize(&plan).unwrap().fused.graph;
    graph
        .nodes()
        .iter()
        .filter_map(|node| {
            let rask_plan::Op::Fused(body) = &node.op else {
                return None;
            };
            let inputs: Vec<_> = node
                .inputs
                .iter()
                .map(|i| graph.node(*i).ty.clone())
                .collect();
            let tys: Vec<_> = inputs.iter().collect();
            let types = rask_plan::typing::fused_types(body.as_ref(), &tys).unwrap();
            Some(TypedBody {
                body: body.clone(),
                types,
                inputs,
            })
        })
        .collect()
}

/// The read-only shared material: `$RASK_SHARED`, or `../shared` beside the repository.
pub fn shared() -> PathBuf {
    std::env::var_os("RASK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared"))
}

/// The bin contents (flow bins included) of `$RASK_SHARED/adl/expected/nano-20k/<name>.json`.
pub fn expected(name: &str) -> Vec<f64> {
    let path = shared().join(format!("adl/expected/nano-20k/{name}.json"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["storage"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

pub use rask_reference::FileReader;
