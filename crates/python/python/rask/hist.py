"""Lazy histograms with hist's builder (``import rask.hist as hda``, as dask_histogram's
``hda``): ``hda.Hist.new.Reg(100, 0, 200, name="mt", label="...").Double().fill(x)``;
``.compute()`` gives a real ``hist.Hist``."""

from __future__ import annotations

import json

from . import _rask
from ._array import Array, operand

__all__ = ["Hist"]


class _Axis:
    def __init__(self, spec, name, label):
        self.spec, self.name, self.label = spec, name or "", label or ""

    def plan(self):
        """The axis as the plan takes it (its label: the label, else the name)."""
        return self.spec + (self.label or self.name,)


def _plain(flow=True, underflow=None, overflow=None, growth=False, circular=False,
           transform=None, **_):
    if flow is not True or underflow is False or overflow is False:
        raise NotImplementedError("rask histograms always keep their flow bins")
    if growth or circular or transform is not None:
        raise NotImplementedError("growing, circular or transformed axes")


class QuickConstruct:
    """hist's ``Hist.new``: axes added one by one, then the storage."""

    def __init__(self, axes=()):
        self._axes = list(axes)

    def _with(self, axis):
        return QuickConstruct(self._axes + [axis])

    def Reg(self, bins, start, stop, *, name="", label="", **kw):
        _plain(**kw)
        return self._with(_Axis(("regular", int(bins), float(start), float(stop)), name, label))

    Regular = Reg

    def Var(self, edges, *, name="", label="", **kw):
        _plain(**kw)
        return self._with(_Axis(("variable", [float(e) for e in edges]), name, label))

    Variable = Var

    def Int(self, start, stop, *, name="", label="", **kw):
        _plain(**kw)
        return self._with(_Axis(("integer", int(start), int(stop)), name, label))

    Integer = Int

    def IntCat(self, categories, *, name="", label="", growth=False):
        _plain(growth=growth)
        return self._with(_Axis(("intcat", [int(c) for c in categories]), name, label))

    IntCategory = IntCat

    def StrCat(self, categories, *, name="", label="", growth=False):
        _plain(growth=growth)
        return self._with(_Axis(("strcat", [str(c) for c in categories]), name, label))

    StrCategory = StrCat

    def Bool(self, *, name="", label=""):
        return self._with(_Axis(("boolean",), name, label))

    Boolean = Bool

    def Double(self):
        return Hist(*self._axes, storage="double")

    def Int64(self):
        return Hist(*self._axes, storage="int")

    AtomicInt64 = Int64

    def Weight(self):
        return Hist(*self._axes, storage="weight")

    def _unsupported(self, *a, **k):
        raise NotImplementedError("rask histograms store Double, Int64 or Weight")

    Mean = WeightedMean = Unlimited = _unsupported


class _New:
    def __get__(self, obj, owner):
        return QuickConstruct()


class Hist:
    """A lazy histogram: every ``fill`` adds one node to the plan; ``compute`` runs them all in
    one pass and returns their sum as a ``hist.Hist``."""

    new = _New()

    def __init__(self, *axes, storage="double"):
        if not axes:
            raise TypeError("a histogram needs at least one axis")
        self._axes = list(axes)
        self._storage = storage
        self._fills = []

    @property
    def ndim(self):
        return len(self._axes)

    def fill(self, *args, weight=None, sample=None, threads=None, **by_name):
        """Adds a fill of one value per axis (positionally or by axis name) and an optional
        weight; returns the histogram."""
        if sample is not None:
            raise NotImplementedError("fill(sample=...)")
        if by_name:
            names = [a.name for a in self._axes]
            unknown = [k for k in by_name if k not in names]
            if unknown:
                raise TypeError(f"no axis named {unknown[0]!r} (axes: {names})")
            args = list(args) + [by_name[n] for n in names[len(args):] if n in by_name]
        if len(args) != len(self._axes):
            raise TypeError(f"fill takes {len(self._axes)} value(s), one per axis; got {len(args)}")
        if weight is not None and self._storage == "int":
            raise TypeError("an Int64 histogram takes no weights: use Weight() or Double()")
        values = []
        for a in args:
            if not isinstance(a, Array):
                raise TypeError(f"fill takes rask arrays, not {type(a).__name__}")
            values.append(a._e)
        w = None if weight is None else operand(weight)
        self._fills.append(
            _rask.hist([a.plan() for a in self._axes], self._storage, values, w))
        return self

    def _nodes(self):
        if not self._fills:
            raise ValueError("compute of a histogram that was never filled")
        return list(self._fills)

    def _finish(self, outputs):
        total = None
        for out in outputs:
            h = _to_hist(out[1], self._axes)
            total = h if total is None else total + h
        return total

    def compute(self, scheduler=None, workers=None):
        """The filled ``hist.Hist`` (every fill computed in one pass)."""
        from ._functions import compute

        return compute(self, scheduler=scheduler, workers=workers)[0]

    def explain(self):
        return "\n".join(e.explain() for e in self._nodes())

    def visualize(self, filename="rask-plan.svg", optimize_graph=False):
        self._nodes()[0].visualize(str(filename), optimize_graph)
        return filename

    def necessary_columns(self):
        from ._functions import necessary_columns

        return necessary_columns(self)

    def __repr__(self):
        return f"<rask.hist.Hist {len(self._axes)} axes, {len(self._fills)} fill(s), lazy>"


def _to_hist(text, axes):
    """A ``hist.Hist`` from rask's UHI JSON, with the builder's axis names and labels."""
    import hist
    import uhi.io.json

    d = json.loads(text, object_hook=uhi.io.json.object_hook)
    if axes is not None:
        for ax, spec in zip(d["axes"], axes):
            ax["metadata"] = {"name": spec.name or spec.label, "label": spec.label or spec.name}
    return hist.Hist(d)
