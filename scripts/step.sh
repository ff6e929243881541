#!/usr/bin/env bash
# Runs a long set-up step quietly: one line saying what it does, a heartbeat every 20 s with the
# elapsed time (and, with --count, how many of the expected items its log shows done), the log
# file's tail if it fails.
#   scripts/step.sh [--count REGEX TOTAL] LOG "Installing ... (about 5 minutes)" -- COMMAND...
set -uo pipefail
pattern="" total=""
if [ "${1:-}" = --count ]; then pattern=$2 total=$3; shift 3; fi
log=$1 label=$2
shift 2
[ "${1:-}" = -- ] && shift
mkdir -p "$(dirname "$log")"
echo "$label"
started=$SECONDS
"$@" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; exit 130' INT TERM
while kill -0 "$pid" 2>/dev/null; do
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null || break
  progress=""
  if [ -n "$pattern" ]; then
    done_count=$(grep -cE "$pattern" "$log" 2>/dev/null || true)
    progress=", ${done_count:-0}/$total"
  fi
  echo "  ... $((SECONDS - started)) s$progress (log: $log)"
done
wait "$pid"
status=$?
if [ $status -ne 0 ]; then
  tail -n 25 "$log" >&2
  echo "error: step failed after $((SECONDS - started)) s (exit $status); full log: $log" >&2
  exit $status
fi
echo "  done in $((SECONDS - started)) s"
