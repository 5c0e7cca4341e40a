//! ADL Q8 built with the plan API and evaluated by the reference interpreter on the shipped
//! sample equals the expected histogram of `../shared/adl` bin for bin.

use rask::reference::{Data, Reference};
use std::path::PathBuf;

use rask::adl;

use rask::sources::{FileReader, open};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn q8_through_the_reference_interpreter_matches_the_expected_histogram() {
    let ctx = rask::Context::new();
    let path = repo().join("data/nano-20k.root");
    let events = open(&ctx, "events", &[path.to_str().unwrap()], "Events").unwrap();
    let q8 = adl::q8(&ctx, &events).unwrap();
    let Data::Hist(h) = q8.compute(&FileReader).unwrap() else {
        panic!("not a histogram")
    };
    assert_eq!(h.values, crate::cli::expected_values("q8"));
}
