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
