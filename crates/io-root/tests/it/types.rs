//! Every branch type of `data/types.root` (written by ROOT 6.40 with `tests/data-gen/make_types_root.py`)
//! read and checked against the formulas that made it.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use rask_io_root::{EventSource, RootError, RootFile, RootTree, UNREADABLE_METADATA_KEY};

use crate::common::{assert_batches_identical, data};

const N: usize = 5000;

fn read_all() -> (RootTree, RecordBatch) {
    let t = RootTree::open(data("types.root"), "types").unwrap();
    let names = t.readable_branches();
    let b = t.read(0..t.entries(), &names).unwrap();
    (t, b)
}

fn col<'a>(b: &'a RecordBatch, name: &str) -> &'a ArrayRef {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn prim<T: ArrowPrimitiveType>(b: &RecordBatch, name: &str) -> Vec<T::Native> {
    col(b, name).as_primitive::<T>().values().to_vec()
}

/// The values of a list column, entry by entry.
fn lists<T: ArrowPrimitiveType>(b: &RecordBatch, name: &str) -> Vec<Vec<T::Native>> {
    let l = col(b, name).as_list::<i32>();
    (0..l.len())
        .map(|i| l.value(i).as_primitive::<T>().values().to_vec())
        .collect()
}

#[test]
fn scalars_of_every_width_and_sign() {
    let (t, b) = read_all();
    assert_eq!(t.entries(), N as u64);
    let i = |f: fn(usize) -> i128| (0..N).map(f).collect::<Vec<i128>>();
    let as128 = |v: Vec<i128>| v;
    assert_eq!(
        as128(
            prim::<Int8Type>(&b, "sc")
                .into_iter()
                .map(i128::from)
                .collect()
        ),
        i(|i| (i % 256) as i128 - 128)
    );
    assert_eq!(
        as128(
            prim::<UInt8Type>(&b, "uc")
                .into_iter()
                .map(i128::from)
                .collect()
        ),
        i(|i| (i % 256) as i128)
    );
    assert_eq!(
        as128(
            prim::<Int16Type>(&b, "ss")
                .into_iter()
                .map(i128::from)
                .collect()
        ),
        i(|i| i as i128 - 2500)
    );
    assert_eq!(
        as128(
            prim::<UInt16Type>(&b, "us")
                .into_iter()
                .map(i128::from)
                .collect()
        ),
        i(|i| i as i128 * 13)
    );
    assert_eq!(
        as128(
            prim::<Int32Type>(&b, "ii")
                .into_iter()
                .map(i128::from)
                .collect()
        ),
        i(|i| -(i as i128) * 1000)
    );
    assert_eq!(
        as128(
            prim::<UInt32Type>(&b, "ui")
                .into_iter()
                .map(i128::from)
                .collect()
        ),
        i(|i| i as i128 * 800_000)
    );
    assert_eq!(
        as128(
            prim::<Int64Type>(&b, "ll")
                .into_iter()
                .map(i128::from)
                .collect()
        ),
        i(|i| -(i as i128) * 1_000_000_000_000)
    );
    assert_eq!(
        as128(
            prim::<UInt64Type>(&b, "ul")
                .into_iter()
                .map(i128::from)
                .collect()
        ),
        i(|i| i as i128 * 3_000_000_000_000_000)
    );
    let ob: Vec<bool> = col(&b, "ob")
        .as_boolean()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    assert_eq!(ob, (0..N).map(|i| i % 3 == 0).collect::<Vec<_>>());
    assert_eq!(
        prim::<Float32Type>(&b, "ff"),
        (0..N).map(|i| (i as f64 / 7.0) as f32).collect::<Vec<_>>()
    );
    assert_eq!(
        prim::<Float64Type>(&b, "dd"),
        (0..N).map(|i| i as f64 / 7.0).collect::<Vec<_>>()
    );
    // Double32_t without a range is a float on disk, a double in memory.
    assert_eq!(
        prim::<Float64Type>(&b, "d32"),
        (0..N)
            .map(|i| (i as f64 / 3.0) as f32 as f64)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        prim::<UInt32Type>(&b, "n"),
        (0..N).map(|i| (i % 5) as u32).collect::<Vec<_>>()
    );
}

#[test]
fn jagged_with_an_unsigned_counter_and_inner_dimensions() {
    let (t, b) = read_all();
    let x = lists::<Float32Type>(&b, "x");
    for (i, v) in x.iter().enumerate() {
        let want: Vec<f32> = (0..i % 5)
            .map(|j| (i as f64 + j as f64 / 8.0) as f32)
            .collect();
        assert_eq!(v, &want, "x[{i}]");
    }
    let c = col(&b, "c").as_list::<i32>();
    for i in 0..N {
        let entry = c.value(i);
        let inner = entry.as_fixed_size_list();
        assert_eq!(inner.len(), i % 5);
        let flat = inner.values().slice(inner.offset() * 2, inner.len() * 2);
        let want: Vec<f64> = (0..i % 5)
            .flat_map(|j| (0..2).map(move |a| (i * 2 + j) as f64 + 0.25 * a as f64))
            .collect();
        assert_eq!(
            flat.as_primitive::<Float64Type>().values().to_vec(),
            want,
            "c[{i}]"
        );
    }
    let field = t.schema().field_with_name("x").unwrap();
    assert_eq!(
        field
            .metadata()
            .get(rask_core::COUNTER_METADATA_KEY)
            .map(String::as_str),
        Some("n")
    );
    assert!(rask_io_root::offsets_shared(
        col(&b, "x").as_ref(),
        col(&b, "c").as_ref()
    ));
}

#[test]
fn fixed_arrays_nest() {
    let (_, b) = read_all();
    let p = col(&b, "p").as_fixed_size_list();
    assert_eq!(p.value_length(), 3);
    let want: Vec<f32> = (0..N)
        .flat_map(|i| (0..3).map(move |a| (i as f64 * 0.5 + a as f64) as f32))
        .collect();
    assert_eq!(
        p.values().as_primitive::<Float32Type>().values().to_vec(),
        want
    );
    let m = col(&b, "m").as_fixed_size_list();
    assert_eq!(m.value_length(), 2);
    let rows = m.values().as_fixed_size_list();
    assert_eq!(rows.value_length(), 3);
    let want: Vec<i32> = (0..N)
        .flat_map(|i| (0..6).map(move |a| (i + 10 * (a / 3) + a % 3) as i32))
        .collect();
    assert_eq!(
        rows.values().as_primitive::<Int32Type>().values().to_vec(),
        want
    );
}

#[test]
fn std_vectors_and_strings() {
    let (_, b) = read_all();
    for (i, v) in lists::<Float32Type>(&b, "vf").iter().enumerate() {
        assert_eq!(
            v,
            &(0..i % 4)
                .map(|a| (i as f64 + a as f64 / 4.0) as f32)
                .collect::<Vec<_>>(),
            "vf[{i}]"
        );
    }
    for (i, v) in lists::<Float64Type>(&b, "vd").iter().enumerate() {
        assert_eq!(
            v,
            &(0..i % 4)
                .map(|a| i as f64 * 0.1 + a as f64)
                .collect::<Vec<_>>(),
            "vd[{i}]"
        );
    }
    for (i, v) in lists::<Int32Type>(&b, "vi").iter().enumerate() {
        assert_eq!(
            v,
            &(0..i % 3).map(|a| (i * a) as i32).collect::<Vec<_>>(),
            "vi[{i}]"
        );
    }
    let ts = col(&b, "ts").as_string::<i32>();
    for i in 0..N {
        assert_eq!(ts.value(i), format!("ts{i}"), "ts[{i}]");
    }
    let text = col(&b, "text").as_string::<i32>();
    for i in 0..N {
        let want = if i % 1000 == 999 {
            "x".repeat(300)
        } else {
            format!("evt{i}")
        };
        assert_eq!(text.value(i), want, "text[{i}]");
    }
}

#[test]
fn object_branches_stay_visible_and_fail_only_when_read() {
    let t = RootTree::open(data("types.root"), "types").unwrap();
    {
        let (name, class) = ("lv", "TLorentzVector");
        let field = t.schema().field_with_name(name).unwrap();
        assert_eq!(field.data_type(), &arrow_schema::DataType::Null);
        assert!(field.metadata().contains_key(UNREADABLE_METADATA_KEY));
        let err = t.read(0..10, &["x", name]).unwrap_err();
        assert!(matches!(err, RootError::UnreadableBranch { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("types.root") && msg.contains(name) && msg.contains(class),
            "{msg}"
        );
    }
    assert!(!t.readable_branches().contains(&"lv"));
}

#[test]
fn many_clusters_and_baskets_partition_cleanly() {
    let src = EventSource::open(&[data("types.root")], "types").unwrap();
    let tree = &src.root_trees().unwrap()[0];
    let names = tree.readable_branches();
    assert!(tree.branch("c").unwrap().baskets.len() > 30);
    let whole = src
        .read(
            &rask_io_root::Partition {
                file: 0,
                entries: 0..N as u64,
            },
            &names,
        )
        .unwrap();
    for parts in [src.partitions(&names, 1).unwrap(), src.split_evenly(13)] {
        assert!(parts.len() > 1);
        let batches: Vec<RecordBatch> =
            parts.iter().map(|p| src.read(p, &names).unwrap()).collect();
        let joined = arrow_select::concat::concat_batches(&batches[0].schema(), &batches).unwrap();
        assert_batches_identical(&joined, &whole);
    }
}

#[test]
fn trees_in_subdirectories() {
    let f = RootFile::open(data("types.root")).unwrap();
    assert_eq!(
        f.tree_names().unwrap(),
        vec!["types".to_string(), "sub/inner".to_string()]
    );
    let t = RootTree::new(f, "sub/inner").unwrap();
    let b = t.read(0..10, &["v"]).unwrap();
    assert_eq!(
        b.column(0).as_primitive::<Int32Type>().values().to_vec(),
        (0..10).map(|i| i * i).collect::<Vec<i32>>()
    );
}
