//! Random event plans (the engine's proptest generator) run on the cluster equal the reference
//! interpreter.

use proptest::prelude::*;
use rask_exec::{Engine, Scheduler};

use crate::random_plans::{batch, check, events, jagged, shape, write_parquet};

proptest! {
    // Each case is a round trip to the workers: 24 in CI, `PROPTEST_CASES` for more.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(24),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_event_plans_on_the_cluster_match_the_reference(evs in events(), j in jagged(), s in shape(), group in 1usize..9) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.parquet");
        write_parquet(&batch(&evs), &path, group);
        let cluster = crate::cluster();
        let engine = Engine::new(Scheduler::Sync).with_partition_entries(1);
        check(&path, &evs, &j, s, &|e| cluster.compute_many(&engine, &[e]).unwrap().remove(0))?;
    }
}
