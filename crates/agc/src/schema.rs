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

/// A source without files for building the task's plan (tests, docs, benches): the branches
/// of [`schema`] and, as a fileset gives them, the coded per-file columns `dataset` (the
/// names, sorted) and `process` (the part of each name before `__`), one file per dataset.
///
/// ```
/// let ctx = rask_plan::Context::new();
/// let events = rask_agc::source(&ctx, &["data__nominal", "ttbar__nominal"])?;
/// assert_eq!(events.field("process")?.categories(), Some(vec!["data".into(), "ttbar".into()]));
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
pub fn source(
    ctx: &rask_plan::Context,
    datasets: &[&str],
) -> Result<rask_plan::Expr, Box<dyn std::error::Error + Send + Sync>> {
    use rask_core::file_columns::{FileColumns, FileValue};
    let mut names: Vec<String> = datasets.iter().map(|d| d.to_string()).collect();
    names.sort();
    let process_of = |d: &str| d.split("__").next().unwrap_or(d).to_string();
    let mut processes: Vec<String> = names.iter().map(|d| process_of(d)).collect();
    processes.sort();
    processes.dedup();
    let rows: Vec<Vec<FileValue>> = names
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let p = processes
                .iter()
                .position(|p| *p == process_of(d))
                .unwrap_or(0);
            vec![
                FileValue::Code(k as i32),
                FileValue::Code(p as i32),
                FileValue::F64(1.0),
                FileValue::F64(1.0),
            ]
        })
        .collect();
    let columns = FileColumns::from_rows(
        &["dataset", "process", "xsec", "nevts"],
        &rows,
        &[Some(names.clone()), Some(processes), None, None],
    )?;
    // The branches, then the per-file columns as `file_columns` types them.
    let mut fields: Vec<Field> = schema()
        .fields()
        .iter()
        .filter(|f| columns.position(f.name()).is_none())
        .map(|f| f.as_ref().clone())
        .collect();
    fields.extend(columns.fields.iter().map(|f| f.as_ref().clone()));
    let paths: Vec<String> = names.iter().map(|d| format!("{d}.root")).collect();
    Ok(ctx.source_with_file_columns(
        "events",
        &paths,
        "Events",
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}
