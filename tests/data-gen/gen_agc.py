#!/usr/bin/env python3
"""Synthetic AGC-schema NanoAOD generator for the AGC CMS ttbar task (issue #20).

Writes, for every dataset of the IRIS-HEP Analysis Grand Challenge ttbar task
(ttbar nominal/scaledown/scaleup/ME_var/PS_var, single_top_s_chan,
single_top_t_chan, single_top_tW, wjets, and pseudodata "data"), K ROOT files
with a TTree "Events" holding the NanoAOD branches the task reads, plus
DIR/fileset.json in coffea's own fileset form with file paths RELATIVE to the
directory of fileset.json. See tests/data-gen/AGC.md for the exact analysis
definition these files are made for.

Branches (uproot writes the counters nX as int32 "/I"; real NanoAOD: UInt_t):
  run int32, luminosityBlock uint32, event uint64
  nJet, Jet_pt/eta/phi/mass float32, Jet_btagCSVV2 float32, Jet_jetId int32,
        Jet_pt_res_smear float32 (per-jet N(1, 0.05) jet-resolution factor:
        replaces the AGC's np.random.normal draw, so every program agrees)
  nElectron, Electron_pt/eta/phi/mass/sip3d/pfRelIso03_all float32,
        Electron_charge int32, Electron_cutBased int32 (0 fail .. 4 tight)
  nMuon, Muon_pt/eta/phi/mass/sip3d/pfRelIso04_all float32, Muon_charge int32,
        Muon_tightId bool
Collections are sorted by decreasing pt, as in NanoAOD.

Kinematics are synthetic but shaped by the physics of each process: top
quarks are decayed t -> b W, W -> q q' or l nu (two-body decays, isotropic in
the rest frame, boosted), so the hadronic top's three jets peak at the top
mass; W+jets has a leptonic W and softer, mostly light-flavour extra jets.
Pseudodata mixes the nominal processes in proportion to their cross sections.

Skim (default): a file keeps only the generated events that can pass the AGC
selection in some jet variation (exactly one tight lepton; >= 4 selected jets
with >= 1 b-tag for nominal, x1.03 or x Jet_pt_res_smear jet pT), as the AGC's
ServiceX skim does; metadata "nevts" counts all generated events (kept or
not), so xsec * lumi / nevts normalises as for the unskimmed sample and the
histograms equal those of the unskimmed stream. --no-skim keeps every event
(the realistic input for throughput benchmarks); then nevts = entries.

Determinism: events are generated in blocks of BLOCK; block b of file f of
dataset d uses numpy.random.default_rng([seed, d, f, b]) (PCG64), so the
content depends only on (seed, dataset, file, generated-event index), not on
--chunk; a file of N kept events holds the first N kept events of the stream.
The event number is f * 10^9 + generated index + 1 (gaps = skimmed events).

Usage:
  gen_agc.py --out DIR --events-per-file N --files-per-dataset K --seed S
             [--no-skim] [--compression zlib|lz4|zstd|lzma|none] [--level L]
             [--chunk ENTRIES_PER_BASKET]
"""

import argparse
import json
import os
import sys
import time

import awkward as ak
import numpy as np
import uproot

BLOCK = 10000
LUMI = 3378.0  # /pb, the AGC's integrated luminosity
DEFAULT_LEVEL = {"zlib": 1, "lz4": 4, "zstd": 5, "lzma": 7}

# Cross sections in pb, from the AGC's utils/file_input.py (ttbar: nonallhad + allhad).
XSEC = {
    "ttbar": 396.87 + 332.97,
    "single_top_s_chan": 2.0268 + 1.2676,
    "single_top_t_chan": (36.993 + 22.175) / 0.252,
    "single_top_tW": 37.936 + 37.906,
    "wjets": 61457 * 0.252,
    "data": None,
}
# (process, variation) in a fixed order: the index is part of the RNG seed.
DATASETS = [
    ("ttbar", "nominal"), ("ttbar", "scaledown"), ("ttbar", "scaleup"),
    ("ttbar", "ME_var"), ("ttbar", "PS_var"),
    ("single_top_s_chan", "nominal"), ("single_top_t_chan", "nominal"),
    ("single_top_tW", "nominal"), ("wjets", "nominal"), ("data", "nominal"),
]
MC_NOMINAL = ["ttbar", "single_top_s_chan", "single_top_t_chan", "single_top_tW", "wjets"]

M_TOP, G_TOP = 172.5, 1.4
M_W, G_W = 80.4, 2.1
M_B = 4.8
M_E, M_MU = 0.000511, 0.10566
BR_LEP = 0.216  # W -> e nu or mu nu (taus are treated as hadronic decays)

# ttbar modelling variations: extra-jet multiplicity, top pt scale, jet response width.
TTBAR_TUNE = {
    "nominal": dict(isr=1.5, top_pt=45.0, resp=0.10),
    "scaledown": dict(isr=1.8, top_pt=44.0, resp=0.10),
    "scaleup": dict(isr=1.25, top_pt=46.0, resp=0.10),
    "ME_var": dict(isr=1.5, top_pt=49.0, resp=0.10),
    "PS_var": dict(isr=1.6, top_pt=45.0, resp=0.12),
}

# Mantissa bits kept per float branch, as NanoAOD stores them (CMSSW's
# MiniFloatConverter::reduceMantissaToNbitsRounding); absent = all 23 bits.
MANTISSA_BITS = {"eta": 12, "phi": 12, "mass": 10, "btagCSVV2": 10, "sip3d": 10,
                 "pfRelIso03_all": 10, "pfRelIso04_all": 10}

F, I = np.float32, np.int32
SCHEMA = {
    "Jet": [("pt", F), ("eta", F), ("phi", F), ("mass", F), ("btagCSVV2", F),
            ("jetId", I), ("pt_res_smear", F)],
    "Electron": [("pt", F), ("eta", F), ("phi", F), ("mass", F), ("charge", I),
                 ("cutBased", I), ("sip3d", F), ("pfRelIso03_all", F)],
    "Muon": [("pt", F), ("eta", F), ("phi", F), ("mass", F), ("charge", I),
             ("tightId", np.bool_), ("sip3d", F), ("pfRelIso04_all", F)],
}


# --------------------------------------------------------------------------
# four-vectors: tuples (E, px, py, pz) of float64 arrays
# --------------------------------------------------------------------------
def p4_ptetaphim(pt, eta, phi, m):
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    return np.sqrt(px * px + py * py + pz * pz + m * m), px, py, pz


def ptetaphim(p):
    e, px, py, pz = p
    pt = np.hypot(px, py)
    eta = np.arcsinh(pz / np.maximum(pt, 1e-9))
    m = np.sqrt(np.maximum(e * e - px * px - py * py - pz * pz, 0.0))
    return pt, eta, np.arctan2(py, px), m


def breit_wigner(rng, n, m0, width, lo, hi):
    m = m0 + 0.5 * width * np.tan(np.pi * (rng.random(n) - 0.5))
    return np.clip(m, lo, hi)


def decay2(rng, parent, mass, m1, m2):
    """Two-body decay of `parent` (invariant mass `mass`), isotropic in its rest frame."""
    n = len(mass)
    p = np.sqrt(np.maximum((mass**2 - (m1 + m2) ** 2) * (mass**2 - (m1 - m2) ** 2), 0.0)) / (2 * mass)
    cos = rng.uniform(-1.0, 1.0, n)
    sin = np.sqrt(1.0 - cos * cos)
    phi = rng.uniform(-np.pi, np.pi, n)
    d = (p * sin * np.cos(phi), p * sin * np.sin(phi), p * cos)
    e, px, py, pz = parent
    b = (px / e, py / e, pz / e)
    b2 = np.maximum(b[0] ** 2 + b[1] ** 2 + b[2] ** 2, 1e-300)
    gamma = 1.0 / np.sqrt(1.0 - np.minimum(b2, 1.0 - 1e-15))
    out = []
    for sign, m in ((1.0, m1), (-1.0, m2)):
        q = tuple(sign * c for c in d)
        eq = np.sqrt(p * p + m * m)
        bq = b[0] * q[0] + b[1] * q[1] + b[2] * q[2]
        k = (gamma - 1.0) * bq / b2 + gamma * eq
        out.append((gamma * (eq + bq), q[0] + k * b[0], q[1] + k * b[1], q[2] + k * b[2]))
    return out


def boosted(rng, n, pt_scale, eta_sigma, mass):
    pt = rng.gamma(2.2, pt_scale, n)
    eta = np.clip(rng.normal(0.0, eta_sigma, n), -5.0, 5.0)
    phi = rng.uniform(-np.pi, np.pi, n)
    return p4_ptetaphim(pt, eta, phi, mass)


# --------------------------------------------------------------------------
# objects: lists of (event index, fields) parts, merged and sorted by pt
# --------------------------------------------------------------------------
class Parts:
    def __init__(self):
        self.jets, self.leptons = [], []

    def jet(self, ev, p4, is_b):
        self.jets.append((ev, p4, np.broadcast_to(is_b, ev.shape).astype(bool)))

    def lepton(self, ev, p4, is_mu):
        self.leptons.append((ev, p4, is_mu.astype(bool)))


def merge(n, parts, fields):
    ev = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    out = {k: np.concatenate([p[1][k] for p in parts]) if parts else np.zeros(0) for k in fields}
    order = np.lexsort((-out["pt"], ev))
    counts = np.bincount(ev, minlength=n).astype(np.int64)
    return counts, {k: v[order] for k, v in out.items()}


def make_jets(rng, n, parts, resp):
    ev = np.concatenate([j[0] for j in parts.jets])
    e = tuple(np.concatenate([j[1][i] for j in parts.jets]) for i in range(4))
    is_b = np.concatenate([j[2] for j in parts.jets])
    pt, eta, phi, m = ptetaphim(e)
    m = np.where(is_b, M_B, 0.0)
    nj = len(ev)
    pt = pt * np.clip(rng.normal(1.0, resp, nj), 0.3, 2.0)
    eta = eta + rng.normal(0.0, 0.02, nj)
    phi = np.mod(phi + rng.normal(0.0, 0.02, nj) + np.pi, 2 * np.pi) - np.pi
    mass = m + pt * rng.uniform(0.02, 0.08, nj)
    keep = (pt > 15.0) & (np.abs(eta) < 4.7)
    tagged = rng.random(nj) < np.where(is_b, 0.80, 0.08)
    btag = np.where(tagged, rng.beta(6.0, 1.2, nj) * 0.5 + 0.5, rng.beta(0.8, 6.0, nj) * 0.5)
    btag = np.where(rng.random(nj) < 0.01, -1.0, btag)  # no secondary vertex
    # 2017-style jetId bits as in the AGC's NanoAOD files: 2 = tight, 4 = tight lepton veto
    jet_id = rng.choice(np.array([6, 2, 0]), nj, p=[0.94, 0.04, 0.02])
    smear = rng.normal(1.0, 0.05, nj)
    flat = {"pt": pt, "eta": eta, "phi": phi, "mass": mass, "btagCSVV2": btag,
            "jetId": jet_id, "pt_res_smear": smear}
    return merge(n, [(ev[keep], {k: v[keep] for k, v in flat.items()})], list(flat))


def make_leptons(rng, n, parts):
    """Prompt leptons from W decays plus soft non-prompt ones; returns (electrons, muons)."""
    ev = np.concatenate([p[0] for p in parts.leptons] + [np.zeros(0, np.int64)])
    p4 = tuple(np.concatenate([p[1][i] for p in parts.leptons] + [np.zeros(0)]) for i in range(4))
    is_mu = np.concatenate([p[2] for p in parts.leptons] + [np.zeros(0, bool)])
    pt, eta, phi, _ = ptetaphim(p4)
    pt = pt * rng.normal(1.0, 0.01, len(pt))
    prompt = {"ev": ev, "pt": pt, "eta": eta, "phi": phi, "mu": is_mu, "prompt": np.ones(len(ev), bool)}
    soft = {}
    for flavour, mean, ptmin, scale in ((True, 0.35, 3.0, 8.0), (False, 0.25, 5.0, 10.0)):
        c = rng.poisson(mean, n)
        m = int(c.sum())
        soft.setdefault("ev", []).append(np.repeat(np.arange(n), c))
        soft.setdefault("pt", []).append(ptmin + rng.exponential(scale, m))
        soft.setdefault("eta", []).append(np.clip(rng.normal(0.0, 1.3, m), -2.5, 2.5))
        soft.setdefault("phi", []).append(rng.uniform(-np.pi, np.pi, m))
        soft.setdefault("mu", []).append(np.full(m, flavour))
        soft.setdefault("prompt", []).append(np.zeros(m, bool))
    allv = {k: np.concatenate([prompt[k]] + soft[k]) for k in prompt}
    nl = len(allv["ev"])
    pr = allv["prompt"]
    keep = (np.abs(allv["eta"]) < 2.5) & (allv["pt"] > np.where(allv["mu"], 3.0, 5.0))
    charge = rng.choice(np.array([-1, 1]), nl)
    sip3d = np.where(pr, rng.exponential(1.2, nl), rng.exponential(6.0, nl))
    iso = np.where(pr, rng.exponential(0.04, nl), rng.exponential(0.6, nl))
    cut_based = np.where(pr, rng.choice(np.arange(5), nl, p=[0.01, 0.02, 0.04, 0.08, 0.85]),
                         rng.choice(np.arange(5), nl, p=[0.45, 0.25, 0.15, 0.1, 0.05]))
    tight = np.where(pr, rng.random(nl) < 0.96, rng.random(nl) < 0.6)
    base = {"pt": allv["pt"], "eta": allv["eta"], "phi": allv["phi"], "charge": charge, "sip3d": sip3d}
    mu = keep & allv["mu"]
    el = keep & ~allv["mu"]
    electrons = merge(n, [(allv["ev"][el], {**{k: v[el] for k, v in base.items()},
                                             "mass": np.full(el.sum(), M_E),
                                             "cutBased": cut_based[el],
                                             "pfRelIso03_all": iso[el] * 0.8})],
                      [f for f, _ in SCHEMA["Electron"]])
    muons = merge(n, [(allv["ev"][mu], {**{k: v[mu] for k, v in base.items()},
                                         "mass": np.full(mu.sum(), M_MU),
                                         "tightId": tight[mu], "pfRelIso04_all": iso[mu]})],
                  [f for f, _ in SCHEMA["Muon"]])
    return electrons, muons


# --------------------------------------------------------------------------
# processes
# --------------------------------------------------------------------------
def decay_top(rng, parts, ev, top, leptonic):
    """t -> b W, W -> q q' (hadronic) or l nu (leptonic, e or mu)."""
    n = len(ev)
    mt = breit_wigner(rng, n, M_TOP, G_TOP, 150.0, 195.0)
    mw = np.minimum(breit_wigner(rng, n, M_W, G_W, 60.0, 100.0), mt - M_B - 1.0)
    b, w = decay2(rng, top, mt, M_B, mw)
    parts.jet(ev, b, True)
    decay_w(rng, parts, ev, w, mw, leptonic)


def decay_w(rng, parts, ev, w, mw, leptonic):
    d1, d2 = decay2(rng, w, mw, 0.0, 0.0)
    had = ~leptonic
    parts.jet(ev[had], tuple(c[had] for c in d1), False)
    parts.jet(ev[had], tuple(c[had] for c in d2), False)
    parts.lepton(ev[leptonic], tuple(c[leptonic] for c in d1), rng.random(int(leptonic.sum())) < 0.5)


def extra_jets(rng, parts, n, mean, b_frac, ptmin=15.0, alpha=1.8):
    c = rng.poisson(mean, n)
    m = int(c.sum())
    u = rng.random(m)
    pt = ptmin * (1.0 - u * (1.0 - (ptmin / 1500.0) ** alpha)) ** (-1.0 / alpha)
    eta = np.clip(rng.normal(0.0, 2.0, m), -4.7, 4.7)
    p4 = p4_ptetaphim(pt, eta, rng.uniform(-np.pi, np.pi, m), np.zeros(m))
    parts.jet(np.repeat(np.arange(n), c), p4, rng.random(m) < b_frac)


def gen_ttbar(rng, n, tune, parts):
    ev = np.arange(n)
    t1 = boosted(rng, n, tune["top_pt"], 1.4, np.full(n, M_TOP))
    pt1, eta1, phi1, _ = ptetaphim(t1)
    pt2 = pt1 * np.exp(rng.normal(0.0, 0.3, n))
    phi2 = phi1 + np.pi + rng.normal(0.0, 0.4, n)
    t2 = p4_ptetaphim(pt2, np.clip(rng.normal(0.0, 1.4, n), -5, 5), phi2, np.full(n, M_TOP))
    # W decays: each W -> l nu (e, mu) with BR_LEP, independently
    decay_top(rng, parts, ev, t1, rng.random(n) < BR_LEP)
    decay_top(rng, parts, ev, t2, rng.random(n) < BR_LEP)
    extra_jets(rng, parts, n, tune["isr"], 0.02)


def gen_single_top(rng, n, channel, parts):
    ev = np.arange(n)
    top = boosted(rng, n, 40.0, 1.6, np.full(n, M_TOP))
    decay_top(rng, parts, ev, top, rng.random(n) < BR_LEP)
    if channel == "s_chan":  # t + b
        parts.jet(ev, boosted(rng, n, 25.0, 1.5, np.full(n, M_B)), True)
        extra_jets(rng, parts, n, 1.8, 0.02)
    elif channel == "t_chan":  # t + forward light quark (+ spectator b)
        eta = rng.choice(np.array([-1.0, 1.0]), n) * np.abs(rng.normal(2.4, 0.8, n))
        pt = 15.0 + rng.gamma(2.0, 20.0, n)
        parts.jet(ev, p4_ptetaphim(pt, np.clip(eta, -4.7, 4.7), rng.uniform(-np.pi, np.pi, n), np.zeros(n)), False)
        spec = rng.random(n) < 0.5
        bpt = 15.0 + rng.exponential(15.0, n)
        bp4 = p4_ptetaphim(bpt, rng.normal(0.0, 2.0, n), rng.uniform(-np.pi, np.pi, n), np.full(n, M_B))
        parts.jet(ev[spec], tuple(c[spec] for c in bp4), True)
        extra_jets(rng, parts, n, 1.6, 0.02)
    else:  # tW
        mw = breit_wigner(rng, n, M_W, G_W, 60.0, 100.0)
        decay_w(rng, parts, ev, boosted(rng, n, 35.0, 1.6, mw), mw, rng.random(n) < BR_LEP)
        extra_jets(rng, parts, n, 1.5, 0.02)


def gen_wjets(rng, n, parts):
    ev = np.arange(n)
    mw = breit_wigner(rng, n, M_W, G_W, 60.0, 100.0)
    w = boosted(rng, n, 22.0, 1.8, mw)
    decay_w(rng, parts, ev, w, mw, np.ones(n, bool))
    extra_jets(rng, parts, n, 2.6, 0.06, ptmin=15.0, alpha=1.5)


def gen_process(rng, process, variation, n):
    """One block of `n` events of one process: {collection: (counts, flat fields)}."""
    parts = Parts()
    resp = 0.10
    if process == "ttbar":
        tune = TTBAR_TUNE[variation]
        resp = tune["resp"]
        gen_ttbar(rng, n, tune, parts)
    elif process.startswith("single_top_"):
        gen_single_top(rng, n, process[len("single_top_"):], parts)
    elif process == "wjets":
        gen_wjets(rng, n, parts)
    else:
        raise ValueError(f"unknown process {process!r}")
    jets = make_jets(rng, n, parts, resp)
    electrons, muons = make_leptons(rng, n, parts)
    return {"Jet": jets, "Electron": electrons, "Muon": muons}


def reduce_mantissa(x, bits):
    """float32 rounded to `bits` mantissa bits (round half up on the bit pattern, as CMSSW does)."""
    shift = 23 - bits
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    mask = np.uint32((0xFFFFFFFF >> shift) << shift)
    rounded = (u + np.uint32(1 << (shift - 1))) & mask
    return np.where(np.isfinite(x), rounded.view(np.float32), x)


def column(values, name, typ):
    v = np.asarray(values).astype(typ)
    return reduce_mantissa(v, MANTISSA_BITS[name]) if name in MANTISSA_BITS else v


def to_ak(block):
    return {c: ak.unflatten(ak.zip({f: column(block[c][1][f], f, t) for f, t in SCHEMA[c]}),
                            block[c][0]) for c in SCHEMA}


def gen_block(seed, ds_index, file_index, block, process, variation):
    """BLOCK generated events (before the skim) of one file, as uproot-ready columns."""
    n = BLOCK
    rng = np.random.default_rng([seed, ds_index, file_index, block])
    if process == "data":
        # pseudodata: nominal processes mixed in proportion to their cross sections
        frac = np.array([XSEC[p] for p in MC_NOMINAL])
        counts = rng.multinomial(n, frac / frac.sum())
        pieces = [to_ak(gen_process(rng, p, "nominal", int(k))) for p, k in zip(MC_NOMINAL, counts) if k]
        perm = rng.permutation(n)
        cols = {c: ak.concatenate([pc[c] for pc in pieces])[perm] for c in SCHEMA}
    else:
        cols = to_ak(gen_process(rng, process, variation, n))
    idx = block * BLOCK + np.arange(n, dtype=np.int64)  # generated-event index in the file
    out = {
        "run": np.full(n, 260000 + file_index if process == "data" else 1, np.int32),
        "luminosityBlock": (1 + idx // 1000).astype(np.uint32),
        "event": (file_index * 1_000_000_000 + idx + 1).astype(np.uint64),
    }
    out.update(cols)
    return out


def skim_mask(d):
    """Events that can pass the AGC selection in some jet variation (see AGC.md): exactly one
    tight lepton, and for nominal, x1.03 or x Jet_pt_res_smear jet pT: >= 4 jets with pT > 30,
    |eta| < 2.4, tight-lepton-veto ID, at least one of them with btagCSVV2 > 0.5."""
    el, mu, jet = d["Electron"], d["Muon"], d["Jet"]
    n_el = ak.sum((el.pt > 30) & (abs(el.eta) < 2.1) & (el.cutBased == 4) & (el.sip3d < 4), axis=1)
    n_mu = ak.sum((mu.pt > 30) & (abs(mu.eta) < 2.1) & mu.tightId & (mu.sip3d < 4)
                  & (mu.pfRelIso04_all < 0.15), axis=1)
    good = (abs(jet.eta) < 2.4) & ((jet.jetId & 4) != 0)
    pt = ak.values_astype(jet.pt, np.float64)
    any_var = np.zeros(len(n_el), bool)
    for varied in (pt, pt * 1.03, pt * ak.values_astype(jet.pt_res_smear, np.float64)):
        j = good & (varied > 30)
        ok = (ak.sum(j, axis=1) >= 4) & (ak.sum(j & (jet.btagCSVV2 > 0.5), axis=1) >= 1)
        any_var |= ak.to_numpy(ok)
    return ak.to_numpy((n_el + n_mu) == 1) & any_var


def take(d, sel):
    return {k: v[sel] for k, v in d.items()}


def concat(pieces):
    return {k: (ak.concatenate([p[k] for p in pieces]) if isinstance(pieces[0][k], ak.Array)
                else np.concatenate([p[k] for p in pieces])) for k in pieces[0]}


def write_file(path, seed, ds_index, file_index, n_events, process, variation, comp, skim, chunk):
    """Writes n_events events (after the skim); returns how many were generated for them."""
    written, generated, block = 0, 0, 0
    pending, pending_n = [], 0
    with uproot.recreate(path, compression=comp) as f:
        tree = None
        while written + pending_n < n_events:
            d = gen_block(seed, ds_index, file_index, block, process, variation)
            keep = skim_mask(d) if skim else np.ones(BLOCK, bool)
            pos = np.flatnonzero(keep)
            need = n_events - written - pending_n
            if len(pos) >= need:
                pos = pos[:need]
                generated += int(pos[-1]) + 1
            else:
                generated += BLOCK
            if len(pos):
                pending.append(take(d, pos))
                pending_n += len(pos)
            block += 1
            if pending_n >= chunk or written + pending_n == n_events:
                out = concat(pending)
                if tree is None:
                    tree = f.mktree("Events", {k: v.type if isinstance(v, ak.Array) else v.dtype
                                               for k, v in out.items()}, title="Events")
                tree.extend(out)
                written += pending_n
                pending, pending_n = [], 0
    return generated


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="output directory (fileset.json goes there)")
    p.add_argument("--events-per-file", type=int, required=True)
    p.add_argument("--files-per-dataset", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--compression", default="zlib", choices=["zlib", "lz4", "zstd", "lzma", "none"])
    p.add_argument("--level", type=int, default=None,
                   help="compression level (default: ROOT's default: zlib 1, lz4 4, zstd 5, lzma 7)")
    p.add_argument("--no-skim", action="store_true",
                   help="write every generated event (default: only events that can pass the selection)")
    p.add_argument("--chunk", type=int, default=100000, help="entries per TTree.extend (= per TBasket)")
    a = p.parse_args(argv)
    if a.events_per_file < 1 or a.files_per_dataset < 1:
        p.error("--events-per-file and --files-per-dataset must be >= 1")
    comp = None
    if a.compression != "none":
        cls = {"zlib": uproot.ZLIB, "lz4": uproot.LZ4, "zstd": uproot.ZSTD, "lzma": uproot.LZMA}[a.compression]
        comp = cls(a.level if a.level is not None else DEFAULT_LEVEL[a.compression])

    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    fileset = {}
    for ds_index, (process, variation) in enumerate(DATASETS):
        name = f"{process}__{variation}"
        files, nevts = {}, 0
        os.makedirs(os.path.join(a.out, name), exist_ok=True)
        for fi in range(a.files_per_dataset):
            rel = f"{name}/{name}_{fi}.root"
            files[rel] = "Events"
            nevts += write_file(os.path.join(a.out, rel), a.seed, ds_index, fi, a.events_per_file,
                                process, variation, comp, not a.no_skim, a.chunk)
        written = a.events_per_file * a.files_per_dataset
        fileset[name] = {
            "files": files,
            "metadata": {"process": process, "variation": variation, "xsec": XSEC[process],
                         "nevts": nevts, "nevts_written": written, "lumi": LUMI},
        }
        print(f"  {name}: {written} events written of {nevts} generated "
              f"({time.time() - t0:.1f} s)", file=sys.stderr)
    with open(os.path.join(a.out, "fileset.json"), "w") as f:
        json.dump(fileset, f, indent=2)
        f.write("\n")
    print(f"wrote {len(DATASETS) * a.files_per_dataset} files and {a.out}/fileset.json "
          f"in {time.time() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
