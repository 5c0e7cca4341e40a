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
