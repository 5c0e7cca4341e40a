"""rask for Python: awkward/dask-awkward-style lazy arrays and hist histograms, run by the
rask engine (Rust). Ports a coffea script by its imports::

    import rask as dak            # instead of dask_awkward
    import rask.hist as hda       # instead of dask_histogram
    events = rask.open("nano.root", tree="Events")   # instead of NanoEventsFactory...events()

Every call builds the plan; ``compute`` runs it in one pass over the files (the GIL released,
Ctrl-C cancels)."""

from . import _rask
from ._array import Array, Events
from ._functions import (
    all, any, argcombinations, argmax, argmin, argsort, cartesian, combinations, compute,
    concatenate, configure, count, count_nonzero, explain, fill_none, firsts, flatten, forget, from_awkward,
    local_index, max,
    mean, min, necessary_columns, num, open, open_fileset, persist, singletons, sort, sql, sum,
    unzip, values_astype, visualize, where, with_field, zip,
)
from ._rask import ExecError, LocalCluster, NoSuchFieldError, OpenError, PlanError, RaskError
from . import hist

__all__ = [
    "Array", "Events", "ExecError", "LocalCluster", "NoSuchFieldError", "OpenError", "PlanError", "RaskError",
    "all", "any", "argcombinations", "argmax", "argmin", "argsort", "cartesian", "combinations",
    "compute", "concatenate", "configure", "count", "count_nonzero", "explain", "fill_none",
    "firsts", "flatten", "forget", "from_awkward", "hist", "local_index", "max", "mean", "min", "necessary_columns", "num",
    "open", "open_fileset", "persist", "physical_plan", "singletons", "sort", "sql", "sum",
    "unzip", "values_astype", "visualize", "where", "with_field", "zip",
]


def physical_plan(*objects):
    """The physical plan (DataFusion operators) that computing the objects runs."""
    from .hist import Hist as _Hist

    nodes = []
    for o in objects:
        nodes.extend(o._nodes() if isinstance(o, _Hist) else [o._e])
    return _rask.physical_plan(nodes)
