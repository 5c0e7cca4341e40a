#!/usr/bin/env python3
"""Times uproot reading the given branches of a tree (single thread), best of N runs.

Usage: read_uproot.py FILE TREE RUNS BRANCH [BRANCH ...]
Prints one line: `seconds: <best wall seconds>`.
"""
import sys
import time

import uproot


def main():
    path, tree, runs, branches = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        with uproot.open(path) as f:
            arrays = f[tree].arrays(branches, library="ak")
        best = min(best, time.perf_counter() - t0)
        del arrays
    print(f"seconds: {best:.6f}")


if __name__ == "__main__":
    main()
