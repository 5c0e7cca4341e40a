"""Damaged Parquet files: rask must never read different numbers where pyarrow refuses the file.

Three commands (pyarrow; the CI venv has it: /root/.cache/rask-ci-venv/bin/python):

  fixtures   writes tests/hostile/io/nano-small-{zstd-v2,plain-v1}.parquet: the first 240 events
             of the shared nano-20k.parquet (a NanoAOD-like subset of columns), row groups of 80,
             one with ZSTD and data pages v2 (levels stored uncompressed, as in the shared file),
             one uncompressed with data pages v1 (levels inside the page).
  verdicts   writes tests/hostile/io/<fixture>.pyarrow-verdicts.txt: pyarrow's verdict on each of
             the seeded mutations the Rust test `parquet_damage::mutations_*` makes (the same
             generator, below): R = pyarrow refuses the file, S = it reads the intact values,
             D = it reads different values. The Rust test (in CI) then checks that rask errors
             or returns the intact values wherever pyarrow says R or S.
  check      the full comparison, run locally: writes N mutated copies of each fixture to DIR
             with pyarrow's reading of each (k.pyarrow.parquet, or k.rejected), then runs
             `cargo test -p rask-io-root --test it parquet_mutations_vs_pyarrow -- --ignored`,
             which reads every copy with rask and fails on any read that is neither an error,
             nor the intact values, nor pyarrow's values; it prints the tallies.

  python tests/data-gen/parquet_mutation_check.py fixtures
  python tests/data-gen/parquet_mutation_check.py verdicts
  python tests/data-gen/parquet_mutation_check.py check --cases 1000 --dir /tmp/pq-mutations [--seed 7]
"""
import argparse
import os
import pathlib
import shutil
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq

REPO = pathlib.Path(__file__).resolve().parents[2]
HOSTILE = REPO / "tests" / "hostile" / "io"
FIXTURES = {
    "nano-small-zstd-v2.parquet": dict(compression="zstd", data_page_version="2.0"),
    "nano-small-plain-v1.parquet": dict(compression="none", data_page_version="1.0"),
}
COLUMNS = ["run", "event", "HLT_IsoMu24", "nMuon", "Muon_pt", "Muon_eta", "Muon_charge",
           "Muon_tightId", "MET_pt", "nJet", "Jet_pt", "Jet_btag"]
# The Rust test uses the same numbers.
VERDICT_CASES = 2000
SEED = 0x5EED_9A7C
MASK = (1 << 64) - 1


class Rng:
    """xorshift64*, as `Rng` in crates/io-root/tests/it/bad_input.rs."""

    def __init__(self, seed):
        self.state = seed

    def next(self):
        s = self.state
        s ^= s >> 12
        s ^= (s << 25) & MASK
        s ^= s >> 27
        self.state = s
        return (s * 0x2545F4914F6CDD1D) & MASK

    def below(self, n):
        return self.next() % n


def mutations(full, cases, seed=SEED):
    """Yields (case, bytes): one to four bytes set to random values; a quarter of the cases in the
    footer (the file metadata), the rest anywhere."""
    rng = Rng(seed)
    footer_len = int.from_bytes(full[-8:-4], "little") + 8
    footer_at = len(full) - footer_len
    for case in range(cases):
        b = bytearray(full)
        for _ in range(1 + rng.below(4)):
            if case % 4 == 0:
                at = footer_at + rng.below(footer_len)
            else:
                at = rng.below(len(full))
            b[at] = rng.next() & 0xFF
        yield case, bytes(b)


def shared():
    return pathlib.Path(os.environ.get("RASK_SHARED", REPO.parent / "shared"))


def make_fixtures():
    HOSTILE.mkdir(parents=True, exist_ok=True)
    table = pq.read_table(shared() / "adl" / "data" / "nano-20k.parquet", columns=COLUMNS)
    table = table.slice(0, 240)
    for name, options in FIXTURES.items():
        out = HOSTILE / name
        pq.write_table(table, out, row_group_size=80, use_dictionary=True, **options)
        print(out, out.stat().st_size, "bytes")


def pyarrow_read(data):
    """pyarrow's table of `data`, or the exception: refusing the file, or giving a table that
    fails its own full validation or whose column names do not decode, count as refusals."""
    try:
        table = pq.read_table(pa.BufferReader(data))
        table.validate(full=True)
        _ = table.column_names
        return table
    except Exception as e:  # noqa: BLE001 - any refusal counts
        return e


def verdict(intact, got):
    if isinstance(got, Exception):
        return "R"
    return "S" if got.equals(intact) else "D"


def write_verdicts():
    for name in FIXTURES:
        full = (HOSTILE / name).read_bytes()
        intact = pq.read_table(pa.BufferReader(full))
        verdicts = "".join(verdict(intact, pyarrow_read(m)) for _, m in mutations(full, VERDICT_CASES))
        out = HOSTILE / (name.removesuffix(".parquet") + ".pyarrow-verdicts.txt")
        out.write_text(verdicts + "\n")
        print(out, {v: verdicts.count(v) for v in "RSD"})


def check(cases, directory, seed):
    directory = pathlib.Path(directory)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    tally = {}
    for name in FIXTURES:
        full = (HOSTILE / name).read_bytes()
        intact = pq.read_table(pa.BufferReader(full))
        stem = name.removesuffix(".parquet")
        shutil.copy(HOSTILE / name, directory / f"{stem}.intact.parquet")
        for case, data in mutations(full, cases, seed):
            base = f"{stem}.{case:05}"
            (directory / f"{base}.parquet").write_bytes(data)
            got = pyarrow_read(data)
            v = verdict(intact, got)
            tally[v] = tally.get(v, 0) + 1
            if v == "R":
                (directory / f"{base}.rejected").write_text(str(got))
            else:
                pq.write_table(got, directory / f"{base}.pyarrow.parquet")
    print(f"{2 * cases} mutated files in {directory}; pyarrow: {tally.get('R', 0)} refused, "
          f"{tally.get('S', 0)} read the intact values, {tally.get('D', 0)} read other values")
    env = dict(os.environ, RASK_PQ_MUTATION_DIR=str(directory))
    cmd = ["cargo", "test", "-p", "rask-io-root", "--test", "it", "parquet_mutations_vs_pyarrow",
           "--", "--ignored", "--nocapture"]
    print(" ".join(cmd))
    return subprocess.call(cmd, cwd=REPO, env=env)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["fixtures", "verdicts", "check"])
    p.add_argument("--cases", type=int, default=1000, help="mutations per fixture (check)")
    p.add_argument("--dir", default="/tmp/rask-parquet-mutations", help="where check writes")
    p.add_argument("--seed", type=lambda v: int(v, 0), default=SEED, help="mutation seed (check)")
    a = p.parse_args()
    if a.command == "fixtures":
        make_fixtures()
    elif a.command == "verdicts":
        write_verdicts()
    else:
        sys.exit(check(a.cases, a.dir, a.seed))


if __name__ == "__main__":
    main()
