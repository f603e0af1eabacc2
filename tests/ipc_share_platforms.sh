#!/usr/bin/env bash
# Shared-memory IPC (driver 0xA0020) across MPU kinds, checked in
# results.json: scenarios/ipc_share_basic.json on every shipped profile
# (the peer maps the chunk everywhere; the owner maps its own chunk except
# on ARMv8-M, where it copies), and scenarios/ipc_share_fallback.json on
# nrf52840 (both sides copy: ipc_share_copied 1 each).
# Usage: ipc_share_platforms.sh <ipcsim> <scenario-dir>
set -u
ipcsim=$1
sdir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() { # name scenario platform owner_mapped owner_copied peer_mapped peer_copied
  local name=$1 sc=$2 pl=$3
  "$ipcsim" run "$sdir/$sc" --platform "$pl" --quiet --out "$tmp/$name" >"$tmp/log" 2>&1
  local rc=$?
  local got
  got=$(python3 - "$tmp/$name/results.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
apps = {a["name"]: a["counters"] for a in d["apps"]}
print(" ".join(str(apps[n][k]) for n in ("owner", "peer") for k in ("ipc_share_mapped", "ipc_share_copied")))
PY
)
  local want="$4 $5 $6 $7"
  if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then
    echo "ok   $name"
    pass=$((pass + 1))
  else
    echo "FAIL $name: exit $rc, counters (owner mapped/copied, peer mapped/copied) $got, wanted $want"
    tail -5 "$tmp/log"
    fail=$((fail + 1))
  fi
}
check basic-nrf52840 ipc_share_basic.json nrf52840 1 0 1 0
check basic-earlgrey ipc_share_basic.json earlgrey 1 0 1 0
check basic-esp32-c3 ipc_share_basic.json esp32-c3 1 0 1 0
check basic-rp2350 ipc_share_basic_rp2350.json rp2350 0 1 1 0
check basic-synthetic-large ipc_share_basic_rp2350.json synthetic-large 0 1 1 0
check fallback-nrf52840 ipc_share_fallback.json nrf52840 0 1 0 1
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
