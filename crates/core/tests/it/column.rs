//! `Col`: take, defaults, append and the round trip through Arrow.

use proptest::prelude::*;
use rask_core::column::Col;

fn jagged(l: &[Vec<f64>]) -> Col {
    let offsets = rask_core::kernels::offsets_from_lengths(l.iter().map(Vec::len)).unwrap();
    Col::list(offsets, Col::F64(l.iter().flatten().copied().collect()))
}

fn to_lists(c: &Col) -> Vec<Vec<f64>> {
    let Col::List(o, items) = c else {
        panic!("not a list")
    };
    let v = items.to_f64().unwrap();
    o.windows(2)
        .map(|w| v[w[0] as usize..w[1] as usize].to_vec())
        .collect()
}

/// Arrow's own `take` of `c`'s rows at `picks`: the reference for rask's takes.
fn arrow_take(c: &Col, picks: &[u32]) -> arrow_array::ArrayRef {
    arrow_select::take::take(
        c.to_arrow().unwrap().as_ref(),
        &arrow_array::UInt32Array::from(picks.to_vec()),
        None,
    )
    .unwrap()
}

/// A record of `items.len()` rows (a list of floats, a boolean read through a bitmap that
/// starts `skip` bits in, an optional integer), as the nested-column tests build it.
fn nested_record(items: &[&(Vec<f64>, bool, Option<i64>)], skip: usize, pad: bool) -> Col {
    let inner: Vec<Vec<f64>> = items.iter().map(|t| t.0.clone()).collect();
    let flags: arrow_buffer::BooleanBuffer = std::iter::repeat_n(pad, skip)
        .chain(items.iter().map(|t| t.1))
        .collect();
    let valid: arrow_buffer::BooleanBuffer = items.iter().map(|t| t.2.is_some()).collect();
    let values = Col::I64(items.iter().map(|t| t.2.unwrap_or(0)).collect());
    Col::record(
        items.len(),
        vec![
            ("x".to_string(), jagged(&inner)),
            ("b".to_string(), Col::Bool(flags.slice(skip, items.len()))),
            (
                "o".to_string(),
                Col::Opt(valid, std::sync::Arc::new(values)),
            ),
        ],
    )
}

proptest! {
    /// Lists of up to 12 items: those of more than 8 among short ones take the per-item path
    /// of `ListSelection`'s index.
    #[test]
    fn take_and_append_match_per_event(l in prop::collection::vec(prop::collection::vec(-5.0f64..5.0, 0..13), 0..8), picks in prop::collection::vec(0usize..8, 0..10)) {
        let c = jagged(&l);
        let picks: Vec<u32> = picks.into_iter().filter(|&p| p < l.len()).map(|p| p as u32).collect();
        let taken = c.take(&picks);
        let want: Vec<Vec<f64>> = picks.iter().map(|&p| l[p as usize].clone()).collect();
        prop_assert_eq!(to_lists(&taken), want.clone());
        let both = c.append(&taken).unwrap();
        let mut all = l.clone();
        all.extend(want);
        prop_assert_eq!(to_lists(&both), all);
    }

    /// Whole lists of nested records (lists, booleans read through an offset, options) are
    /// taken as Arrow's own `take` takes them.
    #[test]
    fn taking_nested_lists_matches_arrow(
        events in prop::collection::vec(
            prop::collection::vec((prop::collection::vec(-5.0f64..5.0, 0..3), any::<bool>(), prop::option::of(-9i64..9)), 0..4),
            0..8,
        ),
        skip in 0usize..9,
        picks in prop::collection::vec(0usize..8, 0..10),
    ) {
        let items: Vec<_> = events.iter().flatten().collect();
        // Booleans whose buffer starts `skip` bits in, as a sliced Arrow buffer does.
        let record = nested_record(&items, skip, true);
        let offsets = rask_core::kernels::offsets_from_lengths(events.iter().map(Vec::len)).unwrap();
        let c = Col::list(offsets, record);
        let picks: Vec<u32> = picks.into_iter().filter(|&p| p < events.len()).map(|p| p as u32).collect();
        let ours = c.take(&picks).to_arrow().unwrap();
        let theirs = arrow_take(&c, &picks);
        prop_assert_eq!(ours.as_ref(), theirs.as_ref());
    }

    /// An event cut packed by its bits (`Col::compress`, read eight values at a time) keeps
    /// what Arrow's `filter` keeps: flat numbers, lists of records holding lists, booleans read
    /// through an offset and options, with a mask read through an offset too; and the kept
    /// lists taken through a `ListSelection` in order (its packed path) are Arrow's `take`.
    #[test]
    fn packing_by_bits_matches_arrow_filter(
        events in prop::collection::vec(
            (prop::collection::vec((prop::collection::vec(-5.0f64..5.0, 0..3), any::<bool>(), prop::option::of(-9i64..9)), 0..5), any::<bool>()),
            0..150,
        ),
        skip in 0usize..70,
    ) {
        let items: Vec<_> = events.iter().flat_map(|e| e.0.iter()).collect();
        let record = nested_record(&items, skip, true);
        let offsets = rask_core::kernels::offsets_from_lengths(events.iter().map(|e| e.0.len())).unwrap();
        let lists = Col::list(offsets.clone(), record.clone());
        let keep: arrow_buffer::BooleanBuffer = std::iter::repeat_n(false, skip)
            .chain(events.iter().map(|e| e.1))
            .collect();
        let keep = keep.slice(skip, events.len());
        let mask = arrow_array::BooleanArray::new(keep.clone(), None);
        let flat = Col::F64(events.iter().map(|e| e.0.len() as f64 - 0.5).collect());
        for c in [&lists, &flat] {
            let ours = c.compress(&keep).unwrap().to_arrow().unwrap();
            let theirs = arrow_select::filter::filter(c.to_arrow().unwrap().as_ref(), &mask).unwrap();
            prop_assert_eq!(ours.as_ref(), theirs.as_ref());
        }
        let picks: Vec<u32> = keep.set_indices().map(|i| i as u32).collect();
        let o = arrow_buffer::OffsetBuffer::new(offsets.into());
        let ours = rask_core::column::ListSelection::new(&o, &picks).apply(&record).to_arrow().unwrap();
        let theirs = arrow_take(&lists, &picks);
        prop_assert_eq!(ours.as_ref(), theirs.as_ref());
        // A mask longer than the column is refused.
        let longer: arrow_buffer::BooleanBuffer = std::iter::repeat_n(true, events.len() + 1).collect();
        prop_assert!(flat.compress(&longer).is_none());
    }

    /// Runs of rows (long lists of lists, booleans read through an offset, options) are taken
    /// as Arrow's `take` takes their rows one by one.
    #[test]
    fn taking_runs_matches_arrow(
        rows in prop::collection::vec((prop::collection::vec(-5.0f64..5.0, 0..12), any::<bool>(), prop::option::of(-9i64..9)), 0..40),
        skip in 0usize..9,
        runs in prop::collection::vec((0usize..40, 0usize..14), 0..6),
    ) {
        let c = nested_record(&rows.iter().collect::<Vec<_>>(), skip, false);
        let ranges: Vec<std::ops::Range<u32>> = runs
            .into_iter()
            .filter(|&(start, _)| start <= rows.len())
            .map(|(start, len)| start as u32..(start + len).min(rows.len()) as u32)
            .collect();
        let total = ranges.iter().map(|r| r.len()).sum();
        let picks: Vec<u32> = ranges.iter().flat_map(|r| r.clone()).collect();
        let ours = c.take_ranges(&ranges, total).to_arrow().unwrap();
        let theirs = arrow_select::take::take(
            c.to_arrow().unwrap().as_ref(),
            &arrow_array::UInt32Array::from(picks),
            None,
        ).unwrap();
        prop_assert_eq!(ours.as_ref(), theirs.as_ref());
    }

    #[test]
    fn arrow_round_trip(l in prop::collection::vec(prop::collection::vec(-5.0f64..5.0, 0..4), 0..8)) {
        let record = Col::record(l.len(), vec![("x".to_string(), jagged(&l)), ("n".to_string(), Col::I64(l.iter().map(|x| x.len() as i64).collect()))]);
        let arrow = record.to_arrow().unwrap();
        prop_assert_eq!(arrow.data_type(), &record.arrow_type());
        let back = Col::from_arrow(arrow.as_ref()).unwrap();
        prop_assert_eq!(to_lists(back.field("x").unwrap()), l);
    }
}

#[test]
fn optional_values_become_nulls_and_back() {
    let c = Col::F64(vec![1.0, 2.0, 3.0].into()).take_opt(&[Some(2), None, Some(0)]);
    let a = c.to_arrow().unwrap();
    assert_eq!(a.null_count(), 1);
    let Col::Opt(valid, inner) = Col::from_arrow(a.as_ref()).unwrap() else {
        panic!("nulls read back as an optional column")
    };
    assert_eq!(valid.iter().collect::<Vec<_>>(), vec![true, false, true]);
    assert_eq!(inner.to_f64().unwrap()[0], 3.0);
    // Taking from an empty column gives defaults, never an out-of-bounds read.
    let empty = Col::F64(Vec::<f64>::new().into()).take_opt(&[None, None]);
    assert_eq!(empty.len(), 2);
}

#[test]
fn append_widens_numbers_and_refuses_other_structures() {
    use rask_core::column::ColumnError;
    // i64 then bool: widened to f64, booleans as 0 and 1.
    let ints = Col::I64(vec![1, -2].into());
    let bools = Col::Bool([true, false].into_iter().collect());
    assert_eq!(
        ints.append(&bools).unwrap().to_f64().unwrap(),
        vec![1.0, -2.0, 1.0, 0.0]
    );
    let lists = jagged(&[vec![1.0], vec![]]);
    assert_eq!(
        ints.append(&lists).unwrap_err(),
        ColumnError::Append {
            appended: "list",
            to: "i64"
        }
    );
    assert_eq!(
        ints.append(&lists).unwrap_err().to_string(),
        "cannot append list rows to i64 rows"
    );
    let a = Col::record(1, vec![("pt".to_string(), Col::F64(vec![1.0].into()))]);
    let b = Col::record(1, vec![("eta".to_string(), Col::F64(vec![0.5].into()))]);
    let err = a.append(&b).unwrap_err();
    assert_eq!(
        err,
        ColumnError::MissingField {
            name: "pt".to_string()
        }
    );
    assert_eq!(err.to_string(), "the second records lack field 'pt'");
    assert_eq!(
        a.f64_buffer().unwrap_err(),
        ColumnError::NotNumbers { found: "record" }
    );
    assert_eq!(
        lists.to_f64().unwrap_err().to_string(),
        "expected numbers, found list"
    );
}
