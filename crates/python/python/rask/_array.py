"""Lazy arrays with awkward's spellings: every operation adds a node to a rask plan (in Rust);
nothing runs until ``compute``."""

from __future__ import annotations

import numpy as np

from . import _rask
from ._rask import NoSuchFieldError

__all__ = ["Array", "Events", "operand"]


def operand(x):
    """The rask operand of ``x``: an Array's node, or a Python/numpy number or boolean."""
    if isinstance(x, Array):
        return x._e
    if isinstance(x, Events):
        raise TypeError("a whole events frame is not a value: take one of its fields")
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, (bool, int, float)):
        return x
    raise TypeError(f"a {type(x).__name__} cannot be used in a rask expression")


def _binary(op, reflected=False):
    def method(self, other):
        try:
            o = operand(other)
        except TypeError:
            return NotImplemented
        return Array(self._e.binary(op, o, reflected))

    method.__name__ = f"__{'r' if reflected else ''}{op}__"
    return method


# numpy ufuncs: one-argument and two-argument ones with a rask operation.
_UNARY = {
    "absolute": "abs", "fabs": "abs", "negative": "neg", "sqrt": "sqrt", "exp": "exp",
    "log": "log", "sin": "sin", "cos": "cos", "tan": "tan", "arctan": "arctan",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "logical_not": "not", "invert": "not",
    "floor": "floor", "ceil": "ceil", "log10": "log10", "log2": "log2", "log1p": "log1p",
    "expm1": "expm1", "arcsin": "arcsin", "arccos": "arccos", "arcsinh": "arcsinh",
    "arccosh": "arccosh", "arctanh": "arctanh", "rint": "rint", "trunc": "trunc", "exp2": "exp2",
    "cbrt": "cbrt", "square": "square", "deg2rad": "deg2rad", "radians": "deg2rad",
    "rad2deg": "rad2deg", "degrees": "rad2deg", "sign": "sign",
}
_BINARY = {
    "add": "add", "subtract": "sub", "multiply": "mul", "true_divide": "div", "divide": "div",
    "power": "pow", "arctan2": "arctan2", "hypot": "hypot", "minimum": "minimum",
    "maximum": "maximum", "equal": "eq", "not_equal": "ne", "less": "lt", "less_equal": "le",
    "greater": "gt", "greater_equal": "ge", "logical_and": "and", "bitwise_and": "and",
    "logical_or": "or", "bitwise_or": "or", "logical_xor": "ne", "fmod": "fmod",
}


class Array:
    """A lazy array (per-event values, jagged lists, records) or a lazy number."""

    __array_priority__ = 1000  # numpy defers to our operators

    def __init__(self, expr, entries=None):
        self._e = expr
        self._kind = None
        # The number of events, when known: a frame's field (and fields of it) before any cut,
        # so x[-n:] counts from the end.
        self._entries = entries

    # -- what it is --------------------------------------------------------------------------
    def _k(self):
        if self._kind is None:
            self._kind = self._e.kind()
        return self._kind

    @property
    def fields(self):
        return list(self._k().get("fields", []))

    @property
    def ndim(self):
        return self._k().get("depth", 0) + 1

    @property
    def type(self):
        return self._e.type_text()

    def __repr__(self):
        return f"<rask.Array {self._e.describe()} type='{self._e.type_text()}'>"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.fields))

    # -- fields and items --------------------------------------------------------------------
    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        k = self._k()
        if k.get("record") and name not in k["fields"] and name in ("mass", "pt", "eta", "phi"):
            return Array(self._e.lorentz(name), self._entries)
        # NoSuchFieldError is an AttributeError
        return Array(self._e.field(name), self._entries)

    def __getitem__(self, where):
        if isinstance(where, str):
            return Array(self._e.field(where), self._entries)
        if isinstance(where, list) and where and all(isinstance(w, str) for w in where):
            return Array(_rask.zip(where, [self._e.field(w) for w in where]), self._entries)
        if isinstance(where, tuple):
            if all(isinstance(w, str) for w in where):
                e = self._e
                for w in where:
                    e = e.field(w)
                return Array(e, self._entries)
            if len(where) == 2 and where[0] == slice(None):
                return self._inner(where[1])
            raise NotImplementedError(f"rask arrays take x[:, k] and x[:, a:b], not x[{where!r}]")
        if isinstance(where, Array):
            k = where._k()
            if k.get("dtype") == "bool":
                return Array(self._e.mask(where._e))
            return Array(self._e.take(where._e))
        if isinstance(where, slice):
            entries = self._entries
            if entries is None and self._e.why_not_per_source_event() is not None:
                # Values of a cut (or using values of all events): positions among the
                # computed values, sliced from them (what follows must keep the events).
                if where.step not in (None, 1):
                    raise NotImplementedError("events are sliced with step 1 (x[a:b])")
                start, stop = (_position(b) for b in (where.start, where.stop))
                return Array(self._e.rows(start or 0, stop))
            if entries is None and any(
                    isinstance(b, (int, np.integer)) and b < 0 for b in (where.start, where.stop)):
                # Per event of the source: negative positions count back from its entries.
                entries, _ = self._e.source_entries()
            start, stop, kept = _entry_bounds(where, entries)
            return Array(self._e.slice_entries(start, stop), kept)
        if isinstance(where, (int, np.integer)):
            raise NotImplementedError(
                "rask arrays are lazy over all events: select events with a mask or a "
                "slice (x[a:b]), items of lists with x[:, k]"
            )
        raise TypeError(f"cannot index a rask array with {type(where).__name__}")

    def _inner(self, w):
        """``x[:, w]``: item ``k``, a slice of items, or a field of every item."""
        if isinstance(w, (int, np.integer)) and not isinstance(w, bool):
            return Array(self._e.index(int(w)))
        if isinstance(w, str):
            return Array(self._e.field(w))
        if isinstance(w, slice) and w.step in (None, 1):
            idx = self._e.local_index()
            n = self._e.num()
            keep = None
            for bound, op in ((w.start, "ge"), (w.stop, "lt")):
                if bound is None:
                    continue
                b = idx.binary(op, int(bound)) if bound >= 0 else idx.binary(
                    op, n.binary("add", int(bound)))
                keep = b if keep is None else keep.binary("and", b)
            return self if keep is None else Array(self._e.mask(keep))
        if isinstance(w, Array):
            return self[w]
        raise NotImplementedError(f"rask arrays take x[:, k] and x[:, a:b], not x[:, {w!r}]")

    def __setitem__(self, where, value):
        path = (where,) if isinstance(where, str) else tuple(where)
        if not path or not all(isinstance(p, str) for p in path):
            raise TypeError("fields are set by name: x['f'] = ... or x['a', 'b'] = ...")
        self._e = _set_path(self._e, path, operand(value))
        self._kind = None

    # -- operators ---------------------------------------------------------------------------
    def __add__(self, other):
        if isinstance(other, Array) and self._k().get("record") and other._k().get("record"):
            return Array(self._e.lorentz("add", other._e))
        return _binary("add")(self, other)

    __radd__ = _binary("add", True)
    __sub__ = _binary("sub")
    __rsub__ = _binary("sub", True)
    __mul__ = _binary("mul")
    __rmul__ = _binary("mul", True)
    __truediv__ = _binary("div")
    __rtruediv__ = _binary("div", True)
    __pow__ = _binary("pow")
    __rpow__ = _binary("pow", True)
    __eq__ = _binary("eq")
    __ne__ = _binary("ne")
    __lt__ = _binary("lt")
    __le__ = _binary("le")
    __gt__ = _binary("gt")
    __ge__ = _binary("ge")
    __and__ = _binary("and")
    __rand__ = _binary("and", True)
    __or__ = _binary("or")
    __ror__ = _binary("or", True)
    __xor__ = _binary("ne")
    __rxor__ = _binary("ne", True)
    __hash__ = None

    def __mod__(self, other):
        return _remainder(self, other)

    def __rmod__(self, other):
        return _remainder(Array(_literal_like(self, other)), self)

    def __neg__(self):
        return Array(self._e.unary("neg"))

    def __pos__(self):
        return self

    def __abs__(self):
        return Array(self._e.unary("abs"))

    def __invert__(self):
        return Array(self._e.unary("not"))

    def __bool__(self):
        raise TypeError("a rask array has no truth value until computed (use & | ~ for masks)")

    def __len__(self):
        raise TypeError("the length of a lazy rask array is unknown until computed")

    def __iter__(self):
        raise TypeError("a lazy rask array cannot be iterated (compute it first)")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs.get("out") is not None:
            return NotImplemented
        name = ufunc.__name__
        if len(inputs) == 1:
            (x,) = inputs
            if name == "positive":
                return x
            if name == "square":
                return x * x
            if name == "reciprocal":
                return 1.0 / x
            # Classification as comparisons, exact under IEEE 754 (NaN is unequal to itself and
            # not below infinity).
            if name == "isnan":
                return x != x
            if name == "isinf":
                return abs(x) == np.inf
            if name == "isfinite":
                return abs(x) < np.inf
            if name in _UNARY:
                return Array(x._e.unary(_UNARY[name]))
        elif len(inputs) == 2:
            a, b = inputs
            if name in ("remainder", "mod"):
                return _remainder(a if isinstance(a, Array) else Array(_literal_like(b, a)), b)
            if name in _BINARY:
                if isinstance(a, Array):
                    return Array(a._e.binary(_BINARY[name], operand(b)))
                return Array(b._e.binary(_BINARY[name], operand(a), True))
        raise NotImplementedError(f"np.{name} has no rask operation")

    def __array_function__(self, func, types, args, kwargs):
        from . import _functions

        f = getattr(_functions, func.__name__, None)
        if f is None:
            return NotImplemented
        return f(*args, **kwargs)

    # -- vectors -----------------------------------------------------------------------------
    def delta_phi(self, other):
        return Array(self._e.lorentz("delta_phi", other._e))

    def delta_r(self, other):
        return Array(self._e.lorentz("delta_r", other._e))

    def mt(self, other):
        return Array(self._e.lorentz("mt", other._e))

    def add(self, other):
        return Array(self._e.lorentz("add", other._e))

    # -- verbs -------------------------------------------------------------------------------
    def compute(self, scheduler=None, workers=None):
        from ._functions import compute

        return compute(self, scheduler=scheduler, workers=workers)[0]

    def persist(self):
        return Array(_rask.persist(self._e))

    def explain(self):
        return self._e.explain()

    def visualize(self, filename="rask-plan.svg", optimize_graph=False):
        self._e.visualize(str(filename), optimize_graph)
        return filename

    def necessary_columns(self):
        return self._e.necessary_columns()


def _slice_events(e, start, stop):
    """``e`` over the events ``start:stop`` (non-negative) of its source: its entries when it is
    per event of the source, else its computed values (a value using all events keeps it)."""
    if e.why_not_per_source_event() is None:
        return e.slice_entries(start, stop)
    return e.rows(start, stop)


def _position(b):
    if b is not None and (not isinstance(b, (int, np.integer)) or isinstance(b, bool)):
        raise TypeError(f"events are sliced by integer positions, not {b!r}")
    return None if b is None else int(b)


def _entry_bounds(where, entries=None):
    """``(start, stop, kept)`` of ``x[start:stop]`` over events, step 1: ``kept`` events
    remain. With the number of ``entries`` known (frames from ``rask.open``), negative
    positions count from the end and both bounds are clipped to the entries, as Python slices
    do; without it they must be non-negative, and ``kept`` is None."""
    if where.step not in (None, 1):
        raise NotImplementedError("events are sliced with step 1 (x[a:b])")
    bounds = []
    for b in (where.start, where.stop):
        if b is not None and (not isinstance(b, (int, np.integer)) or isinstance(b, bool)):
            raise TypeError(f"events are sliced by integer positions, not {b!r}")
        if b is not None and b < 0 and entries is None:
            raise NotImplementedError(
                "negative positions count from the end of the events, known until they are "
                "cut: slice before cutting (events[-n:][mask]), or use x[a:b] with a, b >= 0")
        bounds.append(None if b is None else int(b))
    if entries is None:
        return bounds[0] or 0, bounds[1], None
    start, stop, _ = slice(*bounds).indices(entries)
    stop = max(start, stop)
    return start, stop, stop - start


def _literal_like(like, value):
    """The number ``value`` as a node of ``like``'s plan."""
    return like._e.binary("mul", 0).binary("add", operand(value))


def _remainder(a, b):
    """numpy's remainder (the sign of the divisor), from C's fmod."""
    r = Array(a._e.binary("fmod", operand(b)))
    bneg = (b < 0) if isinstance(b, Array) else bool(operand(b) < 0)
    fix = (r != 0) & ((r < 0) != bneg) if isinstance(bneg, Array) else (
        (r != 0) & ((r < 0) if not bneg else (r > 0)))
    return Array(_rask.where(fix._e, (r + b)._e, r._e))


def _set_path(e, path, value):
    if len(path) == 1:
        return e.with_field(path[0], value)
    return e.with_field(path[0], _set_path(e.field(path[0]), path[1:], value))


class Events:
    """The events of a source as a frame (as coffea's ``events``): fields are read lazily and
    cut by every mask applied since; ``events[mask]`` and ``events[a:b]`` (entries ``a..b`` of
    the files, only those read) are new frames, ``events['x'] = ...`` adds or replaces a field
    (``events['Muon', 'pdgId'] = ...`` one of a collection)."""

    def __init__(self, src, masks=(), over=None, entries=None):
        self._src = src
        self._masks = list(masks)
        self._over = dict(over or {})
        # The number of entries of the files (after any events[a:b]); None when not known.
        self._entries = entries

    def _get(self, name):
        if name in self._over:
            e, n = self._over[name]
            masks = self._masks[n:]
        else:
            e, masks = self._src.field(name), self._masks
        for m in masks:
            # A step is a mask, or ("rows", start, stop): events by position after a cut.
            e = e.rows(m[1], m[2]) if isinstance(m, tuple) else e.mask(m)
        return e

    @property
    def fields(self):
        base = list(self._src.kind().get("fields", []))
        return base + [f for f in self._over if f not in base]

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.fields))

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return Array(self._get(name), self._rows())

    def _rows(self):
        """The number of events of the frame's fields: its entries, until a cut."""
        return None if self._masks else self._entries

    def __getitem__(self, where):
        if isinstance(where, str):
            return Array(self._get(where), self._rows())
        if isinstance(where, tuple) and where and all(isinstance(w, str) for w in where):
            e = self._get(where[0])
            for w in where[1:]:
                e = e.field(w)
            return Array(e, self._rows())
        if isinstance(where, Array):
            k = where._k()
            if k.get("dtype") != "bool" or k.get("depth", 0) != 0:
                raise TypeError(
                    f"events are selected by one boolean per event, not {where.type}")
            return Events(self._src, self._masks + [where._e], self._over)
        if isinstance(where, slice):
            if self._masks and where != slice(None):
                # Positions among the events the cuts kept: known once computed, so the
                # computed values are sliced (what follows must keep the events).
                if where.step not in (None, 1):
                    raise NotImplementedError("events are sliced with step 1 (x[a:b])")
                bounds = [_position(b) for b in (where.start, where.stop)]
                step = ("rows", bounds[0] or 0, bounds[1])
                return Events(self._src, self._masks + [step], self._over)
            start, stop, kept = _entry_bounds(where, self._entries)
            if (start, stop) in ((0, None), (0, self._entries)):
                return self
            over = {k: (_slice_events(e, start, stop), n) for k, (e, n) in self._over.items()}
            return Events(self._src.slice_entries(start, stop), [], over, entries=kept)
        raise NotImplementedError(
            "events are selected with a boolean mask per event (events[mask]) or by "
            "position (events[a:b])")

    def __setitem__(self, where, value):
        path = (where,) if isinstance(where, str) else tuple(where)
        if not path or not all(isinstance(p, str) for p in path):
            raise TypeError("fields are set by name: events['x'] = ... or events['A', 'x'] = ...")
        value = operand(value)
        if not isinstance(value, _rask.Expr):
            raise TypeError("an events field must be an array, not a number")
        base = self._src.kind().get("fields", [])
        if len(path) == 1 and base and not value.same_events(self._get(base[0])):
            # (A field of a collection is checked by with_field.)
            raise ValueError(
                f"events[{path[0]!r}] = ...: the value has other events than the frame (it "
                "was computed before the frame's cuts or slices, or from another frame); "
                "compute it from this frame's fields")
        e = value if len(path) == 1 else _set_path(self._get(path[0]), path[1:], value)
        self._over[path[0]] = (e, len(self._masks))

    def __repr__(self):
        masks = f", {len(self._masks)} cut(s)" if self._masks else ""
        return f"<rask.Events {self._src.describe()}{masks}>"

    def __len__(self):
        raise TypeError("the number of events is unknown until computed")
