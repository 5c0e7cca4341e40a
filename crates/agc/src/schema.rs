//! The branches the task reads, and the per-file columns of its fileset, as a schema for
//! building the plan without files (tests, docs, benches).

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema};

/// AGC NanoAOD branches (as `gen_agc.py` writes them and the readers report them) followed by
/// the fileset's per-file columns `dataset`, `process` (category codes), `xsec` and `nevts`.
///
/// ```
/// let s = rask_agc::schema();
/// assert!(s.field_with_name("Jet_pt_res_smear").is_ok());
/// assert!(s.field_with_name("xsec").is_ok());
/// ```
pub fn schema() -> Schema {
    let jagged = |name: String, t: DataType, counter: &str| {
        Field::new(
            name,
            DataType::List(Arc::new(Field::new("item", t, false))),
            false,
        )
        .with_metadata(
            [(
                rask_core::COUNTER_METADATA_KEY.to_string(),
                counter.to_string(),
            )]
            .into(),
        )
    };
    let f32 = DataType::Float32;
    let collections: [(&str, Vec<(&str, DataType)>); 3] = [
        (
            "Jet",
            vec![
                ("pt", f32.clone()),
                ("eta", f32.clone()),
                ("phi", f32.clone()),
                ("mass", f32.clone()),
                ("btagCSVV2", f32.clone()),
                ("jetId", DataType::Int32),
                ("pt_res_smear", f32.clone()),
            ],
        ),
        (
            "Electron",
            vec![
                ("pt", f32.clone()),
                ("eta", f32.clone()),
                ("cutBased", DataType::Int32),
                ("sip3d", f32.clone()),
            ],
        ),
        (
            "Muon",
            vec![
                ("pt", f32.clone()),
                ("eta", f32.clone()),
                ("tightId", DataType::Boolean),
                ("sip3d", f32.clone()),
                ("pfRelIso04_all", f32),
            ],
        ),
    ];
    let mut fields = Vec::new();
    for (coll, branches) in collections {
        let counter = format!("n{coll}");
        fields.push(Field::new(&counter, DataType::Int32, false));
        for (b, t) in branches {
            fields.push(jagged(format!("{coll}_{b}"), t, &counter));
        }
    }
    for (name, t) in [
        ("dataset", DataType::Int32),
        ("process", DataType::Int32),
        ("xsec", DataType::Float64),
        ("nevts", DataType::Float64),
    ] {
        fields.push(Field::new(name, t, false));
    }
    Schema::new(fields)
}
