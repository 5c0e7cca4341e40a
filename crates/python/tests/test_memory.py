"""Awkward arrays of events reach the engine in memory (`rask.from_awkward`): the same numbers
awkward computes on the same arrays, over partitions that start inside them; clear errors for
data that cannot be events and for a frame whose columns were released."""

import numpy as np
import pytest
import rask
import rask as dak
import rask.hist as hda

from conftest import NANO


def _events(n=1000, seed=5):
    ak = pytest.importorskip("awkward")
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 6, n)
    total = int(counts.sum())
    jets = ak.zip({
        "pt": ak.unflatten(rng.exponential(30.0, total), counts),
        "eta": ak.unflatten(rng.normal(0.0, 1.5, total), counts),
    })
    met = ak.zip({"pt": rng.exponential(40.0, n), "phi": rng.uniform(-3.0, 3.0, n)})
    return ak.zip({"Jet": jets, "MET": met}, depth_limit=1)


def test_events_from_awkward_in_memory_compute_what_awkward_computes(monkeypatch):
    ak = pytest.importorskip("awkward")
    pytest.importorskip("pyarrow")
    array = _events()

    def no_file(*args, **kwargs):
        raise AssertionError("from_awkward wrote a Parquet file")

    monkeypatch.setattr(ak, "to_parquet", no_file)
    # Partitions of 97 events: every one but the first starts inside the arrays.
    rask.configure(threads=2, partition_entries=97)
    try:
        events = rask.from_awkward(array)
        good = events.Jet[(events.Jet.pt > 30.0) & (abs(events.Jet.eta) < 2.4)]
        selected = events[dak.num(good) >= 2]
        num, ht, met = dak.compute(dak.num(good), dak.sum(good.pt, axis=1), selected.MET.pt)
        hist = hda.Hist.new.Reg(20, 0, 200, name="pt").Double().fill(dak.flatten(good.pt)).compute()
    finally:
        rask.configure()
    want = array.Jet[(array.Jet.pt > 30.0) & (abs(array.Jet.eta) < 2.4)]
    assert ak.to_list(num) == ak.to_list(ak.num(want))
    np.testing.assert_allclose(ak.to_numpy(ht), ak.to_numpy(ak.sum(want.pt, axis=1)), rtol=1e-12)
    assert ak.to_list(met) == ak.to_list(array.MET.pt[ak.num(want) >= 2])
    counts, _ = np.histogram(ak.to_numpy(ak.flatten(want.pt)), bins=20, range=(0.0, 200.0))
    np.testing.assert_array_equal(hist.values(), counts)
    assert hist.sum(flow=True) == ak.count(want.pt)


def test_released_events_and_inconsistent_columns_are_clear_errors():
    pa = pytest.importorskip("pyarrow")
    events = rask.from_awkward(_events(50))
    met = events.MET.pt
    assert rask.forget(met * 2)  # through anything that reads them
    assert not rask.forget(events)
    with pytest.raises(rask.RaskError, match="no table of events in memory"):
        met.compute()
    # A list longer than its counter says: refused when registered, naming the column and row.
    table = pa.table({
        "nMuon": pa.array([1, 2], pa.int32()),
        "Muon_pt": pa.array([[1.0, 2.0], [3.0, 4.0]]),
    })
    with pytest.raises(rask.OpenError, match="'Muon_pt': row 0 has 2 items, its counter 'nMuon' says 1"):
        rask._rask.register_arrow(table)
    with pytest.raises(rask.OpenError, match="muons: not Arrow data"):
        rask._rask.register_arrow(b"not arrow", "muons")


def test_a_field_set_on_a_cut_frame_must_have_its_events():
    events = rask.open(NANO)
    selected = events[events.MET.pt > 20]
    with pytest.raises(ValueError, match="other events than the frame"):
        selected["met2"] = events.MET.pt * 2  # every event's, not the selected ones'
    first = selected[:10]
    with pytest.raises(ValueError, match="other events than the frame"):
        first["met2"] = selected.MET.pt * 2
    first["met2"] = first.MET.pt * 2  # the frame's own events
    assert len(first.met2.compute()) == 10
