"""The eight ADL queries of ../shared/adl/reference.py on lazy awkward-like arrays, shared by the
dask-awkward (adl_dask.py) and graphed (adl_graphed.py) peers of `benches/adl.rs`."""

import argparse
import json
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "shared", "adl"))
import reference  # noqa: E402  (the kinematics and binning)


def arguments():
    """The peers' command line: FILE [--threads N] [--only q1,q5] [--outdir DIR] [--step N]."""
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--only", default="q1,q2,q3,q4,q5,q6,q7,q8")
    p.add_argument("--outdir")
    p.add_argument("--step", type=int, default=200000)
    return p.parse_args()


def write_values(outdir, hists):
    """Each filled histogram's bin contents (flow bins included) as `outdir/<name>.json`."""
    os.makedirs(outdir, exist_ok=True)
    for name, h in hists.items():
        with open(os.path.join(outdir, name + ".json"), "w") as f:
            json.dump({"values": [float(x) for x in h.values(flow=True)]}, f)


def hist_of(name, Hist):
    """The histogram `name` of the reference's binning, as a `Hist` of hist.dask or hist.graphed."""
    import hist

    bins, lo, hi, axis, label = reference.BINNING["rdf"][name]
    return Hist(hist.axis.Regular(bins, lo, hi, name=axis, label=label),
                storage=hist.storage.Int64())


def queries(ev, q, lib, zeros, ones):
    """The reference's queries on lazy arrays `ev`, with `lib` (dask_awkward, or graphed's `gak`)
    spelling the awkward functions, and `zeros`/`ones` making Q8's flavour fields like a
    `charge` field. Returns {histogram name: values to fill}."""
    f64 = lambda x: lib.values_astype(x, np.float64)
    flat = lambda x: lib.flatten(x, axis=None)
    if q == "q1":
        return {"q1": ev.MET_pt}
    if q == "q2":
        return {"q2": flat(ev.Jet_pt)}
    if q == "q3":
        return {"q3": flat(ev.Jet_pt[abs(ev.Jet_eta) < 1.0])}
    if q == "q4":
        return {"q4": ev.MET_pt[lib.sum(ev.Jet_pt > 40.0, axis=1) >= 2]}
    if q == "q5":
        mu = lib.zip({"pt": ev.Muon_pt, "eta": ev.Muon_eta, "phi": ev.Muon_phi,
                      "mass": ev.Muon_mass, "charge": ev.Muon_charge})
        pairs = lib.combinations(mu, 2)
        m1, m2 = pairs["0"], pairs["1"]
        mass = reference.p4_mass(reference.p4_sum(reference.p4(m1.pt, m1.eta, m1.phi, m1.mass),
                                                  reference.p4(m2.pt, m2.eta, m2.phi, m2.mass)))
        good = (m1.charge != m2.charge) & (mass > 60.0) & (mass < 120.0)
        return {"q5": ev.MET_pt[lib.any(good, axis=1)]}
    if q == "q6":
        ev = ev[lib.num(ev.Jet_pt, axis=1) >= 3]
        jets = lib.zip({"pt": ev.Jet_pt, "eta": ev.Jet_eta, "phi": ev.Jet_phi,
                        "mass": ev.Jet_mass, "btag": ev.Jet_btag})
        tri = lib.combinations(jets, 3)
        j1, j2, j3 = tri["0"], tri["1"], tri["2"]
        p = reference.p4_sum(reference.p4(j1.pt, j1.eta, j1.phi, j1.mass),
                             reference.p4(j2.pt, j2.eta, j2.phi, j2.mass),
                             reference.p4(j3.pt, j3.eta, j3.phi, j3.mass))
        best = lib.argmin(abs(reference.p4_mass(p) - 172.5), axis=1, keepdims=True)
        maxb = np.maximum(np.maximum(f64(j1.btag), f64(j2.btag)), f64(j3.btag))
        return {"q6a": flat(lib.firsts(reference.p4_pt(p)[best])),
                "q6b": flat(lib.firsts(maxb[best]))}
    if q == "q7":
        jets = lib.zip({"pt": ev.Jet_pt, "eta": ev.Jet_eta, "phi": ev.Jet_phi})
        mu = lib.zip({"pt": ev.Muon_pt, "eta": ev.Muon_eta, "phi": ev.Muon_phi})
        el = lib.zip({"pt": ev.Electron_pt, "eta": ev.Electron_eta, "phi": ev.Electron_phi})
        leps = lib.concatenate([mu[mu.pt > 10.0], el[el.pt > 10.0]], axis=1)
        pairs = lib.cartesian([jets, leps], nested=True)
        j, l = pairs["0"], pairs["1"]
        close = lib.any(reference.delta_r(j.eta, j.phi, l.eta, l.phi) < 0.4, axis=2)
        good = (jets.pt > 30.0) & ~close
        sumpt = lib.sum(f64(jets.pt[good]), axis=1)
        return {"q7": sumpt[lib.sum(good, axis=1) > 0]}
    if q == "q8":
        mu = lib.zip({"pt": ev.Muon_pt, "eta": ev.Muon_eta, "phi": ev.Muon_phi,
                      "mass": ev.Muon_mass, "charge": ev.Muon_charge})
        el = lib.zip({"pt": ev.Electron_pt, "eta": ev.Electron_eta, "phi": ev.Electron_phi,
                      "mass": ev.Electron_mass, "charge": ev.Electron_charge})
        mu = lib.with_field(mu, zeros(mu.charge), "flavour")
        el = lib.with_field(el, ones(el.charge), "flavour")
        leps = lib.concatenate([mu, el], axis=1)
        keep = lib.num(leps, axis=1) >= 3
        leps, met_pt, met_phi = leps[keep], ev.MET_pt[keep], ev.MET_phi[keep]
        pairs = lib.argcombinations(leps, 2)
        i1, i2 = pairs["0"], pairs["1"]
        l1, l2 = leps[i1], leps[i2]
        sfos = (l1.flavour == l2.flavour) & (l1.charge != l2.charge)
        mass = reference.p4_mass(reference.p4_sum(reference.p4(l1.pt, l1.eta, l1.phi, l1.mass),
                                                  reference.p4(l2.pt, l2.eta, l2.phi, l2.mass)))
        dist = lib.where(sfos, abs(mass - 91.2), np.inf)
        has = lib.any(sfos, axis=1)
        best = lib.argmin(dist, axis=1, keepdims=True)
        b1, b2 = lib.firsts(i1[best])[has], lib.firsts(i2[best])[has]
        leps, met_pt, met_phi = leps[has], met_pt[has], met_phi[has]
        idx = lib.local_index(leps.pt, axis=1)
        other = (idx != b1) & (idx != b2)
        k = lib.argmax(lib.where(other, f64(leps.pt), -np.inf), axis=1, keepdims=True)
        l3 = lib.firsts(leps[k])
        mt = np.sqrt(2.0 * f64(met_pt) * f64(l3.pt)
                     * (1.0 - np.cos(reference.delta_phi(met_phi, l3.phi))))
        return {"q8": mt}
    raise ValueError(q)
