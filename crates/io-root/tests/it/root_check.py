"""Reads a ROOT file written by rask with ROOT (PyROOT) and uproot and compares every histogram
with the UHI JSON rask wrote for it (loaded by hist). Prints one line per histogram and
exits 1 with a diff on any mismatch.

usage: root_check.py FILE.root JSON_DIR NAME...   (JSON_DIR/NAME.json for each NAME)
Set RASK_CHECK_NO_ROOT=1 to skip the PyROOT half (uproot only).
"""

import json
import os
import sys

import hist
import numpy as np
import uhi.io.json
import uproot

root_path, json_dir, names = sys.argv[1], sys.argv[2], sys.argv[3:]
use_root = os.environ.get("RASK_CHECK_NO_ROOT") != "1"
problems = []


def bad(name, what, want, got):
    problems.append(f"MISMATCH {name}: {what}\n  want {want!r}\n  got  {got!r}")


def is_category(ax):
    return isinstance(ax, (hist.axis.StrCategory, hist.axis.IntCategory))


def root_layout(h, arr):
    """JSON bins padded to ROOT's cells: every axis gets an underflow and an overflow slot
    (categories: the underflow slot is always empty, the "other" bin is the overflow)."""
    for i, ax in enumerate(h.axes):
        under = ax.traits.underflow and not is_category(ax)
        pad = (0 if under else 1, 0 if ax.traits.overflow else 1)
        width = [(0, 0)] * arr.ndim
        width[i] = pad
        arr = np.pad(arr, width)
    return arr


def drop_category_underflow(h, arr):
    for i, ax in enumerate(h.axes):
        if is_category(ax):
            arr = np.take(arr, range(1, arr.shape[i]), axis=i)
    return arr


def close(a, b, atol=0.0):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-12, atol=atol)


def close_edges(a, b):
    # hist computes regular edges as lower + i * width, ROOT as lower + i * (upper - lower) / n:
    # they may differ in the last bits.
    return close(a, b, atol=1e-12)


f_up = uproot.open(root_path)
if use_root:
    import ROOT

    f_root = ROOT.TFile.Open(root_path)
    if not f_root or f_root.IsZombie():
        print(f"ROOT cannot open {root_path}")
        sys.exit(1)

for name in names:
    before = len(problems)
    with open(os.path.join(json_dir, name + ".json")) as f:
        j = hist.Hist(json.load(f, object_hook=uhi.io.json.object_hook))
    kind = j.storage_type
    weighted = kind == hist.storage.Weight
    want_values = root_layout(j, j.values(flow=True))
    want_vars = root_layout(j, j.variances(flow=True)) if weighted else want_values

    # uproot: to_hist() equals the JSON.
    u = f_up[name].to_hist()
    if u.ndim != j.ndim:
        bad(name, "uproot ndim", j.ndim, u.ndim)
        continue
    want_u_kind = {
        hist.storage.Weight: hist.storage.Weight,
        hist.storage.Double: hist.storage.Double,
        hist.storage.Int64: hist.storage.Int64,
    }[kind]
    if u.storage_type != want_u_kind:
        bad(name, "uproot storage", want_u_kind, u.storage_type)
    for i, (ja, ua) in enumerate(zip(j.axes, u.axes)):
        if ja.label != ua.label:
            bad(name, f"uproot axis {i} label", ja.label, ua.label)
        if is_category(ja):
            if list(ja) != list(ua):
                bad(name, f"uproot axis {i} categories", list(ja), list(ua))
        elif not close_edges(ja.edges, ua.edges):
            bad(name, f"uproot axis {i} edges", list(ja.edges), list(ua.edges))
    if not close(drop_category_underflow(j, want_values), u.values(flow=True)):
        bad(name, "uproot values (flow)", drop_category_underflow(j, want_values).tolist(),
            u.values(flow=True).tolist())
    if not close(drop_category_underflow(j, want_vars), u.variances(flow=True)):
        bad(name, "uproot variances (flow)", drop_category_underflow(j, want_vars).tolist(),
            u.variances(flow=True).tolist())

    if use_root:
        h = f_root.Get(name)
        if not h:
            bad(name, "ROOT Get", "an object", None)
            continue
        want_class = {hist.storage.Int64: "I"}.get(kind, "D")
        want_class = f"TH{j.ndim}{want_class}"
        if h.ClassName() != want_class:
            bad(name, "ROOT class", want_class, h.ClassName())
        if h.GetName() != name:
            bad(name, "ROOT name", name, h.GetName())
        root_axes = [h.GetXaxis(), h.GetYaxis()][: j.ndim]
        for i, (ja, ra) in enumerate(zip(j.axes, root_axes)):
            if ra.GetTitle() != ja.label:
                bad(name, f"ROOT axis {i} title", ja.label, ra.GetTitle())
            n = ra.GetNbins()
            if is_category(ja):
                got = [ra.GetBinLabel(b) for b in range(1, n + 1)]
                if got != [str(c) for c in ja]:
                    bad(name, f"ROOT axis {i} labels", [str(c) for c in ja], got)
            else:
                edges = [ra.GetBinLowEdge(b) for b in range(1, n + 1)] + [ra.GetBinUpEdge(n)]
                if not close_edges(ja.edges, edges):
                    bad(name, f"ROOT axis {i} edges", list(ja.edges), edges)
        want_n2 = want_values.size if weighted else 0
        if h.GetSumw2N() != want_n2:
            bad(name, "ROOT GetSumw2N", want_n2, h.GetSumw2N())
        got_v = np.zeros(want_values.shape)
        got_e2 = np.zeros(want_values.shape)
        for idx in np.ndindex(*want_values.shape):
            got_v[idx] = h.GetBinContent(*idx)
            got_e2[idx] = h.GetBinError(*idx) ** 2
        if not close(want_values, got_v):
            bad(name, "ROOT GetBinContent (flow)", want_values.tolist(), got_v.tolist())
        # Unweighted: ROOT's error is sqrt(content).
        if not np.allclose(want_vars, got_e2, rtol=1e-9, atol=0.0):
            bad(name, "ROOT GetBinError^2 (flow)", want_vars.tolist(), got_e2.tolist())
    if len(problems) == before:
        print(f"ok {name}: {j.ndim}-D {kind.__name__}, {want_values.size} cells")

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
