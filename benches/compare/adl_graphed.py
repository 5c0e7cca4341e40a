#!/usr/bin/env python3
"""The eight ADL queries in graphed + graphed-histogram (hist.graphed), for `benches/adl.rs`.

The query code (adl_lazy.py, from ../shared/adl/reference.py) runs on a deferred graphed array read with
uproot.graphed, spelled with graphed's `gak` functions (reference's kinematics record through
awkward's dispatch); histograms are hist.graphed.Hist, exported as one plan per query (gh.plan)
over partitions of --step entries, and run by graphed-executors' ProcessPoolExecutor with N spawned
worker processes (--threads N > 1) or by graphed's in-process SequentialRunner (--threads 1).
The pool is spawned once, outside the timings, by a warm-up plan, and kept for all queries; a plan
with fewer partitions than workers (a file under N x --step events) respawns a smaller pool.
FILE is a ROOT file: graphed.awkward.from_parquet reads a whole file per partition.

Usage: adl_graphed.py FILE [--threads N] [--only q1,q5] [--outdir DIR] [--step 200000]
Prints one line per query: `<name> <seconds> <events>` (opening the file, recording, planning and
running the query); the event count is the sum of the plan's partition ranges.
"""

import operator
import os
import sys
import time

import graphed_histogram as gh
import hist.graphed
import uproot
from graphed.awkward import gak
from graphed.core import Partition, Plan, Task
from graphed.core.execution import SequentialRunner
from graphed_executors.local import ProcessPoolExecutor
from uproot._graphed import graphed_partitions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from adl_lazy import arguments, hist_of, queries, reference, write_values  # noqa: E402  (the queries, shared with dask)


def open_events(path, step, columns):
    """The deferred events and the partitions (entry ranges of `step` events) to run them on."""
    files = {path: "Events"}
    return uproot.graphed(files, filter_name=columns), graphed_partitions(files, step_size=step)


def _warm(partition, resources):
    """The warm-up plan's task: spawning a worker imports this script (awkward, uproot, graphed)."""
    return 0


def run(runner, a):
    for q in a.only.split(","):
        t0 = time.perf_counter()
        ev, parts = open_events(a.file, a.step, reference.BRANCHES[q])
        hs = {}
        for name, values in queries(ev, q, gak, gak.zeros_like, gak.ones_like).items():
            h = hist_of(name, hist.graphed.Hist)
            h.fill(values)
            hs[name] = h
        plan = gh.plan(hs, partitions=parts)
        out = gh.unpack(runner.run(plan).value)
        dt = time.perf_counter() - t0
        events = sum(t.partition.entry_stop - t.partition.entry_start for t in plan.tasks)
        print(f"{q} {dt:.6f} {events}", flush=True)
        if a.outdir:
            write_values(a.outdir, {name: out[name] for name in hs})


def main():
    a = arguments()
    if a.threads == 1:
        run(SequentialRunner(), a)
        return
    with ProcessPoolExecutor(max_workers=a.threads, persistent=True) as pool:
        pool.run(Plan(process=_warm, combine=operator.add, empty=int,
                      tasks=tuple(Task(i, Partition("warm", "", i, i + 1))
                                  for i in range(a.threads))))
        run(pool, a)


if __name__ == "__main__":
    main()
