#!/usr/bin/env bash
# A one-byte overrun of a 64-byte buffer shared through legacy IPC faults
# the service at exactly buffer + 64 on every platform profile.
# Usage: ipc_overrun.sh <ipcsim> <scenario> <platform-dir>
set -u
ipcsim=$1
scenario=$2
pdir=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
for pl in nrf52840 rp2350 earlgrey esp32-c3; do
  [ -f "$pdir/$pl.json" ] || continue
  "$ipcsim" run "$scenario" --platform "$pl" --quiet --out "$tmp/$pl" >"$tmp/log" 2>&1
  rc=$?
  verdict=$(python3 - "$tmp/$pl/results.json" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
svc = [a for a in d["apps"] if a["name"] == "service"][0]
m = re.search(r"past the shared buffer, at (0x[0-9a-f]+)", svc["console"])
want = "memory fault: write at %s" % m.group(1) if m else None
print("ok" if want and svc["state"] == "Faulted" and want in (svc["last_fault"] or "")
      else "state %s, fault %r, wanted %r" % (svc["state"], svc["last_fault"], want))
PY
)
  if [ $rc -eq 0 ] && [ "$verdict" = ok ]; then
    echo "ok   $pl"
    pass=$((pass + 1))
  else
    echo "FAIL $pl: exit $rc: $verdict"
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
