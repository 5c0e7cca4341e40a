//! The items of lists about to be gathered by index (combinations, cartesian products, takes,
//! masks): cut down to the fields read later ([`super::demand`]) and, when vector components
//! are read, given their Cartesian components once per particle ([`super::vector`]).

use std::sync::Arc;

use rask_core::column::Col;
use rask_core::kernels;

use super::demand::Demand;
use super::error::EventError;
use super::sums::Stash;

type R<T> = Result<T, EventError>;

/// The offsets and items of a list column.
pub(super) fn list_parts(c: &Col, what: &str) -> R<(arrow_buffer::OffsetBuffer<i32>, Arc<Col>)> {
    match c {
        Col::List(o, items) => Ok((o.clone(), items.clone())),
        other => Err(EventError::Internal(format!(
            "{what} needs lists, found {}",
            other.kind()
        ))),
    }
}

/// The parts of a list about to be gathered by index, its items read as `read`: vector records
/// get their Cartesian components first when those are read, once per particle instead of once
/// per tuple; then the items keep only what is read.
pub(super) fn gathered(
    c: &Col,
    what: &str,
    read: &Demand,
) -> R<(arrow_buffer::OffsetBuffer<i32>, Arc<Col>)> {
    let (o, items) = list_parts(c, what)?;
    if !matches!(items.as_ref(), Col::Record(..)) {
        return Ok((o, items));
    }
    if !read.wants_parts() {
        return Ok((o, Arc::new(read.keep(&items))));
    }
    // One collection is often gathered several times (`leps[i1]`, `leps[i2]`, `leps[k]`).
    let cached = GATHERED.with(|g| {
        g.borrow()
            .iter()
            .find(|(k, _)| Arc::ptr_eq(k, &items))
            .map(|(_, v)| v.clone())
    });
    let with = match cached {
        Some(v) => v,
        None => {
            let v = Arc::new(super::vector::with_cartesian(items.as_ref().clone()));
            GATHERED.with(|g| g.borrow_mut().push((items.clone(), v.clone())));
            v
        }
    };
    Ok((o, Arc::new(read.keep(&with))))
}

/// `c` with the items that [`gathered`] gave Cartesian components in this evaluation, when it
/// did: a cut after a gather (`leps[i1]` … `leps[has_pair]`) keeps the components instead of
/// making the next gather compute them again.
pub(super) fn with_gathered_items(c: &Col) -> std::borrow::Cow<'_, Col> {
    let Col::List(o, items) = c else {
        return std::borrow::Cow::Borrowed(c);
    };
    let cached = GATHERED.with(|g| {
        g.borrow()
            .iter()
            .find(|(k, _)| Arc::ptr_eq(k, items))
            .map(|(_, v)| v.clone())
    });
    match cached {
        Some(with) => std::borrow::Cow::Owned(Col::List(o.clone(), with)),
        None => std::borrow::Cow::Borrowed(c),
    }
}

/// Forgets the collections [`gathered`] gave components, the combinations [`tuples_of`] made
/// and the components [`particle_parts`] computed (at the start and end of a partition).
pub(super) fn forget() {
    GATHERED.with(|g| g.borrow_mut().clear());
    TUPLES.with(|t| t.borrow_mut().clear());
    PARTS.with(|p| p.borrow_mut().clear());
    ENUMERATED.with(|t| t.borrow_mut().clear());
}

/// The Cartesian components of the particles `items`, computed once per evaluation: a
/// combination copied into several fused groups (ADL Q6's best trijet and its pT) stashes the
/// same particles' components in each.
fn particle_parts(items: &Arc<Col>) -> R<[arrow_buffer::ScalarBuffer<f64>; 4]> {
    let cached = PARTS.with(|p| {
        p.borrow()
            .iter()
            .find(|(k, _)| Arc::ptr_eq(k, items))
            .map(|(_, v)| v.clone())
    });
    if let Some(parts) = cached {
        return Ok(parts);
    }
    let parts = super::vector::parts(items)?;
    PARTS.with(|p| p.borrow_mut().push((items.clone(), parts.clone())));
    Ok(parts)
}

/// The `n`-tuples of some lists: their offsets (one list of tuples per list) and each slot's
/// indices into the lists' items.
#[derive(Debug)]
pub struct CombinedTuples {
    pub offsets: arrow_buffer::OffsetBuffer<i32>,
    pub slots: Vec<Vec<u32>>,
}

/// The `n`-combinations of the lists `o`, made once per evaluation: a combination read by two
/// fused bodies (ADL Q6's trijet sums and their b-tags) is computed by the first and reused by
/// the second.
fn tuples_of(o: &arrow_buffer::OffsetBuffer<i32>, n: u8) -> R<Arc<CombinedTuples>> {
    if let Some(v) = by_offsets(&TUPLES, o, n) {
        return Ok(v);
    }
    let kernels::Tuples { offsets, slots } = kernels::combinations(o, n as usize)?;
    let offsets = arrow_buffer::OffsetBuffer::new(offsets.into());
    let v = Arc::new(CombinedTuples { offsets, slots });
    TUPLES.with(|t| t.borrow_mut().push((o.clone(), n, v.clone())));
    Ok(v)
}

/// Per-evaluation values by the lists' offsets (kept alive, so pointer identity is sound)
/// and `n`.
type ByOffsets<T> = std::cell::RefCell<Vec<(arrow_buffer::OffsetBuffer<i32>, u8, T)>>;

/// The value `cache` holds for the lists `o` and `n`.
fn by_offsets<T: Clone>(
    cache: &'static std::thread::LocalKey<ByOffsets<T>>,
    o: &arrow_buffer::OffsetBuffer<i32>,
    n: u8,
) -> Option<T> {
    let same = |k: &arrow_buffer::OffsetBuffer<i32>| {
        k.inner().inner().ptr_eq(o.inner().inner()) && k.len() == o.len()
    };
    cache.with(|t| {
        t.borrow()
            .iter()
            .find(|(k, m, _)| *m == n && same(k))
            .map(|(_, _, v)| v.clone())
    })
}

/// The tuple offsets of an enumerated combination and the members of its picked tuples.
type Enumerated = (
    Arc<CombinedTuples>,
    std::rc::Rc<std::cell::RefCell<super::sums::Found>>,
);

thread_local! {
    /// Collections given Cartesian components during one evaluation (keys are kept alive, so
    /// pointer identity is sound).
    static GATHERED: std::cell::RefCell<Vec<(Arc<Col>, Arc<Col>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
    /// Particles' Cartesian components computed during one evaluation (keys kept alive).
    static PARTS: std::cell::RefCell<Vec<(Arc<Col>, [arrow_buffer::ScalarBuffer<f64>; 4])>> =
        const { std::cell::RefCell::new(Vec::new()) };
    /// Combinations enumerated during one evaluation, by their lists' offsets (kept alive)
    /// and `n`.
    static ENUMERATED: ByOffsets<Enumerated> = const { std::cell::RefCell::new(Vec::new()) };
    /// Combinations made during one evaluation, by their lists' offsets (kept alive) and `n`.
    static TUPLES: ByOffsets<Arc<CombinedTuples>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The fields of the tuples `t` of a combination: the items of each slot, as much of them as
/// `read` reads of that slot's field, or (`indices`) their local indices.
pub(super) fn tuple_fields(
    t: &CombinedTuples,
    names: &[String],
    items: &Col,
    offsets: &[i32],
    indices: bool,
    read: &Demand,
) -> Vec<(String, Col)> {
    let parents = if indices {
        kernels::parents(t.offsets.as_ref())
    } else {
        Vec::new()
    };
    names
        .iter()
        .zip(&t.slots)
        .map(|(name, slot)| {
            let c = if indices {
                Col::I64(kernels::local_positions(slot, &parents, offsets).into())
            } else {
                read.sub(name).keep(items).take(slot)
            };
            (name.clone(), c)
        })
        .collect()
}

/// `combinations` (or, `indices`, `argcombinations`) of the lists `input`, its records read as
/// `read`; with `stash`, also what the chains of sums over it need ([`super::sums`]).
pub(super) fn combinations(
    input: &Col,
    (n, names, indices): (u8, &[String], bool),
    read: &Demand,
    stash: bool,
) -> R<(Col, Option<Stash>)> {
    let what = if indices {
        "argcombinations"
    } else {
        "combinations"
    };
    let items_read = if indices {
        Demand::none()
    } else {
        names
            .iter()
            .fold(Demand::none(), |d, name| d.union(&read.sub(name)))
    };
    let (o, items) = gathered(input, what, &items_read)?;
    let t = tuples_of(&o, n)?;
    let fields = tuple_fields(&t, names, &items, &o, indices, read);
    let len = t.slots.first().map_or(0, Vec::len);
    let value = Col::List(t.offsets.clone(), Arc::new(Col::record(len, fields)));
    let kept = if stash {
        // The components the sums read: those the gather already carries, else computed for
        // every particle (a whole-buffer pass; those of lists too short to combine go unused).
        let parts = if super::vector::carries_cartesian(&items) {
            super::vector::parts(&items)?
        } else {
            particle_parts(&list_parts(input, what)?.1)?
        };
        let combined = super::sums::Combined {
            lists: input.clone(),
            offsets: o.clone(),
            n: n as usize,
        };
        Some(Stash {
            parts,
            tuples: t,
            combined: Some(combined),
            found: Default::default(),
        })
    } else {
        None
    };
    Ok((value, kept))
}

/// What the readers of an enumerated `n`-combination of the lists `input` need
/// ([`super::best::Bests::enumerated`]): the tuples' offsets without their slots, the lists,
/// and the particles' components when chains sum them (`sums`). The offsets and the members
/// of picked tuples depend on the lists' offsets alone: they are made once per evaluation and
/// shared by the fused bodies that copy the combination (ADL Q6's pick, its pT and its
/// b-tags), so that the picked tuples' members are found once.
pub(super) fn enumerated(input: &Col, n: u8, sums: bool) -> R<Stash> {
    let (o, items) = list_parts(input, "combinations")?;
    let (tuples, found) = match by_offsets(&ENUMERATED, &o, n) {
        Some(shared) => shared,
        None => {
            let offsets = kernels::combination_offsets(&o, n as usize)?;
            let tuples = Arc::new(CombinedTuples {
                offsets: arrow_buffer::OffsetBuffer::new(offsets.into()),
                slots: Vec::new(),
            });
            let shared = (tuples, std::rc::Rc::default());
            ENUMERATED.with(|t| t.borrow_mut().push((o.clone(), n, shared.clone())));
            shared
        }
    };
    let parts = if sums {
        particle_parts(&items)?
    } else {
        std::array::from_fn(|_| arrow_buffer::ScalarBuffer::from(Vec::new()))
    };
    Ok(Stash {
        tuples,
        parts,
        combined: Some(super::sums::Combined {
            lists: input.clone(),
            offsets: o,
            n: n as usize,
        }),
        found,
    })
}
