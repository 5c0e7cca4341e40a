"""The Python surface: errors at build time naming the expression, arrays out as awkward,
operators and ufuncs, SQL."""

import json

import numpy as np
import pytest
import rask
import rask as dak
import rask.hist as hda

from conftest import NANO, REPO


def test_a_typod_field_is_an_attribute_error_with_suggestions():
    events = rask.open(NANO)
    with pytest.raises(AttributeError) as e:
        events.Muon.ptt
    assert "pt" in str(e.value) and "ptt" in str(e.value)
    assert isinstance(e.value, rask.NoSuchFieldError)
    assert not hasattr(events.Muon, "nope")


def test_a_mistyped_operation_fails_when_built_naming_it():
    events = rask.open(NANO)
    with pytest.raises(rask.PlanError) as e:
        events.Muon.pt + events.Jet.pt  # lists of different lengths
    assert "Muon" in str(e.value) or "Jet" in str(e.value)


def test_per_event_values_come_back_as_awkward_arrays_equal_to_uproot():
    ak = pytest.importorskip("awkward")
    uproot = pytest.importorskip("uproot")
    events = rask.open(NANO)
    got = dak.compute(events.Muon.pt[events.Muon.pt > 20.0])[0]
    tree = uproot.open(NANO)["Events"]
    pt = tree["Muon_pt"].array()
    want = pt[pt > 20.0]
    # rask widens float32 to float64 exactly: the same numbers.
    assert ak.to_list(got) == ak.to_list(want)
    assert len(got) == 20000


def test_numbers_come_back_as_numbers_and_arrays_round_trip_through_awkward():
    ak = pytest.importorskip("awkward")
    events = rask.open(NANO)
    n, total = dak.compute(dak.num(events.Jet, axis=0), dak.sum(dak.num(events.Jet)))
    assert n == 20000
    jets = dak.compute(dak.num(events.Jet))[0]
    assert int(ak.sum(jets)) == total


def test_operators_reflected_and_ufuncs_build_the_same_plan_as_methods():
    events = rask.open(NANO)
    pt = events.MET.pt
    a = (1 - pt) * 2
    b = 2 * (1 - pt)
    assert a.compute() is not None
    x, y = dak.compute(dak.sum(a), dak.sum(b))
    assert x == pytest.approx(y)
    r = dak.compute(dak.sum(np.sqrt(pt)), dak.sum(pt ** 0.5))
    assert r[0] == pytest.approx(r[1])
    # numpy's remainder: the sign of the divisor.
    m = dak.compute(dak.min((pt * 0 - 7.0) % 3.0))[0]
    assert m == pytest.approx(2.0)


def test_sql_from_python_returns_histograms():
    events = rask.open(NANO)
    out = rask.sql("SELECT hist(MET.pt, 100, 0, 200) AS met FROM events", events=events)
    h = hda.Hist.new.Reg(100, 0, 200, name="met").Int64().fill(events.MET.pt).compute()
    np.testing.assert_array_equal(out["met"].values(flow=True), h.values(flow=True))


def test_explain_and_physical_plan():
    events = rask.open(NANO)
    h = hda.Hist.new.Reg(10, 0, 100, name="met").Double().fill(events.MET.pt)
    assert "hist" in h.explain()
    assert "ScanExec" in rask.physical_plan(h)


def test_fields_set_on_a_collection_are_read_back():
    events = rask.open(NANO)
    events["Muon", "pt2"] = events.Muon.pt * 2
    s = dak.compute(dak.sum(events.Muon.pt2), dak.sum(events.Muon.pt))
    assert s[0] == pytest.approx(2 * s[1])


def test_ctrl_c_cancels_a_running_computation_and_the_next_one_runs(tmp_path):
    import os
    import signal
    import threading
    import time

    # 400 names of the sample (hard links where the filesystem allows): 8M events on one thread,
    # about two seconds in a release build, so a run that ignored Ctrl-C would fail the timing.
    paths = []
    for i in range(400):
        p = tmp_path / f"n{i}.root"
        try:
            os.link(NANO, p)
        except OSError:
            import shutil

            shutil.copy(NANO, p)
        paths.append(str(p))
    rask.configure(threads=1)
    try:
        from test_adl import adl

        busy = adl(rask.open(paths))["q8"]
        timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
        timer.start()
        start = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            dak.compute(busy)
        stopped = time.perf_counter() - start
        timer.join()
        assert stopped < 0.3 + 1.0, stopped
        # The engine is fine afterwards.
        n = dak.compute(dak.num(rask.open(NANO).Jet, axis=0))[0]
        assert n == 20000
    finally:
        rask.configure()


def test_awkward_arrays_round_trip_through_a_plan():
    ak = pytest.importorskip("awkward")
    events = rask.open(NANO)
    fields = ["pt", "eta", "phi", "mass", "charge"]
    muons = dak.zip({f: events.Muon[f] for f in fields})
    mu, met_pt, met_phi = dak.compute(muons, events.MET.pt, events.MET.phi)
    # awkward → a plan's events → computed again: the same values.
    back = rask.from_awkward(
        ak.zip({"Muon": mu, "MET": ak.zip({"pt": met_pt, "phi": met_phi})}, depth_limit=1))
    mu2, pt2 = dak.compute(dak.zip({f: back.Muon[f] for f in fields}), back.MET.pt)
    assert ak.to_list(mu2) == ak.to_list(mu)
    assert ak.to_list(pt2) == ak.to_list(met_pt)
    # And the round-tripped events feed the same histogram.
    a = hda.Hist.new.Reg(50, 0, 100, name="pt").Int64().fill(events.Muon.pt).compute()
    b = hda.Hist.new.Reg(50, 0, 100, name="pt").Int64().fill(back.Muon.pt).compute()
    np.testing.assert_array_equal(a.values(flow=True), b.values(flow=True))


def test_more_numpy_ufuncs_equal_numpy_on_the_same_values():
    ak = pytest.importorskip("awkward")
    uproot = pytest.importorskip("uproot")
    events = rask.open(NANO)
    pt, eta = events.Muon.pt, events.Muon.eta
    tree = uproot.open(NANO)["Events"]
    upt = ak.values_astype(tree["Muon_pt"].array(), np.float64)
    ueta = ak.values_astype(tree["Muon_eta"].array(), np.float64)
    cases = {
        "floor": (np.floor(eta), np.floor(ueta)),
        "ceil": (np.ceil(eta), np.ceil(ueta)),
        "log10": (np.log10(pt), np.log10(upt)),
        "log2": (np.log2(pt), np.log2(upt)),
        "log1p": (np.log1p(pt), np.log1p(upt)),
        "expm1": (np.expm1(eta), np.expm1(ueta)),
        "arcsin": (np.arcsin(eta / 3.0), np.arcsin(ueta / 3.0)),
        "arccos": (np.arccos(eta / 3.0), np.arccos(ueta / 3.0)),
    }
    got = dak.compute(*[c[0] for c in cases.values()])
    for (name, (_, want)), g in zip(cases.items(), got):
        g, w = ak.flatten(g).to_numpy(), ak.flatten(want).to_numpy()
        assert len(g) == len(w) > 1000, name
        # The same libm functions as numpy's float64 loops: equal, at worst to an ulp or two.
        np.testing.assert_allclose(g, w, rtol=4e-16, atol=0, err_msg=name)
    # Exact ones are exact.
    assert np.array_equal(ak.flatten(got[0]).to_numpy(), ak.flatten(cases["floor"][1]).to_numpy())


def test_singletons_equal_awkwards_on_the_same_values():
    ak = pytest.importorskip("awkward")
    uproot = pytest.importorskip("uproot")
    events = rask.open(NANO)
    pt = events.Muon.pt
    lead = dak.firsts(pt[pt > 20.0])  # missing where no muon passes
    got = dak.compute(
        dak.singletons(lead),
        dak.singletons(events.MET.pt),  # not optional: every event gets a list of one
        dak.singletons(dak.firsts(events.Muon)).eta,  # records: the fields come along
        dak.num(dak.singletons(lead)),
    )
    tree = uproot.open(NANO)["Events"]
    mpt, meta, met = (tree[b].array() for b in ("Muon_pt", "Muon_eta", "MET_pt"))
    want_lead = ak.singletons(ak.firsts(mpt[mpt > 20.0]))
    assert ak.to_list(got[0]) == ak.to_list(want_lead)
    assert ak.to_list(got[1]) == ak.to_list(ak.singletons(met))
    assert ak.to_list(got[2]) == ak.to_list(ak.singletons(ak.firsts(meta)))
    assert ak.to_list(got[3]) == ak.to_list(ak.num(want_lead))
    # Some events have a leading muon and some have none: both cases are exercised.
    assert 0 < ak.sum(ak.num(want_lead)) < len(want_lead)
    with pytest.raises(NotImplementedError, match="singletons"):
        dak.singletons(lead, axis=1)


def test_hyperbolic_rounding_and_angle_ufuncs_equal_numpy():
    ak = pytest.importorskip("awkward")
    uproot = pytest.importorskip("uproot")
    events = rask.open(NANO)
    pt, eta, phi = events.Muon.pt, events.Muon.eta, events.Muon.phi
    tree = uproot.open(NANO)["Events"]
    upt, ueta, uphi = (ak.values_astype(tree[b].array(), np.float64) for b in ("Muon_pt", "Muon_eta", "Muon_phi"))
    cases = {
        "arcsinh": (np.arcsinh(eta), np.arcsinh(ueta)),
        "arccosh": (np.arccosh(pt), np.arccosh(upt)),
        "arctanh": (np.arctanh(eta / 3.0), np.arctanh(ueta / 3.0)),
        "rint": (np.rint(pt * 2.0), np.rint(upt * 2.0)),
        "trunc": (np.trunc(eta * 3.0), np.trunc(ueta * 3.0)),
        "exp2": (np.exp2(eta), np.exp2(ueta)),
        "cbrt": (np.cbrt(pt), np.cbrt(upt)),
        "square": (np.square(eta), np.square(ueta)),
        "degrees": (np.degrees(phi), np.degrees(uphi)),
        "deg2rad": (np.deg2rad(pt), np.deg2rad(upt)),
    }
    got = dak.compute(*[c[0] for c in cases.values()])
    for (name, (_, want)), g in zip(cases.items(), got):
        g, w = ak.flatten(g).to_numpy(), ak.flatten(want).to_numpy()
        assert len(g) == len(w) > 1000, name
        # Rust's inverse hyperbolic functions are its own formulas, not libm's: an ulp or two.
        rtol = 1e-15 if name in ("arcsinh", "arccosh", "arctanh") else 4e-16
        np.testing.assert_allclose(g, w, rtol=rtol, atol=0, err_msg=name)
    # Rounding, squares and the ties of rint (half to even, as numpy) are exact.
    for name in ("rint", "trunc", "square"):
        i = list(cases).index(name)
        assert np.array_equal(ak.flatten(got[i]).to_numpy(), ak.flatten(cases[name][1]).to_numpy()), name
    ties = dak.compute(np.rint(events.MET.pt * 0 + 2.5) + np.rint(events.MET.pt * 0 - 0.5))[0]
    assert set(ak.to_list(ties)) == {2.0}
    # sign: -1, 0 or 1 as numpy's (of eta, and of zeros of both signs).
    s, z = dak.compute(np.sign(eta), np.sign(eta * 0.0))
    assert np.array_equal(ak.flatten(s).to_numpy(), np.sign(ak.flatten(ueta).to_numpy()))
    want_z = np.sign(ak.flatten(ueta).to_numpy() * 0.0)
    got_z = ak.flatten(z).to_numpy()
    assert np.array_equal(got_z, want_z) and not np.signbit(got_z).any()
    # isnan / isinf / isfinite of values holding NaN and ±inf (log of pt - 10 is NaN below 10,
    # -inf at 0 ... and 1/(eta*0) is ±inf).
    odd = np.log(pt - 10.0) + 1.0 / (eta * 0.0 + 1.0)
    inf = 1.0 / (eta * 0.0)
    got = dak.compute(np.isnan(odd), np.isfinite(odd), np.isinf(inf), np.isfinite(inf))
    with np.errstate(all="ignore"):
        uodd = np.log(ak.flatten(upt).to_numpy() - 10.0) + 1.0
        uinf = 1.0 / (ak.flatten(ueta).to_numpy() * 0.0)
    want = [np.isnan(uodd), np.isfinite(uodd), np.isinf(uinf), np.isfinite(uinf)]
    for g, w in zip(got, want):
        assert np.array_equal(ak.flatten(g).to_numpy(), w)
    assert want[0].any() and want[1].any() and want[2].all()


def test_negative_positions_count_from_the_end_as_python_slices_do():
    ak = pytest.importorskip("awkward")
    uproot = pytest.importorskip("uproot")
    events = rask.open(NANO)
    met = uproot.open(NANO)["Events"]["MET_pt"].array()  # 20,000 entries
    # Python's own slices of uproot's whole array are the reference.
    for where in [slice(-10, None), slice(-25, -5), slice(None, -19_990), slice(-30_000, 5),
                  slice(19_995, 30_000), slice(-5, -10)]:
        got = events[where].MET.pt.compute()
        assert ak.to_list(got) == ak.to_list(met[where]), where
    # A slice of a slice counts from the end of the first slice.
    assert ak.to_list(events[100:200][-3:].MET.pt.compute()) == ak.to_list(met[197:200])
    assert ak.to_list(events[-50:][:-45].MET.pt.compute()) == ak.to_list(met[-50:-45])
    # Fields of the frame know the count too, and keep it through their own slices.
    assert ak.to_list(events.MET.pt[-4:].compute()) == ak.to_list(met[-4:])
    assert ak.to_list(events.MET["pt"][10:20][-2:].compute()) == ak.to_list(met[18:20])
    muon_pt = uproot.open(NANO)["Events"]["Muon_pt"].array()
    assert ak.to_list(events.Muon.pt[-3:].compute()) == ak.to_list(muon_pt[-3:])


def test_a_fileset_frame_counts_its_entries_across_every_file():
    uproot = pytest.importorskip("uproot")
    ak = pytest.importorskip("awkward")
    fileset = REPO / "data" / "agc" / "fileset.json"
    files = [fileset.parent / f for d in json.loads(fileset.read_text()).values()
             for f in d["files"]]
    total = sum(uproot.open(f)["Events"].num_entries for f in files)  # 12,000
    events = rask.open_fileset(fileset)
    # The last events by a negative position are those at uproot's count from the start.
    # (The same entries make the same source, so both are computed in one pass.)
    last = dak.compute(events[-7:].nJet, events[total - 7:].nJet)
    assert len(last[0]) == 7
    assert ak.to_list(last[0]) == ak.to_list(last[1])
    assert ak.to_list(events[-7:][:-2].nJet.compute()) == ak.to_list(last[1])[:5]


def test_events_sliced_by_position_equal_uproots_entries():
    ak = pytest.importorskip("awkward")
    uproot = pytest.importorskip("uproot")
    events = rask.open(NANO)
    events["Muon", "pdgId"] = -13 * events.Muon.charge  # set before slicing: sliced along
    head = events[100:250]
    met, pdg, njet = dak.compute(head.MET.pt, head.Muon.pdgId, dak.num(head.Jet))
    tree = uproot.open(NANO)["Events"]
    arrays = tree.arrays(["MET_pt", "Muon_charge", "nJet"], entry_start=100, entry_stop=250)
    assert ak.to_list(met) == ak.to_list(arrays.MET_pt)
    assert ak.to_list(pdg) == ak.to_list(-13 * arrays.Muon_charge)
    assert ak.to_list(njet) == ak.to_list(arrays.nJet)
    # An array sliced by itself, a slice of a slice, and an open end.
    assert ak.to_list(events.MET.pt[5:9].compute()) == ak.to_list(tree["MET_pt"].array(entry_start=5, entry_stop=9))
    assert ak.to_list(head[10:12].MET.pt.compute()) == ak.to_list(arrays.MET_pt[10:12])
    assert len(events[19_990:].MET.pt.compute()) == 10
    # Histograms of a slice count its events only.
    h = hda.Hist.new.Reg(10, 0, 1000, name="met").Double().fill(events[:1000].MET.pt).compute()
    assert h.sum(flow=True) == 1000
    # Negative positions on values computed from the fields count back from the source's
    # entries (those of a sliced source: within its slice); after a cut they are an error.
    tail = tree.arrays(["MET_pt", "MET_phi", "nJet"], entry_start=19_990)
    doubled = (events.MET.pt * 2)[-10:-4].compute()
    njet = dak.num(events.Jet)[-3:].compute()
    assert ak.to_list(doubled) == ak.to_list(2 * ak.values_astype(tail.MET_pt, np.float64)[:6])
    assert ak.to_list(njet) == ak.to_list(tail.nJet[-3:])
    summed = (head.MET.pt + head.MET.phi)[-3:].compute()
    want = ak.values_astype(arrays.MET_pt[-3:], np.float64) + ak.values_astype(
        tree["MET_phi"].array(entry_start=247, entry_stop=250), np.float64)
    assert ak.to_list(summed) == ak.to_list(want)

    # After a cut, positions count the events it kept (awkward's and dask-awkward's
    # meaning), over every partition in order.
    met_all = ak.values_astype(tree["MET_pt"].array(), np.float64)
    high = met_all > 20
    selected = events[events.MET.pt > 20][:10]
    assert ak.to_list(selected.MET.pt.compute()) == ak.to_list(met_all[high][:10])
    njet = dak.num(events[events.MET.pt > 20][3:8].Jet).compute()
    assert ak.to_list(njet) == ak.to_list(tree["nJet"].array()[high][3:8])
    twice = (events.MET.pt[events.MET.pt > 20] * 2)[-10:-2].compute()
    assert ak.to_list(twice) == ak.to_list(2 * met_all[high][-10:-2])
    # A slice of a slice is one slice; the first events of two cuts in one computation.
    chained = events[events.MET.pt > 20][:10][2:5].MET.pt.compute()
    assert ak.to_list(chained) == ak.to_list(met_all[high][2:5])
    a, b = dak.compute(events.MET.pt[events.MET.pt > 20][:5], events.MET.pt[events.MET.pt > 150][:5])
    assert ak.to_list(a) == ak.to_list(met_all[high][:5])
    assert ak.to_list(b) == ak.to_list(met_all[met_all > 150][:5])
    # A histogram (or any sum over events) of such a slice is refused, naming it.
    with pytest.raises(rask.PlanError, match="events by position after a cut"):
        hda.Hist.new.Reg(10, 0, 100, name="met").Double().fill(selected.MET.pt).compute()
    with pytest.raises(NotImplementedError, match="step 1"):
        events[::2]


def test_values_of_all_events_read_per_event_equal_numpy():
    ak = pytest.importorskip("awkward")
    uproot = pytest.importorskip("uproot")
    events = rask.open(NANO)
    met = events.MET.pt
    centred = met - dak.mean(met)
    met_np = uproot.open(NANO)["Events"]["MET_pt"].array(library="np").astype(np.float64)
    want = met_np - met_np.mean()
    np.testing.assert_allclose(ak.to_numpy(centred.compute()), want, rtol=0, atol=1e-9)
    # Sliced by position: the mean stays the mean of every event.
    np.testing.assert_allclose(ak.to_numpy(centred[-3:].compute()), want[-3:], rtol=0, atol=1e-9)
    np.testing.assert_allclose(ak.to_numpy(centred[:4].compute()), want[:4], rtol=0, atol=1e-9)


def test_values_cross_as_arrow_c_streams_in_place():
    pa = pytest.importorskip("pyarrow")
    uproot = pytest.importorskip("uproot")
    from rask import _rask

    events = rask.open(NANO)
    kind, values = _rask.compute([events.MET.pt._e], None)[0]
    assert kind == "events" and len(values) == 20000
    want = uproot.open(NANO)["Events"]["MET_pt"].array(library="np")
    # Every `__arrow_c_stream__` call is a fresh stream of the same buffers.
    for _ in range(2):
        got = pa.table(values).column("values").to_numpy()
        np.testing.assert_array_equal(got, want)
