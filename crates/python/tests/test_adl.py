"""The eight ADL queries written in awkward's style equal the expected histograms, computed in
one pass, with both schedulers."""

import numpy as np
import pytest
import rask
import rask as dak
import rask.hist as hda

from conftest import NANO, assert_same_counts


def H(bins, lo, hi, name):
    return hda.Hist.new.Reg(bins, lo, hi, name=name).Int64()


def adl(events):
    out = {}
    out["q1"] = H(100, 0, 200, "met").fill(events.MET.pt)
    out["q2"] = H(100, 15, 60, "jet_pt").fill(events.Jet.pt)
    out["q3"] = H(100, 15, 60, "jet_pt").fill(events.Jet.pt[np.abs(events.Jet.eta) < 1.0])
    sel = dak.sum(events.Jet.pt > 40.0, axis=1) >= 2
    out["q4"] = H(100, 0, 200, "met").fill(events.MET.pt[sel])
    # Q5: opposite-charge muon pairs with 60 < m < 120.
    mu = dak.zip({"pt": events.Muon.pt, "eta": events.Muon.eta, "phi": events.Muon.phi,
                  "mass": events.Muon.mass, "charge": events.Muon.charge})
    m1, m2 = dak.unzip(dak.combinations(mu, 2))
    mass = (m1 + m2).mass
    good = (m1.charge != m2.charge) & (mass > 60.0) & (mass < 120.0)
    out["q5"] = H(100, 0, 200, "met").fill(events.MET.pt[dak.any(good, axis=1)])
    # Q6: the trijet of mass closest to 172.5.
    ev = events[dak.num(events.Jet.pt, axis=1) >= 3]
    jets = dak.zip({"pt": ev.Jet.pt, "eta": ev.Jet.eta, "phi": ev.Jet.phi,
                    "mass": ev.Jet.mass, "btag": ev.Jet.btag})
    j1, j2, j3 = dak.unzip(dak.combinations(jets, 3))
    tri = j1 + j2 + j3
    best = dak.argmin(np.abs(tri.mass - 172.5), axis=1, keepdims=True)
    out["q6a"] = H(100, 15, 40, "trijet_pt").fill(dak.firsts(tri.pt[best]))
    maxb = np.maximum(np.maximum(j1.btag, j2.btag), j3.btag)[best]
    out["q6b"] = H(100, 0, 1, "trijet_btag").fill(dak.firsts(maxb))
    # Q7: jets of pT > 30 away from every light lepton of pT > 10.
    jets = dak.zip({"pt": events.Jet.pt, "eta": events.Jet.eta, "phi": events.Jet.phi})
    mu = dak.zip({"pt": events.Muon.pt, "eta": events.Muon.eta, "phi": events.Muon.phi})
    el = dak.zip({"pt": events.Electron.pt, "eta": events.Electron.eta, "phi": events.Electron.phi})
    leps = dak.concatenate([mu[mu.pt > 10.0], el[el.pt > 10.0]], axis=1)
    j, lep = dak.unzip(dak.cartesian([jets, leps], nested=True))
    close = dak.any(j.delta_r(lep) < 0.4, axis=2)
    good = (jets.pt > 30.0) & ~close
    sumpt = dak.sum(jets.pt[good], axis=1)
    out["q7"] = H(100, 15, 200, "sum_pt").fill(sumpt[dak.sum(good, axis=1) > 0])
    # Q8 as the ADL reference writes it (muons first, flavour-based pairs).
    def lep(c, flavour):
        z = dak.zip({"pt": c.pt, "eta": c.eta, "phi": c.phi, "mass": c.mass, "charge": c.charge})
        return dak.with_field(z, z.charge * 0 + flavour, "flavour")
    leps = dak.concatenate([lep(events.Muon, 0), lep(events.Electron, 1)], axis=1)
    keep = dak.num(leps, axis=1) >= 3
    leps, met = leps[keep], events.MET[keep]
    i1, i2 = dak.unzip(dak.argcombinations(leps, 2))
    l1, l2 = leps[i1], leps[i2]
    sfos = (l1.flavour == l2.flavour) & (l1.charge != l2.charge)
    dist = dak.where(sfos, np.abs((l1 + l2).mass - 91.2), np.inf)
    has = dak.any(sfos, axis=1)
    best = dak.argmin(dist, axis=1, keepdims=True)
    b1 = dak.fill_none(dak.firsts(i1[best])[has], -1)
    b2 = dak.fill_none(dak.firsts(i2[best])[has], -1)
    leps, met = leps[has], met[has]
    idx = dak.local_index(leps.pt, axis=1)
    pt_other = dak.where((idx != b1) & (idx != b2), leps.pt, -np.inf)
    l3 = dak.firsts(leps[dak.argmax(pt_other, axis=1, keepdims=True)])
    mt = np.sqrt(2.0 * met.pt * l3.pt * (1.0 - np.cos(met.delta_phi(l3))))
    out["q8"] = H(100, 0, 200, "mt").fill(mt)
    return out


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
def test_the_eight_adl_queries_equal_the_expected_histograms(scheduler):
    hists = adl(rask.open(NANO))
    computed = dak.compute(*hists.values(), scheduler=scheduler)  # one pass over the file
    for name, h in zip(hists, computed):
        assert_same_counts(h, name)
