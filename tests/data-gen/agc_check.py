#!/usr/bin/env python3
"""Sanity check of AGC histograms (UHI JSON written by benches/compare/agc_coffea.py or rask).

Prints, per region, the events and weighted yield per process (variation "nominal"), the
variations present, and checks the physics the task should show: nominal ttbar in 4j2b peaks
near the top mass (the trijet mass mode lies in 150-200 GeV) and 4j1b HT is broad (the ttbar
nominal distribution spans more than ten bins). Exits 1 when a check fails.

Usage: agc_check.py DIR   (DIR holds 4j1b.json and 4j2b.json)
"""

import json
import os
import sys

import hist
import numpy as np
import uhi.io.json


def load(path):
    with open(path) as f:
        return hist.Hist(json.load(f, object_hook=uhi.io.json.object_hook))


def main(argv):
    d = argv[1]
    h = {r: load(os.path.join(d, f"{r}.json")) for r in ("4j1b", "4j2b")}
    ok = True
    for region, hr in h.items():
        print(f"region {region}: axes {[a.name for a in hr.axes]}")
        print(f"  {'process':<20} {'events':>8} {'yield (nominal)':>16}")
        for proc in hr.axes["process"]:
            v = hr[:, hist.loc(proc), hist.loc("nominal")]
            # unweighted events = sum_w^2 / w^2 with a constant per-process weight; print both
            sw, sw2 = v.values().sum(), v.variances().sum()
            n = (sw * sw / sw2) if sw2 > 0 else 0.0
            print(f"  {proc:<20} {n:8.0f} {sw:16.2f}")
        present = [v for v in hr.axes["variation"]
                   if hr[:, :, hist.loc(v)].values().sum() != 0]
        print(f"  variations filled: {', '.join(present)}")
    tt = h["4j2b"][:, hist.loc("ttbar"), hist.loc("nominal")]
    centers = tt.axes[0].centers
    peak = centers[int(np.argmax(tt.values()))]
    print(f"4j2b ttbar nominal: mode at {peak:.0f} GeV")
    if not 150 <= peak <= 200:
        print("FAIL: 4j2b ttbar trijet mass does not peak near the top mass")
        ok = False
    ht = h["4j1b"][:, hist.loc("ttbar"), hist.loc("nominal")].values()
    filled = int((ht > 0).sum())
    mean = float((ht * centers).sum() / ht.sum()) if ht.sum() else 0.0
    print(f"4j1b ttbar nominal: {filled} of 25 bins filled, mean HT {mean:.0f} GeV")
    if filled <= 10:
        print("FAIL: 4j1b HT is not broad")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
