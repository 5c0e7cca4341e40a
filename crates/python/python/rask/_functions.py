"""awkward's and dask-awkward's functions over lazy rask arrays (``import rask as dak``)."""

from __future__ import annotations

import json

from . import _rask
from ._array import Array, Events, operand


def _one(axis, name, allowed=(1, -1)):
    if axis not in allowed:
        raise NotImplementedError(f"{name}(axis={axis!r}): rask has axis={allowed[0]} here")


def open(paths, tree="Events", label="events"):
    """The events of ROOT or Parquet files (one path or a list) as a lazy frame, like coffea's
    ``NanoEventsFactory.from_root(...).events()``."""
    if isinstance(paths, (str, bytes)) or hasattr(paths, "__fspath__"):
        paths = [paths]
    src, entries = _rask.open([str(p) for p in paths], tree, label)
    return Events(src, entries=entries)


def open_fileset(path, label="events"):
    """A fileset (coffea's JSON form) as one lazy frame with ``dataset`` and metadata fields."""
    src, entries = _rask.open_fileset(str(path), label)
    return Events(src, entries=entries)


def num(x, axis=1):
    """The length of every event's list (``axis=1``), or of the whole array (``axis=0``)."""
    if axis == 0:
        return Array(x._e.reduce("count", None)) if x._k().get("depth", 0) == 0 else Array(
            x._e.num().reduce("count", None))
    _one(axis, "num")
    return Array(x._e.num())


def concatenate(arrays, axis=0):
    """The lists of every event joined (``axis=1``); records keep their common fields."""
    if axis not in (1, -1):
        raise NotImplementedError(
            "rask concatenates lists within events (axis=1); events themselves come from files")
    arrays = list(arrays)
    e = arrays[0]._e
    for a in arrays[1:]:
        e = e.concatenate(a._e)
    return Array(e)


def combinations(x, n, axis=1, fields=None, replacement=False, with_name=None):
    """The n-tuples (i < j < ...) of every event's list, as records (fields ``"0"``, ... or
    ``fields``)."""
    _one(axis, "combinations")
    if replacement:
        raise NotImplementedError("combinations(replacement=True)")
    return Array(x._e.combinations(n, fields))


def argcombinations(x, n, axis=1, fields=None, replacement=False, with_name=None):
    """The indices of :func:`combinations`."""
    _one(axis, "argcombinations")
    if replacement:
        raise NotImplementedError("argcombinations(replacement=True)")
    return Array(x._e.argcombinations(n, fields))


def cartesian(arrays, axis=1, nested=False):
    """All pairs of two lists per event (``nested=True``: a list per item of the first)."""
    _one(axis, "cartesian")
    if isinstance(arrays, dict):
        names, arrays = list(arrays), list(arrays.values())
    else:
        names, arrays = None, list(arrays)
    if len(arrays) != 2:
        raise NotImplementedError("cartesian of two arrays")
    return Array(arrays[0]._e.cartesian(arrays[1]._e, names, bool(nested)))


def argmin(x, axis=1, keepdims=False):
    """The index of every event's first minimum (missing for an empty list; with
    ``keepdims``, a list of zero or one index)."""
    _one(axis, "argmin")
    return Array(x._e.argmin(keepdims))


def argmax(x, axis=1, keepdims=False):
    """The index of every event's first maximum (see :func:`argmin`)."""
    _one(axis, "argmax")
    return Array(x._e.argmax(keepdims))


def singletons(x, axis=0):
    """Per event, a missing value as an empty list and a value as a list of one."""
    _one(axis, "singletons", allowed=(0, -1) if x.ndim == 1 else (0,))
    return Array(x._e.singletons())


def firsts(x, axis=1):
    """The first item of every event's list (missing for an empty one)."""
    _one(axis, "firsts")
    return Array(x._e.firsts())


def local_index(x, axis=-1):
    """0, 1, ... along every event's list."""
    return Array(x._e.local_index())


def flatten(x, axis=1):
    """The lists' items, one after another (``axis=None``: until no list is left)."""
    if axis is None:
        e = x._e
        while e.kind().get("depth", 0) > 0:
            e = e.flatten()
        return Array(e)
    _one(axis, "flatten")
    return Array(x._e.flatten())


def zip(arrays, depth_limit=None, with_name=None):
    """A record of the arrays (a dict's keys, or ``"0"``, ``"1"``, ... for a list)."""
    if isinstance(arrays, dict):
        names, values = list(arrays), list(arrays.values())
    else:
        values = list(arrays)
        names = [str(i) for i in range(len(values))]
    return Array(_rask.zip(names, [v._e for v in values]))


def unzip(x):
    """The fields of a record, in order."""
    return tuple(x[f] for f in x.fields)


def with_field(base, what, where):
    """``base`` with field ``where`` set to ``what``."""
    return Array(base._e.with_field(where, operand(what)))


def where(condition, x, y):
    """``x`` where ``condition``, else ``y``, element by element."""
    return Array(_rask.where(condition._e, operand(x), operand(y)))


def fill_none(x, value, axis=-1):
    """Missing values replaced by ``value``."""
    return Array(x._e.fill_none(operand(value)))


def values_astype(x, to):
    return Array(x._e.cast(getattr(to, "__name__", str(to))))


def sort(x, axis=-1, ascending=True, stable=True):
    return Array(x._e.sort(bool(ascending)))


def argsort(x, axis=-1, ascending=True, stable=True):
    return Array(x._e.argsort(bool(ascending)))


def _reducer(op):
    def f(x, axis=None, keepdims=False, mask_identity=False):
        if keepdims:
            raise NotImplementedError(f"{op}(keepdims=True)")
        if not isinstance(x, Array):
            raise TypeError(f"{op} of a {type(x).__name__}")
        depth = x._k().get("depth", 0)
        if axis is None:
            return Array(x._e.reduce(op, None))
        if axis == -1:
            axis = depth
        if axis not in (1, 2):
            raise NotImplementedError(f"{op}(axis={axis}): rask reduces per event (1) or inner list (2)")
        return Array(x._e.reduce(op, axis))

    f.__name__ = op
    f.__doc__ = f"The {op} over everything (``axis=None``), per event (1) or per inner list (2)."
    return f


sum = _reducer("sum")
mean = _reducer("mean")
min = _reducer("min")
max = _reducer("max")
count = _reducer("count")
any = _reducer("any")
all = _reducer("all")


def count_nonzero(x, axis=None):
    return sum(x != 0, axis=axis)


def _addresses(workers):
    """Worker addresses from a list of ``HOST:PORT`` or a :class:`LocalCluster`."""
    if workers is None:
        return None
    if hasattr(workers, "addresses"):
        return list(workers.addresses)
    if isinstance(workers, str):
        return [w.strip() for w in workers.split(",") if w.strip()]
    return [str(w) for w in workers]


def configure(threads=None, partition_entries=None, memory_limit=None, workers=None):
    """Sets the engine's threads (1: one thread), entries per partition and memory limit, and
    the workers (``HOST:PORT`` list or a :class:`LocalCluster`; ``[]``: this machine) that
    later computations run on."""
    _rask.configure(threads, partition_entries, memory_limit, _addresses(workers))


def compute(*objects, scheduler=None, workers=None):
    """Computes every object in one pass over the files: histograms as ``hist.Hist``, per-event
    values as awkward arrays, arrays as numpy arrays, reductions as numbers. ``workers`` (a
    ``HOST:PORT`` list or a :class:`LocalCluster`) runs it on cluster workers; otherwise those
    of :func:`configure`, or this machine (``scheduler="sync"|"threads"``)."""
    from .hist import Hist

    exprs, slots = [], []
    for o in objects:
        if isinstance(o, Hist):
            nodes = o._nodes()
            slots.append(("hist", o, len(nodes)))
            exprs.extend(nodes)
        elif isinstance(o, Array):
            slots.append(("array", o, 1))
            exprs.append(o._e)
        else:
            raise TypeError(f"cannot compute a {type(o).__name__}")
    outputs = _rask.compute(exprs, scheduler, _addresses(workers))
    results, at = [], 0
    for kind, o, n in slots:
        part = outputs[at:at + n]
        at += n
        results.append(o._finish(part) if kind == "hist" else _value(part[0]))
    return tuple(results)


def _value(out):
    """A computed output as a Python value."""
    if isinstance(out, tuple) and out[0] in ("events", "array"):
        import pyarrow as pa

        table = pa.table(out[1])  # the Arrow PyCapsule interface: the engine's buffers, no copy
        values = table.column("values").combine_chunks()
        if out[0] == "array":
            return values.to_numpy(zero_copy_only=False).reshape(out[2])
        try:
            import awkward as ak
        except ImportError as e:
            raise ImportError("per-event values come back as awkward arrays: pip install awkward") from e
        return ak.from_arrow(values)
    if isinstance(out, tuple) and out[0] == "hist":
        return json.loads(out[1])
    return out


def persist(x):
    """Computes ``x`` once; later computations read it back instead of recomputing it."""
    return x.persist()


def necessary_columns(*objects):
    """The branches every source must read to compute the objects."""
    from .hist import Hist

    cols = {}
    for o in objects:
        nodes = o._nodes() if isinstance(o, Hist) else [o._e]
        for e in nodes:
            for src, names in e.necessary_columns().items():
                cols.setdefault(src, set()).update(names)
    return {k: sorted(v) for k, v in cols.items()}


def visualize(x, filename="rask-plan.svg", optimize_graph=False):
    """Draws the plan of ``x`` (SVG, or DOT for ``.dot``), before or after optimisation."""
    return x.visualize(filename, optimize_graph)


def explain(x):
    """The plan of ``x`` before and after optimisation, as text."""
    return x.explain()


def sql(query, **tables):
    """Runs rask's SQL over frames opened with :func:`open` (``events=events``); returns the
    histograms it defines by name, computed."""
    named = _rask.sql(query, **{k: v._src if isinstance(v, Events) else v._e for k, v in tables.items()})
    outputs = _rask.compute([e for _, e in named], None)
    from .hist import _to_hist

    result = {}
    for (name, _), out in _pairs(named, outputs):
        result[name] = _to_hist(out[1], None) if isinstance(out, tuple) and out[0] == "hist" else _value(out)
    return result


def _pairs(*a):
    import builtins

    return builtins.zip(*a)


def from_awkward(array, path=None, label="events"):
    """An awkward array of events (one record per event: ``{"Muon": [{pt, eta, ...}], "MET":
    {...}}``) as a lazy events frame. The columns go to the engine in memory, through Arrow
    (no file is written; the engine keeps them until :func:`forget` or the end of the
    process); with ``path``, they are written to that Parquet file and opened from it."""
    import awkward as ak

    # NanoAOD's flat form, which rask's readers group back into collections: a list of
    # records `Muon` becomes the lists `Muon_pt`, ... (and the counter `nMuon`), a record `MET`
    # the numbers `MET_pt`, ...
    columns = {}
    for name in array.fields:
        value = array[name]
        fields = ak.fields(value)
        if fields and value.ndim > 1:
            columns[f"n{name}"] = ak.num(value, axis=1)
        for f in fields:
            columns[f"{name}_{f}"] = value[f]
        if not fields:
            columns[name] = value
    flat = ak.zip(columns, depth_limit=1)
    if path is not None:
        ak.to_parquet(flat, path)
        return open(path, tree="Events", label=label)
    table = ak.to_arrow_table(flat, list_to32=True, extensionarray=False)
    # Through the Arrow PyCapsule interface: the engine reads pyarrow's buffers, no copy.
    name = _rask.register_arrow(table, label)
    return open(name, tree="Events", label=label)


def forget(x):
    """Releases the columns in memory that a frame or array reads (made by
    :func:`from_awkward`): what reads them can no longer be computed afterwards. Whether there
    was anything to release."""
    expr = x._src if isinstance(x, Events) else x._e
    released = [_rask.unregister(p) for p in expr.source_paths() if p.startswith("memory:")]
    return True in released  # (`any` is rask.any here)
