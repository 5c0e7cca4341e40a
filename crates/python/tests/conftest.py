"""Shared fixtures: the shipped NanoAOD sample and the ADL expected histograms."""

import json
import os
import pathlib

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
SHARED = pathlib.Path(os.environ.get("RASK_SHARED", REPO.parent / "shared"))
NANO = str(REPO / "data" / "nano-20k.root")


@pytest.fixture
def nano():
    return NANO


def expected(name):
    """The expected ADL histogram `name` as a hist.Hist (read by uhi, not by rask)."""
    import hist
    import uhi.io.json

    path = SHARED / "adl" / "expected" / "nano-20k" / f"{name}.json"
    with open(path) as f:
        return hist.Hist(json.load(f, object_hook=uhi.io.json.object_hook))


def assert_same_counts(got, name):
    want = expected(name)
    np.testing.assert_array_equal(got.values(flow=True), want.values(flow=True), err_msg=name)
