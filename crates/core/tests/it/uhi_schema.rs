//! Every kind of histogram rask writes validates against the UHI JSON schema.

use rask_core::hist::{Axis, Histogram, StorageKind};

#[test]
fn uhi_json_is_valid_for_every_axis_and_storage() {
    let schema_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/uhi/histogram.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let axes = [
        Axis::regular(10, 0.0, 200.0, "mt"),
        Axis::Variable {
            edges: vec![0.0, 1.0, 5.0, 20.0],
            underflow: true,
            overflow: false,
            name: "v".into(),
            label: "v [GeV]".into(),
        },
        Axis::Integer {
            lower: 0,
            upper: 5,
            underflow: false,
            overflow: true,
            name: "n".into(),
            label: "count".into(),
        },
        Axis::IntCategory {
            categories: vec![11, 13],
            flow: true,
            name: "pdg".into(),
            label: "pdg".into(),
        },
        Axis::StrCategory {
            categories: vec!["a".into(), "b".into()],
            flow: false,
            name: "s".into(),
            label: "s".into(),
        },
        Axis::Boolean {
            name: "b".into(),
            label: "b".into(),
        },
    ];
    for kind in [StorageKind::Int, StorageKind::Double, StorageKind::Weight] {
        for axis in &axes {
            let mut h = Histogram::new(vec![axis.clone()], kind);
            let w = (kind != StorageKind::Int).then_some(&[2.0, 0.5][..]);
            h.fill(&[&[1.0, 3.0]], w).unwrap();
            let json = h.to_uhi_json();
            let errors: Vec<String> = validator
                .iter_errors(&json)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{kind:?} {axis:?}: {errors:?}\n{json}");
        }
        let two_d = Histogram::new(vec![axes[0].clone(), axes[5].clone()], kind).to_uhi_json();
        assert!(validator.is_valid(&two_d), "{two_d}");
    }
    let mut broken = Histogram::new(vec![axes[0].clone()], StorageKind::Int).to_uhi_json();
    broken["axes"][0]["bins"] = serde_json::json!(-1);
    assert!(
        !validator.is_valid(&broken),
        "the validator rejects what the schema forbids"
    );
}
