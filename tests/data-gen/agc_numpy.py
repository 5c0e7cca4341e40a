#!/usr/bin/env python3
"""An independent implementation of the AGC ttbar task (tests/data-gen/AGC.md) in plain numpy,
to check the coffea reference (benches/compare/agc_coffea.py): no coffea, no correctionlib, no
awkward combinatorics. Jagged branches are read flat (uproot, library "np") with their counters
and every event is processed with explicit index arithmetic; the trijet four-vectors use
px = pt cos(phi), py = pt sin(phi), pz = pt sinh(eta), E = sqrt(p^2 + m^2).

Usage: agc_numpy.py FILESET EXPECTED_DIR
  Recomputes both regions and compares with EXPECTED_DIR/{4j1b,4j2b}.json: per bin (flow bins
  included) the entry counts of every constant-weight fill (the expected count is
  sum_w^2 / w^2 of the stored bin), and sum w and sum w^2 of every fill to 1e-9 relative.
  Exits 1 on a mismatch.
"""

import json
import os
import sys

import awkward as ak
import hist
import numpy as np
import uhi.io.json
import uproot

LUMI = 3378.0
EDGES = np.linspace(50.0, 550.0, 26)
REGIONS = ("4j1b", "4j2b")


def read(path):
    names = ["nJet", "Jet_pt", "Jet_eta", "Jet_phi", "Jet_mass", "Jet_btagCSVV2", "Jet_jetId",
             "Jet_pt_res_smear", "nElectron", "Electron_pt", "Electron_eta", "Electron_cutBased",
             "Electron_sip3d", "nMuon", "Muon_pt", "Muon_eta", "Muon_tightId", "Muon_sip3d",
             "Muon_pfRelIso04_all"]
    with uproot.open(path) as f:
        arrays = f["Events"].arrays(names, library="ak")
    # counters as they are, jagged branches as their flat contents
    return {n: ak.to_numpy(arrays[n] if n[0] == "n" else ak.flatten(arrays[n])) for n in names}


def segment_count(mask, counts):
    """Per-event number of True in a flat mask laid out by counts."""
    idx = np.repeat(np.arange(len(counts)), counts)
    return np.bincount(idx[mask], minlength=len(counts))


def analyse(d, kind):
    """Yields (region, observable, event index, jets of the event) for one jet variation."""
    n_el = segment_count((d["Electron_pt"] > 30) & (np.abs(d["Electron_eta"]) < 2.1)
                         & (d["Electron_cutBased"] == 4) & (d["Electron_sip3d"] < 4), d["nElectron"])
    n_mu = segment_count((d["Muon_pt"] > 30) & (np.abs(d["Muon_eta"]) < 2.1) & d["Muon_tightId"]
                         & (d["Muon_sip3d"] < 4) & (d["Muon_pfRelIso04_all"] < 0.15), d["nMuon"])
    pt = d["Jet_pt"].astype(np.float64)
    if kind == "pt_scale_up":
        pt = pt * 1.03
    elif kind == "pt_res_up":
        pt = pt * d["Jet_pt_res_smear"].astype(np.float64)
    eta = d["Jet_eta"].astype(np.float64)
    phi = d["Jet_phi"].astype(np.float64)
    mass = d["Jet_mass"].astype(np.float64)
    btag = d["Jet_btagCSVV2"] > 0.5
    good = (pt > 30) & (np.abs(eta) < 2.4) & ((d["Jet_jetId"] & 4) != 0)
    offsets = np.concatenate([[0], np.cumsum(d["nJet"])])
    one_lep = (n_el + n_mu) == 1
    for ev in np.flatnonzero(one_lep):
        sel = np.arange(offsets[ev], offsets[ev + 1])[good[offsets[ev]:offsets[ev + 1]]]
        if len(sel) < 4:
            continue
        nb = int(btag[sel].sum())
        if nb == 1:
            yield "4j1b", float(np.sum(pt[sel])), ev, sel, pt
        elif nb >= 2:
            px, py = pt[sel] * np.cos(phi[sel]), pt[sel] * np.sin(phi[sel])
            pz = pt[sel] * np.sinh(eta[sel])
            e = np.sqrt(px * px + py * py + pz * pz + mass[sel] ** 2)
            best_pt, best_m = -1.0, None
            k = len(sel)
            for a in range(k):
                for b in range(a + 1, k):
                    for c in range(b + 1, k):
                        if not (btag[sel[a]] or btag[sel[b]] or btag[sel[c]]):
                            continue
                        sx, sy = px[a] + px[b] + px[c], py[a] + py[b] + py[c]
                        tpt = np.hypot(sx, sy)
                        if tpt > best_pt:
                            sz, se = pz[a] + pz[b] + pz[c], e[a] + e[b] + e[c]
                            best_pt = tpt
                            best_m = np.sqrt(max(se * se - sx * sx - sy * sy - sz * sz, 0.0))
            yield "4j2b", float(best_m), ev, sel, pt


def run(fileset_path):
    base = os.path.dirname(os.path.abspath(fileset_path))
    with open(fileset_path) as f:
        fileset = json.load(f)
    # (region, process, variation) -> (list of x, list of w)
    fills = {}

    def fill(region, process, variation, x, w):
        xs, ws = fills.setdefault((region, process, variation), ([], []))
        xs.append(x)
        ws.append(w)

    for entry in fileset.values():
        meta = entry["metadata"]
        process, variation = meta["process"], meta["variation"]
        w0 = 1.0 if process == "data" else meta["xsec"] * LUMI / meta["nevts"]
        full = variation == "nominal" and process != "data"
        for rel in entry["files"]:
            d = read(os.path.join(base, rel))
            kinds = ["nominal", "pt_scale_up", "pt_res_up"] if full else ["nominal"]
            for kind in kinds:
                for region, x, ev, sel, pt in analyse(d, kind):
                    name = variation if variation != "nominal" else kind
                    fill(region, process, name, x, w0)
                    if kind == "nominal" and full:
                        for i in range(4):
                            p = float(pt[sel[i]])
                            fill(region, process, f"btag_var_{i}_up", x, w0 * (1.0 + p * 0.075 / 50))
                            fill(region, process, f"btag_var_{i}_down", x, w0 * (1.0 - p * 0.075 / 50))
                        if process == "wjets":
                            fill(region, process, "scale_var_up", x, w0 * 1.025)
                            fill(region, process, "scale_var_down", x, w0 * 0.975)
    return fills


def compare(fills, expected_dir):
    ok = True
    for region in REGIONS:
        with open(os.path.join(expected_dir, f"{region}.json")) as f:
            h = hist.Hist(json.load(f, object_hook=uhi.io.json.object_hook))
        procs, variations = list(h.axes["process"]), list(h.axes["variation"])
        seen = set()
        for (r, p, v), (xs, ws) in fills.items():
            if r != region:
                continue
            seen.add((p, v))
            x, w = np.array(xs), np.array(ws)
            # flow bins as boost-histogram: [underflow, 25 bins, overflow]
            idx = np.clip(np.searchsorted(EDGES, x, side="right"), 0, 26)
            counts = np.bincount(idx, minlength=27)
            sums = np.bincount(idx, weights=w, minlength=27)
            sums2 = np.bincount(idx, weights=w * w, minlength=27)
            if p not in procs or v not in variations:
                print(f"FAIL {region} {p} {v}: missing from the expected histogram")
                ok = False
                continue
            e = h[:, hist.loc(p), hist.loc(v)]
            ev, evar = e.values(flow=True), e.variances(flow=True)
            # counts: sum w^2 / w^2 is exact only for constant weights, so compare the
            # nominal-weight fills by count and all fills by weighted sums
            if np.allclose(w, w[0], rtol=0, atol=0):
                exp_counts = np.rint(np.where(evar > 0, ev * ev / np.where(evar > 0, evar, 1), 0))
                if not np.array_equal(exp_counts, counts):
                    print(f"FAIL {region} {p} {v}: counts {counts.tolist()} != {exp_counts.tolist()}")
                    ok = False
            for got, exp, what in ((sums, ev, "sum w"), (sums2, evar, "sum w^2")):
                if not np.allclose(got, exp, rtol=1e-9, atol=0):
                    print(f"FAIL {region} {p} {v}: {what} {got.tolist()} != {exp.tolist()}")
                    ok = False
        for p in procs:
            for v in variations:
                if (p, v) not in seen and h[:, hist.loc(p), hist.loc(v)].values(flow=True).any():
                    print(f"FAIL {region} {p} {v}: filled in the expected histogram only")
                    ok = False
        n = sum(len(xs) for (r, _, _), (xs, _) in fills.items() if r == region)
        print(f"{region}: {n} fills over {len(seen)} (process, variation) pairs compared")
    return ok


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    ok = compare(run(argv[1]), argv[2])
    print("OK: the numpy implementation equals the expected histograms" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
