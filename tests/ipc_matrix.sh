#!/usr/bin/env bash
# The ipcsvc workloads (scenarios/ipc_svc_*.json) on every IPC mechanism
# and on one platform of each MPU kind: nrf52840 (ARMv7-M), rp2350
# (ARMv8-M), esp32-c3 (RISC-V PMP). The same app binaries run everywhere;
# each run must meet its scenario's expectations (exit 0), and the client
# must report the backend of the mechanism it ran on.
# Usage: ipc_matrix.sh <ipcsim> <scenario-dir> [mechanism...]
set -u
ipcsim=$1
sdir=$2
shift 2
mechs=("$@")
[ ${#mechs[@]} -eq 0 ] && mechs=(legacy relay share sendrecv)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
for scenario in "$sdir"/ipc_svc_*.json; do
  w=$(basename "$scenario" .json)
  for mech in "${mechs[@]}"; do
    for pl in nrf52840 rp2350 esp32-c3; do
      out="$tmp/$w-$mech-$pl"
      "$ipcsim" run "$scenario" --ipc "$mech" --platform "$pl" --quiet --out "$out" >"$tmp/log" 2>&1
      rc=$?
      backend=ok
      if [ $rc -eq 0 ]; then
        backend=$(python3 - "$out/results.json" "$mech" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = "backend %s)" % sys.argv[2]
print("ok" if any(want in a["console"] for a in d["apps"]) else "no client reports \"%s\"" % want)
PY
)
      fi
      if [ $rc -eq 0 ] && [ "$backend" = ok ]; then
        pass=$((pass + 1))
      else
        echo "FAIL $w --ipc $mech --platform $pl: exit $rc; $backend"
        grep -E "FAIL|ipcsim:" "$tmp/log" | head -5 | sed 's/^/    /'
        fail=$((fail + 1))
      fi
    done
  done
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
