#!/usr/bin/env python3
"""The eight ADL queries in dask-awkward + dask-histogram (hist.dask), for `benches/adl.rs`.

The query code (adl_lazy.py, from ../shared/adl/reference.py) runs on dask-awkward collections read with
uproot.dask (ROOT) or dask_awkward.from_parquet; histograms are hist.dask.Hist; everything is
computed with dask's threads scheduler.

Usage: adl_dask.py FILE [--threads N] [--only q1,q5] [--outdir DIR] [--step 200000]
Prints one line per query: `<name> <seconds> <events>` (graph building and compute).
"""

import os
import sys
import time

import dask
import dask_awkward as dak
import hist.dask

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from adl_lazy import arguments, hist_of, queries, reference, write_values  # noqa: E402  (the queries, shared with graphed)


def open_events(path, step, columns):
    if path.endswith(".parquet"):
        return dak.from_parquet(path, columns=columns, split_row_groups=True)
    import uproot
    return uproot.dask({path: "Events"}, step_size=step, filter_name=columns)


def main():
    a = arguments()
    for q in a.only.split(","):
        t0 = time.perf_counter()
        ev = open_events(a.file, a.step, reference.BRANCHES[q])
        hs = {}
        for name, values in queries(ev, q, dak, lambda c: c * 0, lambda c: c * 0 + 1).items():
            h = hist_of(name, hist.dask.Hist)
            h.fill(values)
            hs[name] = h
        events = dak.num(ev, axis=0)
        out = dask.compute(*hs.values(), events, scheduler="threads", num_workers=a.threads)
        dt = time.perf_counter() - t0
        print(f"{q} {dt:.6f} {int(out[-1])}", flush=True)
        if a.outdir:
            write_values(a.outdir, dict(zip(hs, out[:-1])))


if __name__ == "__main__":
    main()
