#!/usr/bin/env bash
# REPL figures (issue targets: a statement answers in under 20 ms at the prompt; start-up to
# the first prompt under 1 s). Statement latency is the engine call (ReplBenchmark); start-up is
# measured in a real terminal under tmux, from launch until the prompt is on screen.
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root"
if [ ! -f target/tlbscript.jar ] || [ ! -f target/test-classes/org/tlbscript/repl/ReplBenchmark.class ]; then
  mvn -q -B -DskipTests test-compile package >&2
fi
java -cp target/tlbscript.jar:target/test-classes org.tlbscript.repl.ReplBenchmark "${ROUNDS:-200}"
command -v tmux >/dev/null || { echo "start-up: needs tmux"; exit 0; }
sock="tlbs-bench-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true' EXIT
for i in 1 2 3 4 5; do
  t0=$(date +%s%N)
  tmux -L "$sock" new-session -d -x 100 -y 20 "java -jar target/tlbscript.jar repl --history /tmp/tlbs-bench-hist"
  until tmux -L "$sock" capture-pane -p 2>/dev/null | grep -q 'tlbs>'; do sleep 0.01; done
  t1=$(date +%s%N)
  echo "start-up to the first prompt: $(((t1 - t0) / 1000000)) ms"
  tmux -L "$sock" kill-server 2>/dev/null || true
done
