#!/usr/bin/env python3
"""The eight ADL queries in ROOT's RDataFrame, for `benches/adl.rs`.

Written after root-project/opendata-benchmarks (rdataframe_jitted.C), with the definitions of
../shared/adl/QUERIES.md: float64 kinematics with the reference formulas, lexicographic
combinations, first minimum/maximum. Helpers are compiled once by cling (Declare) so the event
loops are C++.

Usage: adl_rdf.py FILE.root [--threads N] [--only q1,q5] [--outdir DIR] [--runs R]
Prints one line per query: `<name> <seconds> <events>` (best of R runs; the first run of a query
includes jitting), and with --outdir writes DIR/<name>.json with the bin contents (flow bins
included) to check the results against the expected histograms.
"""

import argparse
import json
import os
import time

import ROOT

HELPERS = r"""
#include <cmath>
#include <ROOT/RVec.hxx>
using ROOT::RVecF; using ROOT::RVecI; using ROOT::RVecD;

struct RaskP4 { double px, py, pz, e; };
inline RaskP4 rask_p4(double pt, double eta, double phi, double m) {
  double pc = pt * std::cosh(eta);
  return {pt * std::cos(phi), pt * std::sin(phi), pt * std::sinh(eta), std::sqrt(pc * pc + m * m)};
}
inline RaskP4 rask_add(RaskP4 a, RaskP4 b) { return {a.px + b.px, a.py + b.py, a.pz + b.pz, a.e + b.e}; }
inline double rask_mass(RaskP4 p) {
  double m2 = p.e * p.e - p.px * p.px - p.py * p.py - p.pz * p.pz;
  return std::sqrt(m2 > 0 ? m2 : 0.0);
}
inline double rask_pt(RaskP4 p) { return std::sqrt(p.px * p.px + p.py * p.py); }
inline double rask_dphi(double a, double b) {
  double x = a - b + M_PI, r = std::fmod(x, 2 * M_PI);
  if (r < 0) r += 2 * M_PI;
  return r - M_PI;
}

bool rask_q5(const RVecF& pt, const RVecF& eta, const RVecF& phi, const RVecF& m, const RVecI& q) {
  const auto n = pt.size();
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      if (q[i] == q[j]) continue;
      double mass = rask_mass(rask_add(rask_p4(pt[i], eta[i], phi[i], m[i]), rask_p4(pt[j], eta[j], phi[j], m[j])));
      if (mass > 60 && mass < 120) return true;
    }
  return false;
}

RVecD rask_q6(const RVecF& pt, const RVecF& eta, const RVecF& phi, const RVecF& m, const RVecF& btag) {
  const auto n = pt.size();
  double best = INFINITY, tpt = 0, tb = 0;
  bool found = false;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j)
      for (size_t k = j + 1; k < n; ++k) {
        auto p = rask_add(rask_add(rask_p4(pt[i], eta[i], phi[i], m[i]), rask_p4(pt[j], eta[j], phi[j], m[j])),
                          rask_p4(pt[k], eta[k], phi[k], m[k]));
        double d = std::abs(rask_mass(p) - 172.5);
        if (!found || d < best) {
          found = true; best = d; tpt = rask_pt(p);
          tb = std::max(std::max((double)btag[i], (double)btag[j]), (double)btag[k]);
        }
      }
  return RVecD{tpt, tb};
}

RVecD rask_q7(const RVecF& jpt, const RVecF& jeta, const RVecF& jphi,
              const RVecF& mpt, const RVecF& meta, const RVecF& mphi,
              const RVecF& ept, const RVecF& eeta, const RVecF& ephi) {
  double sum = 0; int kept = 0;
  for (size_t i = 0; i < jpt.size(); ++i) {
    if (!(jpt[i] > 30)) continue;
    bool close = false;
    auto near = [&](const RVecF& pt, const RVecF& eta, const RVecF& phi) {
      for (size_t l = 0; l < pt.size() && !close; ++l) {
        if (!(pt[l] > 10)) continue;
        double de = (double)jeta[i] - eta[l], dp = rask_dphi(jphi[i], phi[l]);
        if (std::sqrt(de * de + dp * dp) < 0.4) close = true;
      }
    };
    near(mpt, meta, mphi); near(ept, eeta, ephi);
    if (!close) { sum += jpt[i]; ++kept; }
  }
  return kept > 0 ? RVecD{sum} : RVecD{};
}

RVecD rask_q8(const RVecF& mpt, const RVecF& meta, const RVecF& mphi, const RVecF& mm, const RVecI& mq,
              const RVecF& ept, const RVecF& eeta, const RVecF& ephi, const RVecF& em, const RVecI& eq,
              float met, float metphi) {
  const size_t nm = mpt.size(), n = nm + ept.size();
  if (n < 3) return {};
  auto get = [&](size_t i, int w) -> double {
    if (i < nm) { switch (w) { case 0: return mpt[i]; case 1: return meta[i]; case 2: return mphi[i]; case 3: return mm[i]; default: return mq[i]; } }
    i -= nm; switch (w) { case 0: return ept[i]; case 1: return eeta[i]; case 2: return ephi[i]; case 3: return em[i]; default: return eq[i]; }
  };
  double best = INFINITY; long b1 = -1, b2 = -1;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      if ((i < nm) != (j < nm) || get(i, 4) == get(j, 4)) continue;
      double mass = rask_mass(rask_add(rask_p4(get(i, 0), get(i, 1), get(i, 2), get(i, 3)),
                                       rask_p4(get(j, 0), get(j, 1), get(j, 2), get(j, 3))));
      double d = std::abs(mass - 91.2);
      if (b1 < 0 || d < best) { best = d; b1 = i; b2 = j; }
    }
  if (b1 < 0) return {};
  long k = -1; double kpt = -INFINITY;
  for (size_t i = 0; i < n; ++i) {
    if ((long)i == b1 || (long)i == b2) continue;
    if (k < 0 || get(i, 0) > kpt) { k = i; kpt = get(i, 0); }
  }
  double dphi = rask_dphi(metphi, get(k, 2));
  return RVecD{std::sqrt(2.0 * (double)met * kpt * (1.0 - std::cos(dphi)))};
}
"""

BINS = {
    "q1": (100, 0.0, 200.0), "q2": (100, 15.0, 60.0), "q3": (100, 15.0, 60.0),
    "q4": (100, 0.0, 200.0), "q5": (100, 0.0, 200.0), "q6a": (100, 15.0, 40.0),
    "q6b": (100, 0.0, 1.0), "q7": (100, 15.0, 200.0), "q8": (100, 0.0, 200.0),
}


def book(df, q):
    """The histograms of query q, booked on the RDataFrame df (lazy)."""
    h = lambda name, col, d: d.Histo1D(("", "", *BINS[name]), col)
    if q == "q1":
        return {"q1": h("q1", "MET_pt", df)}
    if q == "q2":
        return {"q2": h("q2", "Jet_pt", df)}
    if q == "q3":
        return {"q3": h("q3", "x", df.Define("x", "Jet_pt[abs(Jet_eta) < 1.0f]"))}
    if q == "q4":
        return {"q4": h("q4", "MET_pt", df.Filter("Sum(Jet_pt > 40.0f) >= 2"))}
    if q == "q5":
        d = df.Filter("rask_q5(Muon_pt, Muon_eta, Muon_phi, Muon_mass, Muon_charge)")
        return {"q5": h("q5", "MET_pt", d)}
    if q == "q6":
        d = df.Filter("nJet >= 3").Define(
            "t", "rask_q6(Jet_pt, Jet_eta, Jet_phi, Jet_mass, Jet_btag)"
        ).Define("tpt", "t[0]").Define("tb", "t[1]")
        return {"q6a": h("q6a", "tpt", d), "q6b": h("q6b", "tb", d)}
    if q == "q7":
        d = df.Define("s", "rask_q7(Jet_pt, Jet_eta, Jet_phi, Muon_pt, Muon_eta, Muon_phi, "
                           "Electron_pt, Electron_eta, Electron_phi)")
        return {"q7": h("q7", "s", d)}
    if q == "q8":
        d = df.Filter("nMuon + nElectron >= 3").Define(
            "mt", "rask_q8(Muon_pt, Muon_eta, Muon_phi, Muon_mass, Muon_charge, "
                  "Electron_pt, Electron_eta, Electron_phi, Electron_mass, Electron_charge, "
                  "MET_pt, MET_phi)")
        return {"q8": h("q8", "mt", d)}
    raise ValueError(q)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--only", default="q1,q2,q3,q4,q5,q6,q7,q8")
    p.add_argument("--outdir")
    p.add_argument("--runs", type=int, default=2)
    a = p.parse_args()
    if a.threads > 1:
        ROOT.EnableImplicitMT(a.threads)
    ROOT.gInterpreter.Declare(HELPERS)
    for q in a.only.split(","):
        best, hists = None, None
        for _ in range(a.runs):
            df = ROOT.RDataFrame("Events", a.file)
            t0 = time.perf_counter()
            hs = book(df, q)
            for v in hs.values():
                v.GetValue()  # triggers the (single) event loop
            dt = time.perf_counter() - t0
            events = df.Count().GetValue() if best is None else events
            if best is None or dt < best:
                best, hists = dt, hs
        print(f"{q} {best:.6f} {events}", flush=True)
        if a.outdir:
            os.makedirs(a.outdir, exist_ok=True)
            for name, v in hists.items():
                hh = v.GetValue()
                vals = [hh.GetBinContent(i) for i in range(hh.GetNbinsX() + 2)]
                with open(os.path.join(a.outdir, name + ".json"), "w") as f:
                    json.dump({"values": vals}, f)


if __name__ == "__main__":
    main()
