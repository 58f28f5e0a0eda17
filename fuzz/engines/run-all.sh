#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Runs every libFuzzer target of a fuzz build for a while, in parallel:
#   fuzz/engines/run-all.sh <build-fuzz dir> <seconds per target> <parallel jobs>
# Seeds come from fuzz/corpus/<target> (native targets) and fuzz/engines/corpus/<target>
# (engine targets); new inputs go to <build>/corpus/<target>, crashes to <build>/artifacts/.
# Exits non-zero if any target found a crash.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
jobs=${3:-2}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$build/artifacts" "$build/logs"

targets=()
for exe in "$build"/fuzz/fuzz_* "$build"/fuzz/engines/fuzz_engines_*; do
  [ -x "$exe" ] && targets+=("$exe")
done
if [ ${#targets[@]} -eq 0 ]; then
  echo "run-all: no fuzz targets in $build/fuzz" >&2
  exit 2
fi

run_one() {
  local exe=$1 seconds=$2 build=$3 root=$4
  local name seeds
  name=$(basename "$exe")
  if [[ $name == fuzz_engines_* ]]; then
    seeds=$root/fuzz/engines/corpus/${name#fuzz_engines_}
  else
    seeds=$root/fuzz/corpus/${name#fuzz_}
  fi
  mkdir -p "$build/corpus/$name"
  if "$exe" -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1 \
       -artifact_prefix="$build/artifacts/$name-" "$build/corpus/$name" "$seeds" \
       > "$build/logs/$name.log" 2>&1; then
    echo "$name: $(grep -m1 'stat::number_of_executed_units' "$build/logs/$name.log" | awk '{print $2}') executions, no crash"
  else
    echo "$name: CRASH (see $build/logs/$name.log and $build/artifacts/)"
    return 1
  fi
}
export -f run_one
printf '%s\n' "${targets[@]}" |
  xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$seconds" "$build" "$root"
