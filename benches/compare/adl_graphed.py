#!/usr/bin/env python3
"""The eight ADL queries in graphed + graphed-histogram (hist.graphed), for `benches/adl.rs`.

The query code is ../shared/adl/reference.py's, on a deferred graphed array read with
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

import argparse
import json
import operator
import os
import sys
import time

import graphed_histogram as gh
import hist.graphed
import numpy as np
import uproot
from graphed.awkward import gak
from graphed.core import Partition, Plan, Task
from graphed.core.execution import SequentialRunner
from graphed_executors.local import ProcessPoolExecutor
from uproot._graphed import graphed_partitions

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "shared", "adl"))
import reference  # noqa: E402  (the query code and binning)


def hist_of(name):
    bins, lo, hi, axis, label = reference.BINNING["rdf"][name]
    return hist.graphed.Hist(hist.axis.Regular(bins, lo, hi, name=axis, label=label),
                             storage=hist.storage.Int64())


def flat(x):
    return gak.flatten(x, axis=None)


# The reference's queries, with graphed (gak) spellings where they differ.
def queries(ev, q):
    f64 = lambda x: gak.values_astype(x, np.float64)
    if q == "q1":
        return {"q1": ev.MET_pt}
    if q == "q2":
        return {"q2": flat(ev.Jet_pt)}
    if q == "q3":
        return {"q3": flat(ev.Jet_pt[abs(ev.Jet_eta) < 1.0])}
    if q == "q4":
        return {"q4": ev.MET_pt[gak.sum(ev.Jet_pt > 40.0, axis=1) >= 2]}
    if q == "q5":
        mu = gak.zip({"pt": ev.Muon_pt, "eta": ev.Muon_eta, "phi": ev.Muon_phi,
                      "mass": ev.Muon_mass, "charge": ev.Muon_charge})
        pairs = gak.combinations(mu, 2)
        m1, m2 = pairs["0"], pairs["1"]
        mass = reference.p4_mass(reference.p4_sum(reference.p4(m1.pt, m1.eta, m1.phi, m1.mass),
                                                  reference.p4(m2.pt, m2.eta, m2.phi, m2.mass)))
        good = (m1.charge != m2.charge) & (mass > 60.0) & (mass < 120.0)
        return {"q5": ev.MET_pt[gak.any(good, axis=1)]}
    if q == "q6":
        ev = ev[gak.num(ev.Jet_pt, axis=1) >= 3]
        jets = gak.zip({"pt": ev.Jet_pt, "eta": ev.Jet_eta, "phi": ev.Jet_phi,
                        "mass": ev.Jet_mass, "btag": ev.Jet_btag})
        tri = gak.combinations(jets, 3)
        j1, j2, j3 = tri["0"], tri["1"], tri["2"]
        p = reference.p4_sum(reference.p4(j1.pt, j1.eta, j1.phi, j1.mass),
                             reference.p4(j2.pt, j2.eta, j2.phi, j2.mass),
                             reference.p4(j3.pt, j3.eta, j3.phi, j3.mass))
        best = gak.argmin(abs(reference.p4_mass(p) - 172.5), axis=1, keepdims=True)
        maxb = np.maximum(np.maximum(f64(j1.btag), f64(j2.btag)), f64(j3.btag))
        return {"q6a": flat(gak.firsts(reference.p4_pt(p)[best])),
                "q6b": flat(gak.firsts(maxb[best]))}
    if q == "q7":
        jets = gak.zip({"pt": ev.Jet_pt, "eta": ev.Jet_eta, "phi": ev.Jet_phi})
        mu = gak.zip({"pt": ev.Muon_pt, "eta": ev.Muon_eta, "phi": ev.Muon_phi})
        el = gak.zip({"pt": ev.Electron_pt, "eta": ev.Electron_eta, "phi": ev.Electron_phi})
        leps = gak.concatenate([mu[mu.pt > 10.0], el[el.pt > 10.0]], axis=1)
        pairs = gak.cartesian([jets, leps], nested=True)
        j, l = pairs["0"], pairs["1"]
        close = gak.any(reference.delta_r(j.eta, j.phi, l.eta, l.phi) < 0.4, axis=2)
        good = (jets.pt > 30.0) & ~close
        sumpt = gak.sum(f64(jets.pt[good]), axis=1)
        return {"q7": sumpt[gak.sum(good, axis=1) > 0]}
    if q == "q8":
        mu = gak.zip({"pt": ev.Muon_pt, "eta": ev.Muon_eta, "phi": ev.Muon_phi,
                      "mass": ev.Muon_mass, "charge": ev.Muon_charge})
        el = gak.zip({"pt": ev.Electron_pt, "eta": ev.Electron_eta, "phi": ev.Electron_phi,
                      "mass": ev.Electron_mass, "charge": ev.Electron_charge})
        mu = gak.with_field(mu, gak.zeros_like(mu.charge), "flavour")
        el = gak.with_field(el, gak.ones_like(el.charge), "flavour")
        leps = gak.concatenate([mu, el], axis=1)
        keep = gak.num(leps, axis=1) >= 3
        leps, met_pt, met_phi = leps[keep], ev.MET_pt[keep], ev.MET_phi[keep]
        pairs = gak.argcombinations(leps, 2)
        i1, i2 = pairs["0"], pairs["1"]
        l1, l2 = leps[i1], leps[i2]
        sfos = (l1.flavour == l2.flavour) & (l1.charge != l2.charge)
        mass = reference.p4_mass(reference.p4_sum(reference.p4(l1.pt, l1.eta, l1.phi, l1.mass),
                                                  reference.p4(l2.pt, l2.eta, l2.phi, l2.mass)))
        dist = gak.where(sfos, abs(mass - 91.2), np.inf)
        has = gak.any(sfos, axis=1)
        best = gak.argmin(dist, axis=1, keepdims=True)
        b1, b2 = gak.firsts(i1[best])[has], gak.firsts(i2[best])[has]
        leps, met_pt, met_phi = leps[has], met_pt[has], met_phi[has]
        idx = gak.local_index(leps.pt, axis=1)
        other = (idx != b1) & (idx != b2)
        k = gak.argmax(gak.where(other, f64(leps.pt), -np.inf), axis=1, keepdims=True)
        l3 = gak.firsts(leps[k])
        mt = np.sqrt(2.0 * f64(met_pt) * f64(l3.pt)
                     * (1.0 - np.cos(reference.delta_phi(met_phi, l3.phi))))
        return {"q8": mt}
    raise ValueError(q)


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
        for name, values in queries(ev, q).items():
            h = hist_of(name)
            h.fill(values)
            hs[name] = h
        plan = gh.plan(hs, partitions=parts)
        out = gh.unpack(runner.run(plan).value)
        dt = time.perf_counter() - t0
        events = sum(t.partition.entry_stop - t.partition.entry_start for t in plan.tasks)
        print(f"{q} {dt:.6f} {events}", flush=True)
        if a.outdir:
            os.makedirs(a.outdir, exist_ok=True)
            for name in hs:
                with open(os.path.join(a.outdir, name + ".json"), "w") as f:
                    json.dump({"values": [float(x) for x in out[name].values(flow=True)]}, f)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--only", default="q1,q2,q3,q4,q5,q6,q7,q8")
    p.add_argument("--outdir")
    p.add_argument("--step", type=int, default=200000)
    a = p.parse_args()
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
