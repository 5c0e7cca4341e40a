"""Cluster workers from Python: `compute(workers=...)`, `configure(workers=...)` and
`LocalCluster` give what this machine gives, and a stopped worker is an error naming it."""

import numpy as np
import pytest
import rask
import rask as dak
import rask.hist as hda

from conftest import NANO, assert_same_counts
from test_seed_q8 import seed_q8

built = pytest.mark.skipif(
    not rask._rask.HAS_CLUSTER,
    reason='built without the cluster feature (MATURIN_PEP517_ARGS="--features cluster")',
)


def q1_and_jets(events):
    q1 = hda.Hist.new.Reg(100, 0, 200, name="met").Double().fill(events.MET.pt)
    pt = events.Jet.pt
    jets = hda.Hist.new.Reg(50, 0, 250, name="pt").Double().fill(dak.flatten(pt[abs(events.Jet.eta) < 1.0]))
    return q1, jets, dak.sum(dak.num(pt))


@built
def test_a_local_cluster_computes_what_this_machine_does():
    events = rask.open(NANO)
    q1, jets, n = q1_and_jets(events)
    here = dak.compute(q1, jets, n, scheduler="threads")
    with rask.LocalCluster(n_workers=2) as cluster:
        assert len(cluster.addresses) == 2 and "LocalCluster(127.0.0.1:" in repr(cluster)
        there = dak.compute(q1, jets, n, workers=cluster)
        rask.configure(workers=cluster.addresses)
        try:
            again = q1.compute()  # the configured workers
            local = q1.compute(scheduler="sync")  # a scheduler runs it here
        finally:
            rask.configure(workers=[])
    assert_same_counts(there[0], "q1")
    assert_same_counts(again, "q1")
    assert_same_counts(local, "q1")
    np.testing.assert_array_equal(there[1].values(flow=True), here[1].values(flow=True))
    assert there[2] == here[2] > 0


@built
def test_the_seed_q8_on_a_local_cluster_equals_the_expected_histogram():
    q8_hist, _ = seed_q8(rask.open(NANO, tree="Events"))
    with rask.LocalCluster(n_workers=2, threads_per_worker=1) as cluster:
        assert_same_counts(q8_hist.compute(workers=cluster), "q8")


@built
def test_stopped_workers_and_bad_arguments_are_errors_naming_them():
    events = rask.open(NANO)
    q1, _, _ = q1_and_jets(events)
    cluster = rask.LocalCluster(n_workers=1)
    address = cluster.addresses[0]
    cluster.close()
    with pytest.raises(rask.ExecError, match=address):
        q1.compute(workers=cluster)
    with pytest.raises(rask.ExecError, match="not both"):
        q1.compute(workers=[address], scheduler="sync")
    with pytest.raises(rask.ExecError, match="HOST:PORT"):
        q1.compute(workers=["no-port"])
    with pytest.raises(rask.ExecError, match="n_workers"):
        rask.LocalCluster(n_workers=0)


def test_without_the_cluster_feature_workers_are_a_clear_error():
    if rask._rask.HAS_CLUSTER:
        pytest.skip("built with the cluster feature")
    with pytest.raises(rask.ExecError, match="--features cluster"):
        rask.LocalCluster()
    with pytest.raises(rask.ExecError, match="--features cluster"):
        rask.configure(workers=["127.0.0.1:1"])
