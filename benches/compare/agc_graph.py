#!/usr/bin/env python3
"""Graph build and optimise time of the AGC ttbar task with many variations, in coffea +
dask-awkward: the peer of the "build time at scale" part of `cargo bench --bench agc` (issue #20,
point 8; dask-awkward#138, #446, dask#9795 on such graphs).

The analysis is `agc_coffea.py`'s (tests/data-gen/AGC.md) written against a lazy dask-awkward
events array (coffea 2026.9 `NanoEventsFactory.from_root(..., mode="dask")`, one file, one
partition), as a user writes it: for every jet-pT shift the whole selection runs again with the
jets' pT scaled (`--shifts N`: x (1 + k 1e-3), k = 1..N); the weight variations fill the nominal
selection's observables again with another weight (the AGC's 4 b-tag up/down and W+jets scale
up/down, plus `--flat M` up/down pairs of constant factors). Every variation of every region is
one `fill` of a `hist.dask` histogram (observable x process x variation, Weight storage), as in the
AGC. Nothing is computed.

Timed: opening the file (`open_s`, not part of the graph), building the graph of all fills
(`build_s`) and `dask.optimize` of all histograms (`optimize_s`: dask-awkward's column
projection and layer fusion). Prints one line:
  agc_graph: variations=V histograms=H open_s=.. build_s=.. optimize_s=.. layers=.. tasks=..
             layers_optimized=.. tasks_optimized=..
(layers of the high-level graph, tasks of the low-level graph, before and after optimisation).

Usage: agc_graph.py FILE.root [--shifts 150] [--flat 70]
"""

import argparse
import sys
import time
import warnings

import awkward as ak
import dask
import dask_awkward as dak
import hist.dask as hda
import numpy as np
from coffea.nanoevents import NanoAODSchema, NanoEventsFactory

NUM_BINS, BIN_LOW, BIN_HIGH = 25, 50.0, 550.0
LUMI = 3378.0
B_TAG_THRESHOLD = 0.5
REGIONS = ["4j1b", "4j2b"]


def as_f64(x):
    return dak.values_astype(x, np.float64)


def new_hist():
    return (hda.Hist.new.Reg(NUM_BINS, BIN_LOW, BIN_HIGH, name="observable", label="observable [GeV]")
            .StrCat([], name="process", label="Process", growth=True)
            .StrCat([], name="variation", label="Systematic variation", growth=True)
            .Weight())


def select(events, scale):
    """The selection and observables of one jet-pT variation (`scale`: None for nominal), as
    agc_coffea.py writes them: {region: (observable, selected jets)}."""
    elecs = events.Electron
    muons = events.Muon
    jets = events.Jet
    for field in ("pt", "eta", "phi", "mass"):
        jets = dak.with_field(jets, as_f64(jets[field]), field)
    if scale is not None:
        jets = dak.with_field(jets, jets.pt * scale, "pt")
    electron_reqs = ((elecs.pt > 30) & (np.abs(elecs.eta) < 2.1) & (elecs.cutBased == 4)
                     & (elecs.sip3d < 4))
    muon_reqs = ((muons.pt > 30) & (np.abs(muons.eta) < 2.1) & muons.tightId & (muons.sip3d < 4)
                 & (muons.pfRelIso04_all < 0.15))
    jet_reqs = (jets.pt > 30) & (np.abs(jets.eta) < 2.4) & jets.isTightLeptonVeto
    elecs = elecs[electron_reqs]
    muons = muons[muon_reqs]
    jets = jets[jet_reqs]
    one_lepton = (dak.num(elecs, axis=1) + dak.num(muons, axis=1)) == 1
    four_jets = dak.num(jets, axis=1) >= 4
    n_b = dak.sum(jets.btagCSVV2 > B_TAG_THRESHOLD, axis=1)
    out = {}
    for region in REGIONS:
        cut = one_lepton & four_jets & ((n_b == 1) if region == "4j1b" else (n_b >= 2))
        region_jets = jets[cut]
        if region == "4j1b":
            observable = dak.sum(region_jets.pt, axis=-1)
        else:
            trijet = dak.combinations(region_jets, 3, fields=["j1", "j2", "j3"])
            p4 = trijet.j1 + trijet.j2 + trijet.j3
            max_btag = np.maximum(trijet.j1.btagCSVV2,
                                  np.maximum(trijet.j2.btagCSVV2, trijet.j3.btagCSVV2))
            p4 = p4[max_btag > B_TAG_THRESHOLD]
            observable = dak.flatten(p4[dak.argmax(p4.pt, axis=1, keepdims=True)].mass)
        out[region] = (observable, region_jets)
    return out


def build(events, shifts, flat, xsec_weight):
    """All the fills: nominal, `shifts` jet-pT shifts, then the weight variations. Returns
    the histograms and the number of variations (nominal not counted)."""
    hists = {region: new_hist() for region in REGIONS}
    jet_variations = [("nominal", None)] + [(f"jes_{k}", 1.0 + k * 1e-3) for k in range(1, shifts + 1)]
    nominal = None
    for name, scale in jet_variations:
        selected = select(events, scale)
        if nominal is None:
            nominal = selected
        for region, (observable, _) in selected.items():
            weight = dak.ones_like(observable) * xsec_weight
            hists[region].fill(observable=observable, process="ttbar", variation=name, weight=weight)
    weight_variations = 0
    for region, (observable, jets) in nominal.items():
        weight = dak.ones_like(observable) * xsec_weight
        factors = []
        for i in range(4):  # the AGC's b-tag weights: 1 +- 0.075 pT_i / 50
            x = jets.pt[:, i] * 0.075 / 50
            factors += [(f"btag_var_{i}_up", 1.0 + x), (f"btag_var_{i}_down", 1.0 - x)]
        factors += [("scale_var_up", 1.025), ("scale_var_down", 0.975)]
        for k in range(1, flat + 1):
            factors += [(f"flat_{k}_up", 1.0 + k * 1e-3), (f"flat_{k}_down", 1.0 - k * 1e-3)]
        for name, factor in factors:
            hists[region].fill(observable=observable, process="ttbar", variation=name,
                               weight=weight * factor)
        weight_variations = len(factors)
    return list(hists.values()), shifts + weight_variations, len(REGIONS) * (1 + shifts + weight_variations)


def graph_size(collections):
    """(layers, tasks) of the collections' merged graph."""
    graph = dask.base.collections_to_dsk(collections, optimize_graph=False)
    layers = len(graph.layers) if hasattr(graph, "layers") else len(graph)
    return layers, len(dict(graph))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("file", help="one ROOT file of the AGC fileset (tree Events)")
    p.add_argument("--shifts", type=int, default=150, help="jet-pT shifts")
    p.add_argument("--flat", type=int, default=70, help="constant up/down weight pairs")
    a = p.parse_args(argv)
    NanoAODSchema.warn_missing_crossrefs = False  # the generated files have no *Idx branches
    warnings.filterwarnings("ignore")

    t0 = time.perf_counter()
    events = NanoEventsFactory.from_root({a.file: "Events"}, schemaclass=NanoAODSchema,
                                         mode="dask").events()
    t1 = time.perf_counter()
    hists, variations, fills = build(events, a.shifts, a.flat, 729.84 * LUMI / 200_000)
    t2 = time.perf_counter()
    optimized = dask.optimize(*hists)
    t3 = time.perf_counter()
    layers, tasks = graph_size(hists)
    layers_opt, tasks_opt = graph_size(optimized)
    print(f"agc_graph: variations={variations} histograms={fills} open_s={t1 - t0:.3f} "
          f"build_s={t2 - t1:.3f} optimize_s={t3 - t2:.3f} layers={layers} tasks={tasks} "
          f"layers_optimized={layers_opt} tasks_optimized={tasks_opt}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
