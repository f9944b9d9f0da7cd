#!/usr/bin/env bash
# Race-exploration figures (issue targets on the 2-core machine: each race verdict under 1 s
# wall, >= 1M states/s per core, the 3-CPU case fully explored in < 13 s and < 175 MB).
# Per file: states explored (all models of a `kernel all` file together), states per second of
# exploration, wall time with JVM start, and peak memory (max RSS, from GNU time).
# Usage: [RUNS=N] bench/races.sh [FILE...]   (default: scenarios/races/*.tlbs bench/races/*.tlbs)
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root"
[ -f target/tlbscript.jar ] || mvn -q -B -DskipTests package >&2
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(scenarios/races/*.tlbs bench/races/*.tlbs)
timer=/usr/bin/time
[ -x "$timer" ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
# RUNS=N runs each file N times and prints the run with the median exploration time (this VM's
# run-to-run noise is about ±10%) and the largest RSS of the N.
runs=${RUNS:-1}
# the larger cases run twice: with symmetry (the default) and without, for the engine's own rate
entries=()
for f in "${files[@]}"; do
  entries+=("$f|")
  case "$f" in bench/races/*) entries+=("$f|-Dtlbscript.noSymmetry=true") ;; esac
done
printf '%-44s %12s %12s %9s %9s  %s\n' file states states/s wall_ms rss_MB result
for entry in "${entries[@]}"; do
  f=${entry%%|*}
  opts=${entry#*|}
  rows=()
  rss_max=0
  for ((i = 0; i < runs; i++)); do
    log=$(mktemp)
    t0=$(date +%s%N)
    JAVA_OPTS="${JAVA_OPTS:-} $opts" "$timer" -f '%M' -o "$log.rss" bin/tlbscript run --timeout "${TIMEOUT:-60}" "$f" >"$log" 2>&1 || true
    t1=$(date +%s%N)
    states=$(grep -o '^together (line [0-9]*): [0-9]* states' "$log" | awk '{s += $4} END {print s + 0}' || true)
    ms=$(grep -o ', [0-9]* ms, memory' "$log" | awk '{s += $2} END {print s + 0}' || true)
    incomplete=$(grep -o 'explored [0-9]* states' "$log" | awk '{s += $2} END {print s + 0}' || true)
    states=$((states + incomplete))
    [ "$ms" -gt 0 ] || ms=$(((t1 - t0) / 1000000)) # incomplete: no figure line, use the wall time
    rate=$([ "$ms" -gt 0 ] && echo $((states * 1000 / ms)) || echo "-")
    result=$(tail -1 "$log")
    grep -q '^INCOMPLETE' "$log" && result="incomplete ($result)"
    rss=$(($(tail -1 "$log.rss") / 1024))
    [ "$rss" -gt "$rss_max" ] && rss_max=$rss
    rows+=("$ms|$states|$rate|$(((t1 - t0) / 1000000))|$result")
    rm -f "$log" "$log.rss"
  done
  median=$(printf '%s\n' "${rows[@]}" | sort -t'|' -k1,1n | sed -n "$(((runs + 1) / 2))p")
  IFS='|' read -r _ states rate wall result <<<"$median"
  printf '%-44s %12s %12s %9s %9s  %s\n' "$(basename "$f")${opts:+ (no symmetry)}" "$states" "$rate" "$wall" "$rss_max" "$result"
done
