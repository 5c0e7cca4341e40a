#!/usr/bin/env python3
"""The AGC task's nominal cut-flow, computed with numpy from the files (independently of rask):
exactly one tight lepton, >= 4 jets, >= 1 b-tag, >= 2 b-tags (the objects of AGC.md), counted
and summed with w = xsec * lumi / nevts (1 for data), over every dataset of a fileset.

    python tests/data-gen/agc_cutflow.py data/agc/fileset.json > data/agc/expected/cutflow.json

Writes the keys `rask agc` writes to DIR/cutflow.json (coffea's Cutflow names): cuts, total,
onecut, cutflow, nminusone, and the same under "weighted".
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agc_numpy import LUMI, read, segment_count  # noqa: E402

CUTS = ["exactly 1 lepton", ">= 4 jets", ">= 1 b-tag", ">= 2 b-tags"]


def masks(d):
    n_el = segment_count((d["Electron_pt"] > 30) & (np.abs(d["Electron_eta"]) < 2.1)
                         & (d["Electron_cutBased"] == 4) & (d["Electron_sip3d"] < 4), d["nElectron"])
    n_mu = segment_count((d["Muon_pt"] > 30) & (np.abs(d["Muon_eta"]) < 2.1) & d["Muon_tightId"]
                         & (d["Muon_sip3d"] < 4) & (d["Muon_pfRelIso04_all"] < 0.15), d["nMuon"])
    pt = d["Jet_pt"].astype(np.float64)
    good = (pt > 30) & (np.abs(d["Jet_eta"].astype(np.float64)) < 2.4) & ((d["Jet_jetId"] & 4) != 0)
    nj = segment_count(good, d["nJet"])
    nb = segment_count(good & (d["Jet_btagCSVV2"] > 0.5), d["nJet"])
    return [(n_el + n_mu) == 1, nj >= 4, nb >= 1, nb >= 2]


def main(path):
    base = os.path.dirname(os.path.abspath(path))
    with open(path) as f:
        fileset = json.load(f)
    n = len(CUTS)
    counts = {"total": 0.0, "onecut": [0.0] * n, "cutflow": [0.0] * n, "nminusone": [0.0] * n}
    sums = {"total": 0.0, "onecut": [0.0] * n, "cutflow": [0.0] * n, "nminusone": [0.0] * n}
    for entry in fileset.values():
        meta = entry["metadata"]
        w0 = 1.0 if meta["process"] == "data" else meta["xsec"] * LUMI / meta["nevts"]
        for rel in entry["files"]:
            m = masks(read(os.path.join(base, rel)))
            w = np.full(len(m[0]), w0)
            for acc, weights in ((counts, None), (sums, w)):
                def add(key, sel, i=None):
                    v = float(sel.sum()) if weights is None else float(weights[sel].sum())
                    if i is None:
                        acc[key] += v
                    else:
                        acc[key][i] += v
                add("total", np.ones(len(m[0]), bool))
                for i in range(n):
                    add("onecut", m[i], i)
                    add("cutflow", np.logical_and.reduce(m[: i + 1]), i)
                    add("nminusone", np.logical_and.reduce([m[j] for j in range(n) if j != i]), i)
    print(json.dumps({"cuts": CUTS, **counts, "weighted": sums}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
