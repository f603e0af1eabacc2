#!/usr/bin/env bash
# libtock-c's own IPC examples, built unmodified from the user's checkout
# (-DIPCSIM_LIBTOCK_C=...): every scenario in <dir> meets its expectations
# on every shipped MPU kind (nrf52840, rp2350, earlgrey, esp32-c3), and in
# the 05_ipc tutorial the LEDs really change (the logic client only reaches
# the led service after the rng service answered).
# Usage: libtock_c.sh <ipcsim> <dir>
set -u
ipcsim=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
for pl in nrf52840 rp2350 earlgrey esp32-c3; do
for sc in "$dir"/*.json; do
  name=$(basename "$sc" .json)
  "$ipcsim" run "$sc" --platform "$pl" --quiet --host-timeout 3000 --out "$tmp/$name" \
    >"$tmp/log" 2>&1
  rc=$?
  verdict=ok
  if [ $rc -ne 0 ]; then
    verdict="exit $rc"
  elif [[ $name == *05_ipc* ]]; then
    changes=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['leds']['changes'])" \
              "$tmp/$name/results.json")
    [ "$changes" -ge 2 ] || verdict="only $changes LED changes"
  fi
  if [ "$verdict" = ok ]; then
    echo "ok   $pl $name"
    pass=$((pass + 1))
  else
    echo "FAIL $pl $name: $verdict"
    tail -8 "$tmp/log"
    fail=$((fail + 1))
  fi
done
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
