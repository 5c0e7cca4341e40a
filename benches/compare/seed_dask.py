#!/usr/bin/env python3
"""The seed's dask code: x, y, z normals; A: pos = x > 0; w = y[pos] + z[pos];
B: w = y[x > 0] + z[x > 0]; C: w = (x + y + z)[x > 0]. Times w.compute() with the threads scheduler.

Usage: seed_dask.py VARIANT SCHEDULER N CHUNK   (SCHEDULER: sync|threads)
Prints `len: <len(w)>` and `seconds: <wall seconds of compute>`.
"""
import sys
import time

import dask
import dask.array as da


def main():
    variant, scheduler, n, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = da.random.default_rng(1)
    x = rng.normal(size=n, chunks=chunk)
    y = rng.normal(size=n, chunks=chunk)
    z = rng.normal(size=n, chunks=chunk)
    if variant == "A":
        pos = x > 0
        w = y[pos] + z[pos]
    elif variant == "B":
        w = y[x > 0] + z[x > 0]
    else:
        w = (x + y + z)[x > 0]
    t0 = time.perf_counter()
    out = w.compute(scheduler="sync" if scheduler == "sync" else "threads")
    print(f"len: {len(out)}")
    print(f"seconds: {time.perf_counter() - t0:.6f}")


if __name__ == "__main__":
    main()
