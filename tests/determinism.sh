#!/usr/bin/env bash
# Runs every scenario twice and requires byte-identical console output and
# results (the "host" timing section excluded).
# Usage: determinism.sh <ipcsim> <scenario-dir>
set -u
ipcsim=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
for sc in "$dir"/*.json; do
  name=$(basename "$sc" .json)
  [ "$name" = schema ] && continue
  for i in 1 2; do
    "$ipcsim" run "$sc" --seed 7 --out "$tmp/$name.$i" >"$tmp/$name.$i.out" 2>/dev/null
    echo $? >>"$tmp/$name.$i.out"
    python3 - "$tmp/$name.$i/results.json" >"$tmp/$name.$i.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d.pop("host", None)
print(json.dumps(d, indent=1))
PY
  done
  # the console summary has no host figures; compare it whole
  if cmp -s "$tmp/$name.1.out" "$tmp/$name.2.out" && cmp -s "$tmp/$name.1.json" "$tmp/$name.2.json"; then
    echo "ok   $name"
    pass=$((pass + 1))
  else
    echo "FAIL $name: two runs differ"
    diff "$tmp/$name.1.out" "$tmp/$name.2.out" | head -20
    diff "$tmp/$name.1.json" "$tmp/$name.2.json" | head -20
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
