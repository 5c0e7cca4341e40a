"""The seed's dask-awkward Q8, with only its imports and the line that opens the file changed
(the README shows the diff), gives the expected histogram."""

import numpy as np
import rask
import rask as dak
import rask.hist as hda

from conftest import NANO, assert_same_counts


def seed_q8(events):
    """The seed's Q8 on ``events``, verbatim but for its last line (which plots)."""
    # --- the seed, verbatim ---
    events["Electron", "pdgId"] = -11 * events.Electron.charge
    events["Muon", "pdgId"] = -13 * events.Muon.charge
    events["leptons"] = dak.concatenate([events.Electron, events.Muon], axis=1)
    events = events[dak.num(events.leptons) >= 3]
    pair = dak.argcombinations(events.leptons, 2, fields=["l1", "l2"])
    pair = pair[(events.leptons[pair.l1].pdgId == -events.leptons[pair.l2].pdgId)]
    pair = pair[dak.singletons(dak.argmin(abs((events.leptons[pair.l1] + events.leptons[pair.l2]).mass - 91.2), axis=1))]
    events = events[dak.num(pair) > 0]
    pair = pair[dak.num(pair) > 0][:, 0]
    l3 = dak.local_index(events.leptons)
    l3 = l3[(l3 != pair.l1) & (l3 != pair.l2)]
    l3 = l3[dak.argmax(events.leptons[l3].pt, axis=1, keepdims=True)]
    l3 = events.leptons[l3][:, 0]
    mt = np.sqrt(2 * l3.pt * events.MET.pt * (1 - np.cos(events.MET.delta_phi(l3))))
    q8_hist = hda.Hist.new.Reg(100, 0, 200, name="mt", label="$\\ell$-MET transverse mass [GeV]").Double().fill(mt)
    # --- end of the seed (its last line plots; see test_the_seed_q8_plots) ---
    return q8_hist, mt


def test_the_seed_q8_runs_with_only_its_imports_changed():
    events = rask.open(NANO, tree="Events")
    q8_hist, mt = seed_q8(events)
    h = q8_hist.compute()
    assert_same_counts(h, "q8")
    assert h.axes[0].name == "mt"
    # The plan reads only what Q8 needs.
    cols = dak.necessary_columns(mt)["events"]
    assert "MET_pt" in cols and "Jet_pt" not in cols


def test_the_seed_q8_plots(tmp_path):
    plt = __import__("pytest").importorskip("matplotlib.pyplot")
    events = rask.open(NANO, tree="Events")
    h = hda.Hist.new.Reg(100, 0, 200, name="met").Double().fill(events.MET.pt)
    h.compute().plot1d()
    plt.savefig(tmp_path / "met.png")
    assert (tmp_path / "met.png").stat().st_size > 1000
