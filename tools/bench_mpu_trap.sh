#!/usr/bin/env bash
# Measures what byte-exact enforcement of a partly accessible page costs:
# host time per app access to such a page (trapped and single-stepped by
# the shim) against an access to a wholly accessible page. Prints figures;
# not a test. Usage: tools/bench_mpu_trap.sh [build-dir] [writes]
set -euo pipefail
build=${1:-build}
n=${2:-20000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # mode -> seconds
  cat >"$tmp/s.json" <<JSON
{ "name": "bench_$1", "apps": [ { "name": "b", "program": "mem_violator", "args": ["$1", "$n"] } ] }
JSON
  local t0 t1
  t0=$(date +%s%N)
  "$build/ipcsim" run "$tmp/s.json" --platform earlgrey --quiet >/dev/null
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 ))
}
full=$(run bench_full)
partial=$(run bench_partial)
echo "platform earlgrey (RISC-V PMP, 4-byte granularity), $n writes per run"
echo "whole run, wholly accessible page:  ${full} us"
echo "whole run, partly accessible page:  ${partial} us"
awk -v f="$full" -v p="$partial" -v n="$n" 'BEGIN {
  printf "cost of one trapped and single-stepped access: %.1f us\n", (p - f) / n }'
