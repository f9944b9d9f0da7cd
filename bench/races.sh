#!/usr/bin/env bash
# Race-exploration figures on this machine: per file (and per kernel with KERNELS), the states
# explored (all models of a `kernel all` file together), states per second of exploration, wall
# time with JVM start, peak memory (max RSS, from GNU time), and whether every block was fully
# explored. docs/performance.md keeps the tables and what they were measured on.
# Usage: [RUNS=N] [KERNELS="v4.20 v6.18"] [TIMEOUT=S] bench/races.sh [FILE...]
#   default files: scenarios/races/*.tlbs bench/races/*.tlbs
#   KERNELS: run each file under each of these models (--kernel) instead of its own kernel line
#   RUNS=N: each run N times, the run with the median exploration time is printed (this VM's
#   run-to-run noise is about ±10%), with the largest RSS of the N
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root"
[ -f target/tlbscript.jar ] || mvn -q -B -DskipTests package >&2
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(scenarios/races/*.tlbs bench/races/*.tlbs)
timer=/usr/bin/time
[ -x "$timer" ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
runs=${RUNS:-1}
kernels=(${KERNELS:-})
# entries: file|kernel|JVM options; the larger cases of bench/races/ also run without symmetry,
# for the engine's own rate
entries=()
for f in "${files[@]}"; do
  for k in "${kernels[@]:-}"; do
    entries+=("$f|$k|")
    case "$f" in bench/races/*/*) ;; bench/races/*) entries+=("$f|$k|-Dtlbscript.noSymmetry=true") ;; esac
  done
done
printf '%-42s %-8s %12s %11s %9s %7s  %s\n' file kernel states states/s wall_ms rss_MB result
for entry in "${entries[@]}"; do
  IFS='|' read -r f k opts <<<"$entry"
  rows=()
  rss_max=0
  for ((i = 0; i < runs; i++)); do
    log=$(mktemp)
    t0=$(date +%s%N)
    JAVA_OPTS="${JAVA_OPTS:-} $opts" "$timer" -f '%M' -o "$log.rss" bin/tlbscript run ${k:+--kernel "$k"} \
      --timeout "${TIMEOUT:-60}" "$f" >"$log" 2>&1 || true
    t1=$(date +%s%N)
    states=$(grep -o '^together (line [0-9]*): [0-9]* states' "$log" | awk '{s += $4} END {print s + 0}' || true)
    ms=$(grep -o ', [0-9]* ms, memory' "$log" | awk '{s += $2} END {print s + 0}' || true)
    [ "$ms" -gt 0 ] || ms=$(((t1 - t0) / 1000000))
    rate=$([ "$ms" -gt 0 ] && echo $((states * 1000 / ms)) || echo "-")
    result=$(tail -1 "$log")
    grep -q 'exploration incomplete\|interrupted' "$log" && result="INCOMPLETE ($(grep -o 'stopped at the [a-z]* limit of [0-9]*[ a-zA-Z]*' "$log" | head -1))"
    rss=$(($(tail -1 "$log.rss") / 1024))
    [ "$rss" -gt "$rss_max" ] && rss_max=$rss
    rows+=("$ms|$states|$rate|$(((t1 - t0) / 1000000))|$result")
    rm -f "$log" "$log.rss"
  done
  median=$(printf '%s\n' "${rows[@]}" | sort -t'|' -k1,1n | sed -n "$(((runs + 1) / 2))p")
  IFS='|' read -r _ states rate wall result <<<"$median"
  printf '%-42s %-8s %12s %11s %9s %7s  %s\n' "$(basename "$f" .tlbs)${opts:+ (no symmetry)}" "${k:-own}" \
    "$states" "$rate" "$wall" "$rss_max" "$result"
done
