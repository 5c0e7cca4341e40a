#!/usr/bin/env python3
"""Reference values from Python correctionlib for rask-correction's conformance test.

    python reference.py JOB.json

JOB.json (written by tests/it/conformance.rs):

    {
      "inputs": "/path/inputs.bin",     # every input column, raw little-endian
      "outputs": "/path/outputs.bin",   # written here
      "result": "/path/result.json",    # written here
      "files": ["/path/a.json", ...],   # correction files whose names are listed
      "tasks": [
        {"file": "/path/a.json", "correction": "name", "rows": N,
         "inputs": [
           {"type": "real",   "offset": BYTE},              # N x f64
           {"type": "int",    "offset": BYTE},              # N x i64
           {"type": "string", "offset": BYTE,               # N x u32 index into "strings"
            "strings": ["nominal", "up", ...]}
         ]}
      ]
    }

outputs.bin holds, task after task, N f64 outputs (NaN where the row raised) then N bytes
(1 where correctionlib raised for that row, else 0). result.json:

    {"names": {"/path/a.json": [sorted correction + compound correction names]},
     "signatures": {"/path/a.json": {"name": [["input", "real|int|string"], ...]}},
     "load_errors": {"/path/b.json": "message"},
     "tasks": [{"offset": BYTE, "errors": K, "vector_calls": V, "scalar_calls": S}],
     "seconds": T}

Evaluation is vectorised: rows are grouped by their string values (correctionlib takes
strings only as scalars), each group is one numpy call; a group that raises is split into
blocks, and only blocks that raise are evaluated row by row to find the rows in error.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import numpy as np

import correctionlib

BLOCK = 64


def load(path: str, cache: dict[str, Any]) -> Any:
    if path not in cache:
        cache[path] = correctionlib.CorrectionSet.from_file(path)
    return cache[path]


def evaluator(cset: Any, name: str) -> Any:
    # Membership through the key list: CorrectionSet.__contains__ raises IndexError on a miss.
    if name in set(cset):
        ev = cset[name]
    else:
        ev = cset.compound[name]
    return getattr(ev, "_base", ev)


class Task:
    def __init__(self, ev: Any, columns: list[tuple[str, Any, list[str] | None]], rows: int):
        self.ev = ev
        self.columns = columns
        self.rows = rows
        self.values = np.full(rows, np.nan, dtype=np.float64)
        self.errors = np.zeros(rows, dtype=np.uint8)
        self.vector_calls = 0
        self.scalar_calls = 0

    def scalar_args(self, i: int) -> list[Any]:
        args: list[Any] = []
        for ty, col, strings in self.columns:
            if ty == "real":
                args.append(float(col[i]))
            elif ty == "int":
                args.append(int(col[i]))
            else:
                assert strings is not None
                args.append(strings[int(col[i])])
        return args

    def vector_args(self, rows: np.ndarray) -> list[Any] | None:
        """Arguments for one numpy call over `rows` (which share their string values)."""
        args: list[Any] = []
        arrays = 0
        for ty, col, strings in self.columns:
            if ty == "string":
                assert strings is not None
                args.append(strings[int(col[rows[0]])])
            else:
                args.append(np.ascontiguousarray(col[rows]))
                arrays += 1
        return args if arrays else None

    def eval_row(self, i: int) -> None:
        self.scalar_calls += 1
        try:
            self.values[i] = self.ev.evaluate(*self.scalar_args(i))
        except Exception:  # noqa: BLE001 - any raise is "this row is an error"
            self.values[i] = np.nan
            self.errors[i] = 1

    def eval_rows(self, rows: np.ndarray, split: bool = True) -> None:
        args = self.vector_args(rows)
        if args is None:
            # Only string inputs (or none): one scalar call decides the whole group.
            self.scalar_calls += 1
            try:
                value = self.ev.evaluate(*self.scalar_args(int(rows[0])))
                self.values[rows] = value
            except Exception:  # noqa: BLE001
                self.values[rows] = np.nan
                self.errors[rows] = 1
            return
        self.vector_calls += 1
        try:
            self.values[rows] = self.ev.evalv(*args)
            return
        except Exception:  # noqa: BLE001
            pass
        if split and len(rows) > BLOCK:
            for start in range(0, len(rows), BLOCK):
                self.eval_rows(rows[start : start + BLOCK], split=False)
        else:
            for i in rows:
                self.eval_row(int(i))

    def run(self) -> None:
        string_cols = [col for ty, col, _ in self.columns if ty == "string"]
        if self.rows == 0:
            return
        if string_cols:
            keys = np.stack(string_cols, axis=1)
            _, inverse = np.unique(keys, axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            order = np.argsort(inverse, kind="stable")
            bounds = np.flatnonzero(np.diff(inverse[order])) + 1
            for group in np.split(order, bounds):
                self.eval_rows(group)
        else:
            self.eval_rows(np.arange(self.rows))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    start = time.perf_counter()
    with open(argv[1], encoding="utf-8") as f:
        job = json.load(f)
    blob = np.fromfile(job["inputs"], dtype=np.uint8)
    cache: dict[str, Any] = {}
    names: dict[str, list[str]] = {}
    signatures: dict[str, dict[str, list[list[str]]]] = {}
    load_errors: dict[str, str] = {}
    for path in job["files"]:
        try:
            cset = load(path, cache)
            names[path] = sorted(list(cset) + list(cset.compound))
            signatures[path] = {
                name: [[v.name, v.type] for v in evaluator(cset, name).inputs] for name in names[path]
            }
        except Exception as e:  # noqa: BLE001
            load_errors[path] = f"{type(e).__name__}: {e}"
    results = []
    offset = 0
    with open(job["outputs"], "wb") as out:
        for spec in job["tasks"]:
            rows = int(spec["rows"])
            columns = []
            for inp in spec["inputs"]:
                ty, at = inp["type"], int(inp["offset"])
                if ty == "real":
                    col = blob[at : at + 8 * rows].view("<f8")
                elif ty == "int":
                    col = blob[at : at + 8 * rows].view("<i8")
                elif ty == "string":
                    col = blob[at : at + 4 * rows].view("<u4")
                else:
                    raise SystemExit(f"unknown input type {ty!r}")
                columns.append((ty, col, inp.get("strings")))
            ev = evaluator(load(spec["file"], cache), spec["correction"])
            task = Task(ev, columns, rows)
            task.run()
            out.write(task.values.astype("<f8").tobytes())
            out.write(task.errors.tobytes())
            results.append(
                {
                    "offset": offset,
                    "errors": int(task.errors.sum()),
                    "vector_calls": task.vector_calls,
                    "scalar_calls": task.scalar_calls,
                }
            )
            offset += 9 * rows
    with open(job["result"], "w", encoding="utf-8") as f:
        json.dump(
            {
                "correctionlib": correctionlib.__version__,
                "names": names,
                "signatures": signatures,
                "load_errors": load_errors,
                "tasks": results,
                "seconds": time.perf_counter() - start,
            },
            f,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
