#!/usr/bin/env python3
"""The eight ADL queries in dask-awkward + dask-histogram (hist.dask), for `benches/adl.rs`.

The query code is ../shared/adl/reference.py's, on dask-awkward collections read with
uproot.dask (ROOT) or dask_awkward.from_parquet; histograms are hist.dask.Hist; everything is
computed with dask's threads scheduler.

Usage: adl_dask.py FILE [--threads N] [--only q1,q5] [--outdir DIR] [--step 200000]
Prints one line per query: `<name> <seconds> <events>` (graph building and compute).
"""

import argparse
import json
import os
import sys
import time

import awkward as ak
import dask
import dask_awkward as dak
import hist.dask
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "shared", "adl"))
import reference  # noqa: E402  (the query code and binning)


def hist_of(name):
    bins, lo, hi, axis, label = reference.BINNING["rdf"][name]
    return hist.dask.Hist(hist.axis.Regular(bins, lo, hi, name=axis, label=label),
                          storage=hist.storage.Int64())


def flat(x):
    return dak.flatten(x, axis=None)


# The reference's queries, with dask-awkward spellings where they differ.
def queries(ev, q):
    f64 = lambda x: dak.values_astype(x, np.float64)
    if q == "q1":
        return {"q1": ev.MET_pt}
    if q == "q2":
        return {"q2": flat(ev.Jet_pt)}
    if q == "q3":
        return {"q3": flat(ev.Jet_pt[abs(ev.Jet_eta) < 1.0])}
    if q == "q4":
        return {"q4": ev.MET_pt[dak.sum(ev.Jet_pt > 40.0, axis=1) >= 2]}
    if q == "q5":
        mu = dak.zip({"pt": ev.Muon_pt, "eta": ev.Muon_eta, "phi": ev.Muon_phi,
                      "mass": ev.Muon_mass, "charge": ev.Muon_charge})
        pairs = dak.combinations(mu, 2)
        m1, m2 = pairs["0"], pairs["1"]
        mass = reference.p4_mass(reference.p4_sum(reference.p4(m1.pt, m1.eta, m1.phi, m1.mass),
                                                  reference.p4(m2.pt, m2.eta, m2.phi, m2.mass)))
        good = (m1.charge != m2.charge) & (mass > 60.0) & (mass < 120.0)
        return {"q5": ev.MET_pt[dak.any(good, axis=1)]}
    if q == "q6":
        ev = ev[dak.num(ev.Jet_pt, axis=1) >= 3]
        jets = dak.zip({"pt": ev.Jet_pt, "eta": ev.Jet_eta, "phi": ev.Jet_phi,
                        "mass": ev.Jet_mass, "btag": ev.Jet_btag})
        tri = dak.combinations(jets, 3)
        j1, j2, j3 = tri["0"], tri["1"], tri["2"]
        p = reference.p4_sum(reference.p4(j1.pt, j1.eta, j1.phi, j1.mass),
                             reference.p4(j2.pt, j2.eta, j2.phi, j2.mass),
                             reference.p4(j3.pt, j3.eta, j3.phi, j3.mass))
        best = dak.argmin(abs(reference.p4_mass(p) - 172.5), axis=1, keepdims=True)
        maxb = np.maximum(np.maximum(f64(j1.btag), f64(j2.btag)), f64(j3.btag))
        return {"q6a": flat(dak.firsts(reference.p4_pt(p)[best])),
                "q6b": flat(dak.firsts(maxb[best]))}
    if q == "q7":
        jets = dak.zip({"pt": ev.Jet_pt, "eta": ev.Jet_eta, "phi": ev.Jet_phi})
        mu = dak.zip({"pt": ev.Muon_pt, "eta": ev.Muon_eta, "phi": ev.Muon_phi})
        el = dak.zip({"pt": ev.Electron_pt, "eta": ev.Electron_eta, "phi": ev.Electron_phi})
        leps = dak.concatenate([mu[mu.pt > 10.0], el[el.pt > 10.0]], axis=1)
        pairs = dak.cartesian([jets, leps], nested=True)
        j, l = pairs["0"], pairs["1"]
        close = dak.any(reference.delta_r(j.eta, j.phi, l.eta, l.phi) < 0.4, axis=2)
        good = (jets.pt > 30.0) & ~close
        sumpt = dak.sum(f64(jets.pt[good]), axis=1)
        return {"q7": sumpt[dak.sum(good, axis=1) > 0]}
    if q == "q8":
        mu = dak.zip({"pt": ev.Muon_pt, "eta": ev.Muon_eta, "phi": ev.Muon_phi,
                      "mass": ev.Muon_mass, "charge": ev.Muon_charge})
        el = dak.zip({"pt": ev.Electron_pt, "eta": ev.Electron_eta, "phi": ev.Electron_phi,
                      "mass": ev.Electron_mass, "charge": ev.Electron_charge})
        mu = dak.with_field(mu, mu.charge * 0, "flavour")
        el = dak.with_field(el, el.charge * 0 + 1, "flavour")
        leps = dak.concatenate([mu, el], axis=1)
        keep = dak.num(leps, axis=1) >= 3
        leps, met_pt, met_phi = leps[keep], ev.MET_pt[keep], ev.MET_phi[keep]
        pairs = dak.argcombinations(leps, 2)
        i1, i2 = pairs["0"], pairs["1"]
        l1, l2 = leps[i1], leps[i2]
        sfos = (l1.flavour == l2.flavour) & (l1.charge != l2.charge)
        mass = reference.p4_mass(reference.p4_sum(reference.p4(l1.pt, l1.eta, l1.phi, l1.mass),
                                                  reference.p4(l2.pt, l2.eta, l2.phi, l2.mass)))
        dist = dak.where(sfos, abs(mass - 91.2), np.inf)
        has = dak.any(sfos, axis=1)
        best = dak.argmin(dist, axis=1, keepdims=True)
        b1, b2 = dak.firsts(i1[best])[has], dak.firsts(i2[best])[has]
        leps, met_pt, met_phi = leps[has], met_pt[has], met_phi[has]
        idx = dak.local_index(leps.pt, axis=1)
        other = (idx != b1) & (idx != b2)
        k = dak.argmax(dak.where(other, f64(leps.pt), -np.inf), axis=1, keepdims=True)
        l3 = dak.firsts(leps[k])
        mt = np.sqrt(2.0 * f64(met_pt) * f64(l3.pt)
                     * (1.0 - np.cos(reference.delta_phi(met_phi, l3.phi))))
        return {"q8": mt}
    raise ValueError(q)


def open_events(path, step, columns):
    if path.endswith(".parquet"):
        return dak.from_parquet(path, columns=columns, split_row_groups=True)
    import uproot
    return uproot.dask({path: "Events"}, step_size=step, filter_name=columns)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--only", default="q1,q2,q3,q4,q5,q6,q7,q8")
    p.add_argument("--outdir")
    p.add_argument("--step", type=int, default=200000)
    a = p.parse_args()
    for q in a.only.split(","):
        t0 = time.perf_counter()
        ev = open_events(a.file, a.step, reference.BRANCHES[q])
        hs = {}
        for name, values in queries(ev, q).items():
            h = hist_of(name)
            h.fill(values)
            hs[name] = h
        events = dak.num(ev, axis=0)
        out = dask.compute(*hs.values(), events, scheduler="threads", num_workers=a.threads)
        dt = time.perf_counter() - t0
        print(f"{q} {dt:.6f} {int(out[-1])}", flush=True)
        if a.outdir:
            os.makedirs(a.outdir, exist_ok=True)
            for name, h in zip(hs, out[:-1]):
                with open(os.path.join(a.outdir, name + ".json"), "w") as f:
                    json.dump({"values": [float(x) for x in h.values(flow=True)]}, f)


if __name__ == "__main__":
    main()
