#!/usr/bin/env bash
# Makes the Python peers available to the benchmarks: a venv with uproot/awkward (the versions the
# ADL kit pins), and the benchmark input files. Usage: benches/compare/setup.sh [VENV_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${1:-$repo/target/bench-venv}
shared=${RASK_SHARED:-$repo/../shared}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$shared/adl/requirements.txt" "dask[array]"
fi
mkdir -p "$repo/target/bench-data"
out="$repo/target/bench-data/nano-1M.root"
if [ ! -f "$out" ]; then
  "$venv/bin/python" "$shared/adl/gen_nanoaod.py" --events 1000000 --seed 42 --out "$out" --chunk 100000
fi
echo "python: $venv/bin/python"
echo "data:   $out"
# The ADL benchmark: a 2M-event file, dask-awkward, and ROOT (RDataFrame) in its own venv.
adl="$repo/target/bench-data/nano-2M.root"
if [ ! -f "$adl" ]; then
  "$venv/bin/python" "$shared/adl/gen_nanoaod.py" --events 2000000 --seed 7 --out "$adl" \
    --parquet "$repo/target/bench-data/nano-2M.parquet" --chunk 100000
fi
"$venv/bin/python" -c "import dask_awkward, dask_histogram" 2>/dev/null \
  || "$venv/bin/pip" install -q dask-awkward dask-histogram
root_venv=$repo/target/bench-root-venv
if [ ! -x "$root_venv/bin/python" ]; then
  python3 -m venv "$root_venv"
  "$root_venv/bin/pip" install -q root || echo "ROOT (pip install root) is not available: RDataFrame columns stay empty"
fi
echo "adl:    $adl"
# The AGC benchmark (cargo bench --bench agc): coffea 2026.9 with dask-awkward and dask-histogram in
# their own venv (the reference benches/compare/agc_coffea.py and the graph peer agc_graph.py), and
# an unskimmed AGC fileset of 2M events (10 datasets x 2 files x 100k; fileset.json is written
# last, so an interrupted generation starts again).
coffea_venv=$repo/target/bench-coffea-venv
if [ ! -x "$coffea_venv/bin/python" ]; then
  python3 -m venv "$coffea_venv"
fi
"$coffea_venv/bin/python" -c "import coffea, dask_awkward, dask_histogram, correctionlib, hist" 2>/dev/null \
  || "$coffea_venv/bin/pip" install -q "coffea==2026.9.0" "dask-awkward>=2025.9.0" "dask-histogram>=2025.2.0" \
       correctionlib hist
agc="$repo/target/bench-data/agc"
if [ ! -f "$agc/fileset.json" ]; then
  "$coffea_venv/bin/python" "$repo/tests/data-gen/gen_agc.py" --out "$agc" --events-per-file 100000 \
    --files-per-dataset 2 --seed 2026 --no-skim
fi
echo "coffea: $coffea_venv/bin/python"
echo "agc:    $agc/fileset.json"
# The ADL graph peer benches/compare/adl_graphed.py: graphed + graphed-histogram on a process pool
# (graphed-executors), with uproot.graphed reading the file, in its own venv.
graphed_venv=$repo/target/bench-graphed-venv
if [ ! -x "$graphed_venv/bin/python" ]; then
  python3 -m venv "$graphed_venv"
fi
"$graphed_venv/bin/python" -c "import graphed, graphed_histogram, graphed_executors, uproot, hist.graphed" 2>/dev/null \
  || "$graphed_venv/bin/pip" install -q "graphed==0.0.9" "graphed-histogram==0.0.6" "graphed-executors==0.0.6" \
       "uproot==5.7.7" "awkward==2.14.0" "hist==2.12.1" cramjam xxhash \
  || echo "graphed (pip install graphed graphed-histogram graphed-executors) is not available: no graphed column"
echo "graphed: $graphed_venv/bin/python"
