//! `events[a:b]`: an expression over a source sliced by entry position reads and computes only
//! those entries, across file boundaries and partitions, equal to the same entries read
//! straight from the files.

use arrow_array::{Array, Float64Array};
use arrow_cast::cast;
use arrow_schema::DataType;
use rask_exec::{Engine, Output, Scheduler};
use rask_io_root::{EventSource, Partition};
use rask_plan::{Context, Expr};

use crate::common::nano;

/// `MET_pt` of every entry of `files`, in order, read by the ROOT reader alone.
fn met_read_directly(files: &[std::path::PathBuf]) -> Vec<f64> {
    let mut out = Vec::new();
    for f in files {
        let src = EventSource::open(&[f], "Events").unwrap();
        let all = Partition {
            file: 0,
            entries: 0..src.entries(),
        };
        let batch = src.read(&all, &["MET_pt"]).unwrap();
        let col = cast(batch.column(0), &DataType::Float64).unwrap();
        let v = col.as_any().downcast_ref::<Float64Array>().unwrap();
        out.extend(v.values().iter().copied());
    }
    out
}

fn events_of(ctx: &Context, files: &[std::path::PathBuf]) -> Expr {
    let src = EventSource::open(files, "Events").unwrap();
    let paths: Vec<String> = files
        .iter()
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    ctx.source("events", &paths, "Events", src.schema().clone())
        .unwrap()
}

fn met_of(ctx: &Context, files: &[std::path::PathBuf]) -> Expr {
    events_of(ctx, files)
        .field("MET")
        .unwrap()
        .field("pt")
        .unwrap()
}

fn values(out: Output) -> Vec<f64> {
    let Output::Events(a) = out else {
        panic!("expected per-event values, got {out:?}")
    };
    let a = cast(&a, &DataType::Float64).unwrap();
    a.as_any()
        .downcast_ref::<Float64Array>()
        .unwrap()
        .values()
        .to_vec()
}

#[test]
fn sliced_events_equal_the_same_entries_read_from_the_files() {
    // The sample twice: 40,000 entries, the second file starting at 20,000.
    let files = vec![nano(), nano()];
    let all = met_read_directly(&files);
    assert_eq!(all.len(), 40_000);
    let ctx = Context::new();
    let met = met_of(&ctx, &files);
    let doubled = (&met * 2.0).unwrap();
    for (start, stop) in [
        (0, Some(10)),
        (19_990, Some(20_010)), // across the files' boundary
        (39_995, None),
        (12_345, Some(23_456)),
        (100, Some(50)), // empty
        (50_000, None),  // past the end: empty
    ] {
        let end = stop.unwrap_or(u64::MAX).min(40_000) as usize;
        let want: Vec<f64> = all[(start as usize).min(end)..end].to_vec();
        for engine in [
            Engine::new(Scheduler::Sync),
            Engine::new(Scheduler::Threads(2)).with_partition_entries(1_000),
        ] {
            let got = values(
                engine
                    .compute(&met.slice_entries(start, stop).unwrap())
                    .unwrap(),
            );
            assert_eq!(got, want, "[{start}:{stop:?}]");
            // Work on the values, sliced after it was written: the same as slicing first.
            let twice = values(
                engine
                    .compute(&doubled.slice_entries(start, stop).unwrap())
                    .unwrap(),
            );
            let want2: Vec<f64> = want.iter().map(|x| x * 2.0).collect();
            assert_eq!(twice, want2, "2 * [{start}:{stop:?}]");
        }
    }
    // A slice of a slice counts within it.
    let inner = met
        .slice_entries(19_000, Some(21_000))
        .unwrap()
        .slice_entries(990, Some(1_010))
        .unwrap();
    let got = values(Engine::new(Scheduler::Sync).compute(&inner).unwrap());
    assert_eq!(got, all[19_990..20_010].to_vec());
}

#[test]
fn a_slice_reads_only_its_partitions_and_fills_histograms_with_its_events() {
    let ctx = Context::new();
    let events = events_of(&ctx, &[nano()]);
    let njet = events.field("Jet").unwrap().num().unwrap();
    let engine = Engine::new(Scheduler::Threads(2)).with_partition_entries(1_000);
    let sliced = njet.slice_entries(2_500, Some(4_100)).unwrap();
    let parts = engine.partitions(&sliced).unwrap();
    let covered: u64 = parts.iter().map(|p| p.entries.end - p.entries.start).sum();
    assert_eq!(covered, 1_600);
    assert!(
        parts
            .iter()
            .all(|p| p.entries.start >= 2_500 && p.entries.end <= 4_100)
    );
    let axis = rask_plan::Axis::Regular {
        bins: 20,
        lo: 0.0,
        hi: 20.0,
        label: "jets".to_string(),
    };
    let h = ctx
        .hist(vec![axis], rask_plan::Storage::Int, &[&sliced], None)
        .unwrap();
    let Output::Hist(h) = engine.compute(&h).unwrap() else {
        panic!("expected a histogram")
    };
    assert_eq!(h.values().iter().sum::<f64>(), 1_600.0);
}

#[test]
fn slicing_after_a_cut_and_mixing_slices_are_clear_errors() {
    let ctx = Context::new();
    let met = met_of(&ctx, &[nano()]);
    let cut = met.mask(&met.gt(20.0).unwrap()).unwrap();
    let err = cut.slice_entries(0, Some(10)).unwrap_err().to_string();
    assert!(
        err.contains("slice the events before cutting them"),
        "{err}"
    );
    // The sliced and the whole source in one computation.
    let a = met.slice_entries(10, Some(20)).unwrap();
    let err = Engine::new(Scheduler::Sync)
        .compute_many(&[&a, &met])
        .unwrap_err()
        .to_string();
    assert!(err.contains("events[10:20]"), "{err}");
    // A value persisted over every entry, read beside a slice.
    let engine = Engine::new(Scheduler::Sync);
    let kept = engine.persist(&met).unwrap();
    let err = engine
        .compute_many(&[&kept.sum(None).unwrap(), &a.sum(None).unwrap()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("persisted from other files, entries"), "{err}");
}

#[test]
fn the_reference_interpreter_reads_the_same_slice() {
    use rask_reference::{Data, FileReader, Reference, Value};
    let files = vec![nano(), nano()];
    let all = met_read_directly(&files);
    let ctx = Context::new();
    let met = met_of(&ctx, &files);
    let sliced = met.slice_entries(19_995, Some(20_004)).unwrap();
    let Data::Events(got) = sliced.compute(&FileReader).unwrap() else {
        panic!("expected per-event values")
    };
    let got: Vec<f64> = got
        .iter()
        .map(|v| match v {
            Value::F64(x) => *x,
            other => panic!("expected a number, got {other:?}"),
        })
        .collect();
    assert_eq!(got, all[19_995..20_004].to_vec());
}

#[test]
fn events_by_position_after_a_cut_equal_the_kept_entries_counted_in_order() {
    // Two files, many partitions: positions count the kept events across all of them.
    let files = vec![nano(), nano()];
    let all = met_read_directly(&files);
    let kept: Vec<f64> = all.iter().copied().filter(|&x| x > 20.0).collect();
    assert!(kept.len() > 1_000);
    let ctx = Context::new();
    let met = met_of(&ctx, &files);
    let cut = met.mask(&met.gt(20.0).unwrap()).unwrap();
    let n = kept.len() as i64;
    for (start, stop) in [
        (0, Some(10)),
        (-7, None),
        (n / 2 - 3, Some(n / 2 + 3)),
        (5, Some(-5)),
        (n + 3, None), // past the end: empty
        (12, Some(4)), // empty
    ] {
        let r = rask_plan::rows_range(start, stop, kept.len());
        let want: Vec<f64> = kept[r.clone()].iter().map(|x| x * 2.0 + 1.0).collect();
        // Arithmetic after the slice, as a physicist writes it: `(cut[a:b] * 2) + 1`.
        let sliced = (&(&cut.rows(start, stop).unwrap() * 2.0).unwrap() + 1.0).unwrap();
        for engine in [
            Engine::new(Scheduler::Sync),
            Engine::new(Scheduler::Threads(2)).with_partition_entries(1_000),
        ] {
            let got = values(engine.compute(&sliced).unwrap());
            assert_eq!(got, want, "[{start}:{stop:?}]");
        }
    }
    // Two fields of one slice line up; the same slice of the whole events is another slice.
    let both = (&cut.rows(0, Some(3)).unwrap() + &cut.rows(0, Some(3)).unwrap()).unwrap();
    let got = values(Engine::new(Scheduler::Sync).compute(&both).unwrap());
    assert_eq!(got, kept[..3].iter().map(|x| x * 2.0).collect::<Vec<_>>());
    assert!((&cut.rows(0, Some(3)).unwrap() + &cut.rows(1, Some(4)).unwrap()).is_err());
}

#[test]
fn what_a_slice_after_a_cut_cannot_feed_is_an_error_naming_it() {
    let ctx = Context::new();
    let met = met_of(&ctx, &[nano()]);
    let cut = met.mask(&met.gt(20.0).unwrap()).unwrap();
    let first = cut.rows(0, Some(10)).unwrap();
    let engine = Engine::new(Scheduler::Sync);
    // A sum over the slice, and the slice against its own sum: not a slice of a whole result.
    for bad in [
        first.sum(None).unwrap(),
        (&first - &first.sum(None).unwrap()).unwrap(),
        first.mask(&first.gt(50.0).unwrap()).unwrap(),
    ] {
        let err = engine.compute(&bad).unwrap_err().to_string();
        assert!(err.contains("events by position after a cut"), "{err}");
        assert!(err.contains("[0:10]"), "{err}");
    }
    // Persisting a slice of a cut is refused, naming it.
    let err = engine.persist(&first).unwrap_err().to_string();
    assert!(
        err.contains("[0:10]") && err.contains("after a cut"),
        "{err}"
    );
}

#[test]
fn the_first_events_of_a_cut_read_only_the_partitions_that_hold_them() {
    let files = vec![nano(), nano()];
    let ctx = Context::new();
    let met = met_of(&ctx, &files);
    let cut = met.mask(&met.gt(20.0).unwrap()).unwrap();
    let engine = Engine::new(Scheduler::Threads(2)).with_partition_entries(1_000);
    let (_, whole) = engine.compute_with_stats(&[&cut]).unwrap();
    let (out, head) = engine
        .compute_with_stats(&[&cut.rows(0, Some(10)).unwrap()])
        .unwrap();
    let kept: Vec<f64> = met_read_directly(&files)
        .into_iter()
        .filter(|&x| x > 20.0)
        .take(10)
        .collect();
    assert_eq!(values(out.into_iter().next().unwrap()), kept);
    // Partitions of 1,000 of 40,000 entries: the first few and those running ahead (at most a
    // partition per thread, plus one), and the files' metadata, which both runs read.
    assert!(
        head.bytes_read * 3 < whole.bytes_read,
        "{} of {} bytes",
        head.bytes_read,
        whole.bytes_read
    );
}

#[test]
fn the_same_positions_of_two_cuts_are_their_own_events() {
    let files = vec![nano()];
    let all = met_read_directly(&files);
    let ctx = Context::new();
    let met = met_of(&ctx, &files);
    let low = met.mask(&met.gt(0.0).unwrap()).unwrap();
    let high = met.mask(&met.gt(150.0).unwrap()).unwrap();
    let first =
        |cut: f64| -> Vec<f64> { all.iter().copied().filter(|&x| x > cut).take(10).collect() };
    for engine in [
        Engine::new(Scheduler::Sync),
        Engine::new(Scheduler::Threads(2)).with_partition_entries(1_000),
    ] {
        for (a, b, ca, cb) in [(&low, &high, 0.0, 150.0), (&high, &low, 150.0, 0.0)] {
            let out = engine
                .compute_many(&[&a.rows(0, Some(10)).unwrap(), &b.rows(0, Some(10)).unwrap()])
                .unwrap();
            let mut out = out.into_iter();
            assert_eq!(values(out.next().unwrap()), first(ca));
            assert_eq!(values(out.next().unwrap()), first(cb));
        }
    }
}

#[test]
fn slices_of_slices_and_values_of_all_events_keep_their_meaning() {
    let files = vec![nano()];
    let all = met_read_directly(&files);
    let kept: Vec<f64> = all.iter().copied().filter(|&x| x > 20.0).collect();
    let ctx = Context::new();
    let met = met_of(&ctx, &files);
    let cut = met.mask(&met.gt(20.0).unwrap()).unwrap();
    let engine = Engine::new(Scheduler::Threads(2)).with_partition_entries(1_000);
    let get = |e: &rask_plan::Expr| values(engine.compute(e).unwrap());
    // A slice of a slice is one slice of the cut.
    let twice = cut.rows(0, Some(10)).unwrap().rows(2, Some(5)).unwrap();
    assert_eq!(get(&twice), kept[2..5].to_vec());
    let open = (&cut.rows(5, None).unwrap() * 1.0)
        .unwrap()
        .rows(0, Some(3))
        .unwrap();
    assert_eq!(get(&open), kept[5..8].to_vec());
    let err = cut.rows(-10, None).unwrap().rows(2, Some(5)).unwrap_err();
    assert!(err.to_string().contains("counted from the end"), "{err}");
    // MET minus the mean of every event's MET: slicing the entries would recompute the mean
    // over the slice, so it is refused (a slice of the computed values keeps it).
    let centred = (&met - &met.mean(None).unwrap()).unwrap();
    let err = centred.slice_entries(0, Some(10)).unwrap_err().to_string();
    assert!(err.contains("a value of all the events"), "{err}");
    assert!(centred.rows(0, Some(10)).unwrap().without_rows().is_ok());
}
