"""Q8 from Python: rask's package (the seed's dask-awkward script, and Q8 as the ADL reference
writes it) against the same query from the Rust CLI (`rask adl --query q8`) and against coffea +
dask-awkward running the seed. Prints one line per runner: `<runner> <best seconds> <entries>`.

    python benches/compare/python_q8.py FILE --runner rask-seed|rask-adl|dask-seed [--threads 2] [--runs 5] [--step 1000000]
    python benches/compare/python_q8.py FILE --runner rask-seed --vs-cli target/release/rask [--rounds 5]

`--vs-cli BIN` measures the overhead target of issue #19 in one run: rounds alternate `--runs`
runs of `BIN adl --query q8` (its own reported run time: the engine alone, without process start,
file open or writing) with as many of the Python runner (everything from `rask.open` and building
the plan to the histogram's sum), and print the best of each and their ratio.

`rask-*` need `pip install ./crates/python` (release: the default); `dask-seed` needs coffea
2026.9 and dask-awkward (benches/compare/setup.sh). The seed as written cannot run in coffea:
concatenating electrons and muons gives a union of two record types whose `delta_phi` fails, so
the dask version zips their common fields into one record type first (the only change).
"""

import argparse
import re
import subprocess
import tempfile
import time

import numpy as np


def seed_q8(events, dak, hda, leptons):
    events["Electron", "pdgId"] = -11 * events.Electron.charge
    events["Muon", "pdgId"] = -13 * events.Muon.charge
    events["leptons"] = leptons(events)
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
    return hda.Hist.new.Reg(100, 0, 200, name="mt", label="$\\ell$-MET transverse mass [GeV]").Double().fill(mt)


def run_rask(path, threads, adl_style):
    import rask
    import rask as dak
    import rask.hist as hda

    rask.configure(threads=threads)
    events = rask.open(path, tree="Events")
    if adl_style:
        import importlib.util
        import pathlib

        spec = importlib.util.spec_from_file_location(
            "adl", pathlib.Path(__file__).resolve().parents[2] / "crates/python/tests/test_adl.py")
        # test_adl imports conftest; make it importable.
        import sys

        sys.path.insert(0, str(pathlib.Path(spec.origin).parent))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        h = mod.adl(events)["q8"]
    else:
        h = seed_q8(events, dak, hda, lambda ev: dak.concatenate([ev.Electron, ev.Muon], axis=1))
    return h.compute().sum()


def run_dask(path, threads, step):
    import dask
    import dask_awkward as dak
    import hist.dask as hda
    from coffea.nanoevents import NanoAODSchema, NanoEventsFactory

    def leptons(ev):
        def common(c):
            return dak.zip({f: c[f] for f in ("pt", "eta", "phi", "mass", "charge", "pdgId")},
                           with_name="PtEtaPhiMCandidate", behavior=c.behavior)
        return dak.concatenate([common(ev.Electron), common(ev.Muon)], axis=1)

    # Partitions of `step` events (by default the file is one partition, and `threads` would
    # have nothing to run in parallel).
    import uproot

    with uproot.open(path) as f:
        steps = max(1, -(-f["Events"].num_entries // step))
    events = NanoEventsFactory.from_root({path: "Events"}, schemaclass=NanoAODSchema, mode="dask",
                                         steps_per_file=steps).events()
    h = seed_q8(events, dak, hda, leptons)
    with dask.config.set(scheduler="threads", num_workers=threads):
        return h.compute().sum()


def cli_q8(binary, path, threads):
    """The run time `rask adl --query q8` reports for itself, in seconds."""
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [binary, "adl", "--query", "q8", "--input", path, "--out", out, "--threads", str(threads)],
            check=True, capture_output=True, text=True)
    found = re.search(r"events: \d+ in ([0-9.]+) s", done.stdout + done.stderr)
    if not found:
        raise SystemExit(f"no run time in the output of {binary}:\n{done.stdout}{done.stderr}")
    return float(found.group(1))


def vs_cli(a):
    best_cli, best_py = float("inf"), float("inf")
    for r in range(a.rounds):
        cli = min(cli_q8(a.vs_cli, a.file, a.threads) for _ in range(a.runs))
        py = float("inf")
        for _ in range(a.runs):
            t0 = time.perf_counter()
            run_rask(a.file, a.threads, a.runner == "rask-adl")
            py = min(py, time.perf_counter() - t0)
        print(f"round {r + 1}: cli {cli:.3f} s, {a.runner} {py:.3f} s, python/cli {py / cli:.3f}")
        best_cli, best_py = min(best_cli, cli), min(best_py, py)
    print(f"best: cli {best_cli:.3f} s, {a.runner} {best_py:.3f} s, python/cli {best_py / best_cli:.3f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--runner", required=True, choices=["rask-seed", "rask-adl", "dask-seed"])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--vs-cli", metavar="BIN", help="alternate with this rask CLI's Q8 (see above)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--step", type=int, default=1_000_000,
                   help="dask-seed: events per partition (default 1M: two partitions of the 2M file, "
                        "one per thread; 200k-event partitions ran about 2x slower, and one "
                        "partition leaves a thread idle)")
    a = p.parse_args()
    if a.vs_cli:
        if a.runner == "dask-seed":
            raise SystemExit("--vs-cli compares rask's Python runners with the CLI")
        return vs_cli(a)
    best, entries = float("inf"), None
    for _ in range(a.runs):
        t0 = time.perf_counter()
        if a.runner == "dask-seed":
            entries = run_dask(a.file, a.threads, a.step)
        else:
            entries = run_rask(a.file, a.threads, a.runner == "rask-adl")
        best = min(best, time.perf_counter() - t0)
    print(f"{a.runner} {best:.3f} {float(entries.value if hasattr(entries, 'value') else entries):.0f}")


if __name__ == "__main__":
    main()
