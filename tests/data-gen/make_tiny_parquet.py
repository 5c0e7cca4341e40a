"""Writes tests/slt/tiny.parquet: four NanoAOD-style events small enough to check by hand, for the
sqllogictest files in tests/slt/. Run: python tests/data-gen/make_tiny_parquet.py (pyarrow)."""
import math
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

f32, i32 = pa.float32(), pa.int32()
lf32, li32 = pa.list_(f32), pa.list_(i32)

events = [
    # run, MET (pt, phi), muons (pt, eta, phi, mass, charge), jets (pt, eta, phi)
    dict(run=1, met=(10.0, 0.0),
         mu=[(50.0, 0.0, 0.0, 0.0, 1), (30.0, 0.0, math.pi / 2, 0.0, -1)],
         jet=[(100.0, 0.0, 0.0), (40.0, 1.0, 3.0), (20.0, -1.0, -3.0)]),
    dict(run=1, met=(25.5, 1.0), mu=[], jet=[(35.0, 0.5, 0.5)]),
    dict(run=2, met=(60.0, -1.0), mu=[(20.0, 1.0, 1.0, 0.0, -1)], jet=[]),
    dict(run=2, met=(5.0, 2.0),
         mu=[(15.0, 0.0, 0.0, 0.0, 1), (12.0, 0.0, 0.0, 0.0, 1), (8.0, 0.0, 0.0, 0.0, -1)],
         jet=[(60.0, 0.0, 0.0), (55.0, 0.0, 2.0)]),
]

cols = {
    "run": pa.array([e["run"] for e in events], i32),
    "MET_pt": pa.array([e["met"][0] for e in events], f32),
    "MET_phi": pa.array([e["met"][1] for e in events], f32),
    "nMuon": pa.array([len(e["mu"]) for e in events], pa.uint32()),
}
for i, name in enumerate(["pt", "eta", "phi", "mass", "charge"]):
    cols[f"Muon_{name}"] = pa.array([[m[i] for m in e["mu"]] for e in events],
                                    li32 if name == "charge" else lf32)
cols["nJet"] = pa.array([len(e["jet"]) for e in events], pa.uint32())
for i, name in enumerate(["pt", "eta", "phi"]):
    cols[f"Jet_{name}"] = pa.array([[j[i] for j in e["jet"]] for e in events], lf32)

out = pathlib.Path(__file__).resolve().parents[1] / "slt" / "tiny.parquet"
pq.write_table(pa.table(cols), out)
print(out)
