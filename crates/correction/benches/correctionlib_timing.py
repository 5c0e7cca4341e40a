#!/usr/bin/env python3
"""correctionlib's side of `cargo bench -p rask-correction --bench eval`.

    python correctionlib_timing.py FILE.json PT.f64 ETA.f64 RUNS OUTDIR NAME [NAME ...]

PT.f64 / ETA.f64 are raw little-endian float64 arrays written by benches/eval.rs. For each
correction NAME, times the vectorised call `corr.evaluate(pt, eta)` (one warm-up, then RUNS
timed calls, single-threaded as correctionlib evaluates), writes the last output to
OUTDIR/NAME.f64 so the Rust side can check both agree, and prints one line per correction:

    NAME seconds=S1,S2,...
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import correctionlib


def main(argv: list[str]) -> int:
    if len(argv) < 7:
        print(__doc__, file=sys.stderr)
        return 2
    path, pt_path, eta_path, runs, outdir = argv[1], argv[2], argv[3], int(argv[4]), Path(argv[5])
    cset = correctionlib.CorrectionSet.from_file(path)
    pt = np.fromfile(pt_path, dtype="<f8")
    eta = np.fromfile(eta_path, dtype="<f8")
    for name in argv[6:]:
        corr = cset[name]
        out = corr.evaluate(pt, eta)  # warm-up
        seconds = []
        for _ in range(runs):
            start = time.perf_counter()
            out = corr.evaluate(pt, eta)
            seconds.append(time.perf_counter() - start)
        np.asarray(out, dtype="<f8").tofile(outdir / f"{name}.f64")
        del out
        print(f"{name} seconds=" + ",".join(f"{s:.6f}" for s in seconds), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
