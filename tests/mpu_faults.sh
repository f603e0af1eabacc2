#!/usr/bin/env bash
# Memory protection, end to end: on every platform profile, an app that
# writes past its break, reads a neighbour's RAM, writes into its grant
# region, or writes into a buffer it was refused to allow faults with the
# exact address it announced, while its neighbour keeps printing; a write
# one byte past a break that is not page aligned faults where the MPU's
# granularity allows (PMP: 4 B, ARMv8-M: 32 B), and is allowed where the
# hardware rounds the region up (ARMv7-M subregions).
# Usage: mpu_faults.sh <ipcsim> <platform-dir>
set -u
ipcsim=$1
pdir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
for pl in $(ls "$pdir" | sed -n 's/\.json$//p'); do
  mpu=$(python3 -c "import json; print(json.load(open('$pdir/$pl.json'))['mpu'])")
  for mode in past_break other_app grant allow edge; do
    cat >"$tmp/s.json" <<JSON
{ "name": "mpu_$mode", "kernel": { "fault_policy": "stop" },
  "apps": [ { "name": "bad", "program": "mem_violator", "args": ["$mode"] },
            { "name": "neighbour", "program": "ticker", "args": ["3", "10"] } ],
  "expect": { "apps": { "neighbour": { "console_contains": ["tick 2"], "state": "Terminated" } } } }
JSON
    "$ipcsim" run "$tmp/s.json" --platform "$pl" --quiet --out "$tmp/out" >"$tmp/log" 2>&1
    rc=$?
    verdict=$(python3 - "$tmp/out/results.json" "$mode" "$mpu" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
mode, mpu = sys.argv[2], sys.argv[3]
apps = {a["name"]: a for a in d["apps"]}
bad, nb = apps["bad"], apps["neighbour"]
m = re.search(r"access (\w+) at (0x[0-9a-f]+)", bad["console"])
if not m:
    print("no announced access"); sys.exit()
kind, addr = m.group(1), m.group(2)
expect_fault = not (mode == "edge" and mpu == "armv7m")
if expect_fault:
    want = "memory fault: %s at %s" % (kind, addr)
    if bad["state"] != "Faulted" or want not in (bad["last_fault"] or ""):
        print("expected '%s', got state %s fault %r" % (want, bad["state"], bad["last_fault"])); sys.exit()
    if mode == "other_app":
        lo, hi = int(nb["memory"]["ram_start"], 16), int(nb["memory"]["ram_end"], 16)
        if not lo <= int(addr, 16) < hi:
            print("address %s is not in the neighbour's block" % addr); sys.exit()
else:
    if bad["state"] != "Terminated" or "no fault" not in bad["console"]:
        print("expected the MPU to allow the access (subregion rounding), got %s" % bad["state"]); sys.exit()
if nb["state"] != "Terminated" or "tick 2" not in nb["console"]:
    print("the neighbour was affected: %s" % nb["state"]); sys.exit()
print("ok")
PY
)
    if [ $rc -eq 0 ] && [ "$verdict" = ok ]; then
      echo "ok   $pl $mode"
      pass=$((pass + 1))
    else
      echo "FAIL $pl $mode: exit $rc: $verdict"
      tail -5 "$tmp/log"
      fail=$((fail + 1))
    fi
  done
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
