#!/usr/bin/env bash
# The console capture is bounded: with --capture-max 100, an app that
# prints more keeps exactly 100 bytes in results.json and the rest is
# counted as console_bytes_not_captured (kept + counted = what a run without
# the limit captures). Expectations see only what was kept, so the run's
# own exit status is not checked here.
# Usage: capture_limit.sh <ipcsim> <scenario>
set -u
ipcsim=$1
scenario=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$ipcsim" run "$scenario" --quiet --capture-max 100 --out "$tmp" >"$tmp/log" 2>&1
rc=$?
verdict=$(python3 - "$tmp/results.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a = d["apps"][0]
kept, cut = len(a["console"].encode()), a["console_bytes_not_captured"]
if kept != 100 or cut <= 0:
    print("kept %d bytes, %d not captured" % (kept, cut))
else:
    print("ok")
PY
)
full=$("$ipcsim" run "$scenario" --quiet --out "$tmp/full" >/dev/null 2>&1; python3 -c "import json; a=json.load(open('$tmp/full/results.json'))['apps'][0]; print(len(a['console'].encode()) + a['console_bytes_not_captured'])")
kept_plus_cut=$(python3 -c "import json; a=json.load(open('$tmp/results.json'))['apps'][0]; print(len(a['console'].encode()) + a['console_bytes_not_captured'])")
if [ "$verdict" = ok ] && [ "$kept_plus_cut" = "$full" ]; then
  echo "ok   capture bounded at 100 bytes, $((full - 100)) counted as not captured"
  echo "1 passed, 0 failed"
  exit 0
fi
echo "FAIL exit $rc: $verdict; kept+cut $kept_plus_cut, full $full"
cat "$tmp/log"
echo "0 passed, 1 failed"
exit 1
