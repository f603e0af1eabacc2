#!/usr/bin/env bash
# Checks that no app process and no simulated memory outlive a run: after a
# normal end, after SIGINT and SIGTERM (exit 130, no results written), and
# when the simulator itself is SIGKILLed.
# Usage: no_leftovers.sh <ipcsim> <test-scenario-dir>
set -u
ipcsim=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# Only this build's processes count: other runs may share the machine.
build=$(cd "$(dirname "$ipcsim")" && pwd)
children_of() { pgrep -P "$1" 2>/dev/null; }
spin_procs() { pgrep -f "^$build/apps/spin\$" 2>/dev/null | wc -l; }
# memfds named ipcsim-* held by processes running this build's binaries
memfds() {
  local n=0 pid exe
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
    case "$exe" in "$build"/*) ;; *) continue ;; esac
    n=$((n + $(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c 'memfd:ipcsim-')))
  done
  echo $n
}

before=$(memfds)

"$ipcsim" run "$dir/misbehave_garbage.json" --quiet >/dev/null 2>&1
sleep 0.2
if [ "$(spin_procs)" -eq 0 ] && [ "$(memfds)" -le "$before" ]; then ok "normal end"; else bad "normal end left something"; fi

for sig in INT TERM; do
  "$ipcsim" run "$dir/misbehave_spin.json" --quiet --host-timeout 60000 --out "$tmp/r$sig" >/dev/null 2>&1 &
  sim=$!
  sleep 1
  kids=$(children_of $sim | wc -l)
  live=$(memfds)
  kill -s $sig $sim
  wait $sim
  rc=$?
  sleep 0.3
  if [ "$kids" -ge 2 ] && [ "$live" -gt "$before" ] && [ $rc -eq 130 ] && [ ! -e "$tmp/r$sig/results.json" ] && [ "$(spin_procs)" -eq 0 ] && [ "$(memfds)" -le "$before" ]; then
    ok "SIG$sig: exit 130, no results, no leftovers"
  else
    bad "SIG$sig: children seen $kids, memfds while running $live, exit $rc, spin processes left $(spin_procs), memfds $(memfds) (before $before)"
  fi
done

"$ipcsim" run "$dir/misbehave_spin.json" --quiet --host-timeout 60000 >/dev/null 2>&1 &
sim=$!
sleep 1
kill -KILL $sim
wait $sim 2>/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10; do
  [ "$(spin_procs)" -eq 0 ] && break
  sleep 0.2
done
if [ "$(spin_procs)" -eq 0 ] && [ "$(memfds)" -le "$before" ]; then ok "SIGKILL of the simulator: apps gone"; else bad "SIGKILL: $(spin_procs) app processes left"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
