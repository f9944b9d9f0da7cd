#!/usr/bin/env bash
# Performance figures for tlbscript (issue targets, on the 2-core machine):
#   - mean time of one sequential action: under 10 us   (ActionBenchmark, one warm JVM)
#   - wall time of `bin/tlbscript run scenarios/`, JVM start included: under 2 s
#
# Usage: bench/run.sh [SCENARIO_DIR]        (default: scenarios)
# Environment: RUNS (suite repetitions, default 5), BENCH_ARGS (passed to ActionBenchmark,
# e.g. "--warmup 2 --measure 5 path/to/file.tlbs").
set -euo pipefail
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root"
dir=${1:-scenarios}
runs=${RUNS:-5}

jar=target/tlbscript.jar
bench_class=target/test-classes/org/tlbscript/bench/ActionBenchmark.class
if [ ! -f "$jar" ] || [ ! -f "$bench_class" ] \
    || [ -n "$(find pom.xml grammar src -newer "$jar" -print -quit)" ]; then
  echo "building (mvn -q -B -DskipTests test-compile package)..." >&2
  log=$(mktemp)
  if ! mvn -q -B -DskipTests test-compile package >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
fi

echo "machine         $(nproc) cpus, $(java -version 2>&1 | head -1), load avg $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. One sequential action, warm JVM.
# shellcheck disable=SC2086
java -cp "$jar:target/test-classes" org.tlbscript.bench.ActionBenchmark ${BENCH_ARGS:-}

# 2. Whole suite in one JVM, JVM start included.
ms_now() { echo $(( $(date +%s%N) / 1000000 )); }

# time_runs CMD... : runs CMD $runs times (after one untimed run), prints "min MS mean MS"
time_runs() {
  "$@" >/dev/null 2>&1 || true
  local all=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(ms_now)
    "$@" >/dev/null 2>&1 || true
    t1=$(ms_now)
    all+=($((t1 - t0)))
  done
  printf '%s\n' "${all[@]}" | awk '{ s += $1; if (NR == 1 || $1 < m) m = $1 }
    END { printf "min %5d ms  mean %5d ms", m, s / NR }'
}

files=$(find "$dir" -name '*.tlbs' | wc -l)
if [ "$files" -eq 0 ]; then
  echo "suite           no *.tlbs files under $dir: skipped" >&2
  exit 0
fi
set +e
bin/tlbscript run "$dir" >/dev/null 2>&1
status=$?
set -e
echo "jvm start       $(time_runs bin/tlbscript kernels)  (bin/tlbscript kernels, baseline; $runs runs)"
echo "suite           $(time_runs bin/tlbscript run "$dir")  (bin/tlbscript run $dir: $files files, exit $status; $runs runs)  [target < 2000 ms]"
