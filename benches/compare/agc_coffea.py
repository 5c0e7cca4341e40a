#!/usr/bin/env python3
"""The AGC CMS ttbar task in coffea: the reference rask's `agc` histograms must equal.

Written from the IRIS-HEP Analysis Grand Challenge's NanoAOD-based coffea implementation
(iris-hep/analysis-grand-challenge, analyses/cms-open-data-ttbar/ttbar_analysis_pipeline.py,
utils/systematics.py, corrections.json) for coffea 2026.9 (processor.Runner, NanoAODSchema,
PackedSelection, correctionlib). The exact definition and the places where it departs from the
AGC are in tests/data-gen/AGC.md; in short:
  * the jet-resolution variation uses the generator's per-jet branch Jet_pt_res_smear instead
    of np.random.normal(1, 0.05) (tests/data-gen/gen_agc.py writes it);
  * jet kinematics are taken as float64 before any arithmetic, so that the observables are
    defined in double precision (the AGC's pt_scale_up is float64 too, HT of float32 jets is not);
  * process "data" (pseudodata) is filled with weight 1 and only as variation "nominal";
  * the b-tag / W+jets scale weights come from the AGC's corrections.json formulas, evaluated
    with correctionlib (built in memory here: no file to ship).

Input is a coffea fileset JSON (`{"ttbar__nominal": {"files": {"path.root": "Events"},
"metadata": {"process": ..., "variation": ..., "xsec": ..., "nevts": ...}}}`); relative file paths
are resolved against the fileset file's directory. Output: DIR/4j1b.json and DIR/4j2b.json, each
one UHI-JSON histogram (read back by `hist.Hist(json.load(f, object_hook=uhi.io.json.object_hook))`)
with axes observable Regular(25, 50, 550), process StrCategory, variation StrCategory, Weight
storage. Prints the events processed and events/s.

Usage: agc_coffea.py --fileset FILE --out DIR [--workers N] [--chunksize N]
  --workers 1 runs in-process (IterativeExecutor); N > 1 uses N local processes (FuturesExecutor).
"""

import argparse
import json
import os
import sys
import time

import awkward as ak
import correctionlib
import correctionlib.schemav2 as cs
import hist
import numpy as np
import uhi.io.json
import coffea
from coffea import processor
from coffea.analysis_tools import PackedSelection
from coffea.nanoevents import NanoAODSchema

NUM_BINS, BIN_LOW, BIN_HIGH = 25, 50.0, 550.0
LUMI = 3378.0  # /pb
B_TAG_THRESHOLD = 0.5
REGIONS = ["4j1b", "4j2b"]
PROCESSES = ["ttbar", "single_top_s_chan", "single_top_t_chan", "single_top_tW", "wjets", "data"]
JET_KINEMATIC_SYSTS = ["pt_scale_up", "pt_res_up"]
VARIATIONS = (["nominal"] + JET_KINEMATIC_SYSTS
              + [f"btag_var_{i}_{d}" for i in range(4) for d in ("up", "down")]
              + ["scale_var_up", "scale_var_down", "scaledown", "scaleup", "ME_var", "PS_var"])


def event_systematics():
    """The AGC's corrections.json `event_systematics` (make_corrections_json.py), in memory."""
    def btag(sign):
        return cs.Formula(nodetype="formula", parser="TFormula", variables=["pt"],
                          expression=f"1.0 {sign} (x*0.075 / 50)")

    btag_var = cs.Category(nodetype="category", input="direction", default=1.0, content=[
        cs.CategoryItem(key="up", value=btag("+")), cs.CategoryItem(key="down", value=btag("-"))])
    scale_var = cs.Category(nodetype="category", input="direction", default=1.0, content=[
        cs.CategoryItem(key="up", value=1.0 + 0.025), cs.CategoryItem(key="down", value=1.0 - 0.025)])
    corr = cs.Correction(
        name="event_systematics", version=1,
        inputs=[cs.Variable(name="syst_name", type="string"),
                cs.Variable(name="direction", type="string"),
                cs.Variable(name="pt", type="real")],
        output=cs.Variable(name="weight", type="real"),
        data=cs.Category(nodetype="category", input="syst_name", default=1.0, content=[
            cs.CategoryItem(key="scale_var", value=scale_var),
            cs.CategoryItem(key="btag_var", value=btag_var)]))
    cset = cs.CorrectionSet(schema_version=2, corrections=[corr])
    return correctionlib.CorrectionSet.from_string(cset.model_dump_json(exclude_unset=True))


def new_hist():
    return (hist.Hist.new.Reg(NUM_BINS, BIN_LOW, BIN_HIGH, name="observable", label="observable [GeV]")
            .StrCat(PROCESSES, name="process", label="Process", growth=True)
            .StrCat(VARIATIONS, name="variation", label="Systematic variation", growth=True)
            .Weight())


def as_f64(x):
    return ak.values_astype(x, np.float64)


class TtbarAnalysis(processor.ProcessorABC):
    def __init__(self):
        self.cset = None  # built lazily in each worker (correctionlib objects do not pickle)

    def process(self, events):
        if self.cset is None:
            self.cset = event_systematics()
        hist_dict = {region: new_hist() for region in REGIONS}
        process = events.metadata["process"]
        variation = events.metadata["variation"]
        if process != "data":
            xsec_weight = events.metadata["xsec"] * LUMI / events.metadata["nevts"]
        else:
            xsec_weight = 1.0

        syst_variations = ["nominal"]
        event_systs = [f"btag_var_{i}" for i in range(4)]
        if process == "wjets":
            event_systs.append("scale_var")
        # systematics only for nominal MC samples (the AGC: every nominal sample; it has no data)
        if variation == "nominal" and process != "data":
            syst_variations.extend(JET_KINEMATIC_SYSTS)
            syst_variations.extend(event_systs)

        for syst_var in syst_variations:
            elecs = events.Electron
            muons = events.Muon
            jets = events.Jet
            # double-precision jet kinematics (see the module doc)
            for field in ("pt", "eta", "phi", "mass"):
                jets[field] = as_f64(jets[field])
            if syst_var == "pt_scale_up":
                jets["pt"] = jets.pt * 1.03
            elif syst_var == "pt_res_up":
                # the AGC: np.random.normal(1, 0.05) per jet; here the generator's stored draw
                jets["pt"] = jets.pt * as_f64(jets.pt_res_smear)

            electron_reqs = ((elecs.pt > 30) & (np.abs(elecs.eta) < 2.1) & (elecs.cutBased == 4)
                             & (elecs.sip3d < 4))
            muon_reqs = ((muons.pt > 30) & (np.abs(muons.eta) < 2.1) & muons.tightId & (muons.sip3d < 4)
                         & (muons.pfRelIso04_all < 0.15))
            jet_reqs = (jets.pt > 30) & (np.abs(jets.eta) < 2.4) & jets.isTightLeptonVeto
            elecs = elecs[electron_reqs]
            muons = muons[muon_reqs]
            jets = jets[jet_reqs]

            selections = PackedSelection(dtype="uint64")
            selections.add("exactly_1l", (ak.num(elecs) + ak.num(muons)) == 1)
            selections.add("atleast_4j", ak.num(jets) >= 4)
            n_b = ak.sum(jets.btagCSVV2 > B_TAG_THRESHOLD, axis=1)
            selections.add("exactly_1b", n_b == 1)
            selections.add("atleast_2b", n_b >= 2)
            selections.add("4j1b", selections.all("exactly_1l", "atleast_4j", "exactly_1b"))
            selections.add("4j2b", selections.all("exactly_1l", "atleast_4j", "atleast_2b"))

            for region in REGIONS:
                region_selection = selections.all(region)
                region_jets = jets[region_selection]
                region_weights = np.ones(len(region_jets)) * xsec_weight
                if region == "4j1b":
                    observable = ak.sum(region_jets.pt, axis=-1)
                else:
                    # hadronic top: the b-tagged trijet (>= 1 jet with btag > threshold) with the
                    # largest vector-sum pT; observable is its mass
                    trijet = ak.combinations(region_jets, 3, fields=["j1", "j2", "j3"])
                    trijet["p4"] = trijet.j1 + trijet.j2 + trijet.j3
                    trijet["max_btag"] = np.maximum(trijet.j1.btagCSVV2,
                                                    np.maximum(trijet.j2.btagCSVV2, trijet.j3.btagCSVV2))
                    trijet = trijet[trijet.max_btag > B_TAG_THRESHOLD]
                    trijet_mass = trijet["p4"][ak.argmax(trijet.p4.pt, axis=1, keepdims=True)].mass
                    observable = ak.flatten(trijet_mass)
                    if sum(region_selection) == 0:
                        continue

                if syst_var in event_systs:
                    for direction in ["up", "down"]:
                        if syst_var.startswith("btag_var"):
                            i_jet = int(syst_var.rsplit("_", 1)[-1])
                            wgt = self.cset["event_systematics"].evaluate(
                                "btag_var", direction, ak.to_numpy(region_jets.pt[:, i_jet]))
                        else:  # scale_var: the pt only gives the output its shape
                            wgt = self.cset["event_systematics"].evaluate(
                                "scale_var", direction, ak.to_numpy(region_jets.pt[:, 0]))
                        hist_dict[region].fill(observable=observable, process=process,
                                               variation=f"{syst_var}_{direction}",
                                               weight=region_weights * wgt)
                else:
                    # nominal, a jet-kinematic variation, or a 2-point sample (ttbar__scaleup...)
                    name = variation if variation != "nominal" else syst_var
                    hist_dict[region].fill(observable=observable, process=process,
                                           variation=name, weight=region_weights)

        return {"nevents": {events.metadata["dataset"]: len(events)}, "hist_dict": hist_dict}

    def postprocess(self, accumulator):
        return accumulator


class FilesetError(Exception):
    pass


def load_fileset(path):
    """The fileset with file paths made absolute against the fileset file's directory."""
    base = os.path.dirname(os.path.abspath(path))
    with open(path) as f:
        fileset = json.load(f)
    out = {}
    for name, entry in fileset.items():
        files = entry.get("files")
        if isinstance(files, list):
            files = {p: "Events" for p in files}
        if not isinstance(files, dict) or not files:
            raise FilesetError(f"{path}: dataset {name!r} has no files")
        meta = entry.get("metadata") or {}
        for key in ("process", "variation", "nevts"):
            if key not in meta:
                raise FilesetError(f"{path}: dataset {name!r} has no metadata {key!r}")
        if meta["process"] != "data" and meta.get("xsec") is None:
            raise FilesetError(f"{path}: dataset {name!r} has no metadata 'xsec'")
        resolved = {}
        for p, tree in files.items():
            full = p if os.path.isabs(p) or "://" in p else os.path.join(base, p)
            if "://" not in full and not os.path.exists(full):
                raise FilesetError(f"{path}: dataset {name!r}: file {full} does not exist")
            resolved[full] = tree
        out[name] = {"files": resolved, "metadata": meta}
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fileset", required=True, help="coffea fileset JSON")
    p.add_argument("--out", required=True, help="output directory for 4j1b.json and 4j2b.json")
    p.add_argument("--workers", type=int, default=1, help="1: in-process; N: N local processes")
    p.add_argument("--chunksize", type=int, default=100_000, help="events per coffea chunk")
    a = p.parse_args(argv)
    try:
        fileset = load_fileset(a.fileset)
    except (FilesetError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    NanoAODSchema.warn_missing_crossrefs = False  # the generated files have no *Idx branches
    if a.workers <= 1:
        executor = processor.IterativeExecutor(status=False)
    else:
        executor = processor.FuturesExecutor(workers=a.workers, status=False)
    run = processor.Runner(executor=executor, schema=NanoAODSchema, chunksize=a.chunksize,
                           savemetrics=True)
    t0 = time.perf_counter()
    output, metrics = run(fileset, processor_instance=TtbarAnalysis(), treename="Events")
    elapsed = time.perf_counter() - t0

    os.makedirs(a.out, exist_ok=True)
    for region in REGIONS:
        with open(os.path.join(a.out, f"{region}.json"), "w") as f:
            json.dump(output["hist_dict"][region], f, default=uhi.io.json.default)
            f.write("\n")
    nevents = sum(output["nevents"].values())
    print(f"coffea {coffea.__version__} workers={a.workers}: {nevents} events "
          f"in {elapsed:.2f} s = {nevents / elapsed:,.0f} events/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
