#!/usr/bin/env python3
"""The cost model's published tables must be what runs give.

1. Every platform profile names a source for every cost figure
   ("costs.<key>" in its "sources").
2. Every row of docs/cost-model.md whose first cell is `scenario:row` or
   `scenario:row:variant` is checked against a run of scenarios/<scenario>.json:
   its predicted cell must be the run's figure, printed with the same number
   of decimals, and its error cell (predicted - published) / published in
   percent with one decimal.

Variants: none = the row's mean including the measurement overhead (as the
calib app prints it), "net" = without it, "net_cycles" = the net figure in
CPU cycles of the scenario's platform. shared_buffer_bandwidth is in KiB/s.

Usage: cost_model.py <ipcsim> <scenario-dir> <platform-dir> <cost-model.md>
"""
import json
import os
import re
import subprocess
import sys

ROW = re.compile(r"^\| `([a-z0-9_]+):([a-z_]+)(?::(net|net_cycles))?` \|[^|]*\| "
                 r"([0-9.]+) (us|KiB/s|cycles) \| ([0-9.]+) (us|KiB/s|cycles) \| "
                 r"([+-][0-9]+\.[0-9]) % \|")
US_LINE = re.compile(r"calib ([a-z_]+): ([0-9.]+) us \(net ([0-9.]+) us\)")
BW_LINE = re.compile(r"calib shared_buffer_bandwidth: ([0-9.]+) KiB/s")


def decimals(s):
    return len(s.split(".")[1]) if "." in s else 0


def run(ipcsim, path):
    p = subprocess.run([ipcsim, "run", path], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise SystemExit(f"FAIL {path}: ipcsim exited with {p.returncode}\n{p.stdout}{p.stderr}")
    rows = {}
    for m in US_LINE.finditer(p.stdout):
        rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    m = BW_LINE.search(p.stdout)
    if m:
        rows["shared_buffer_bandwidth"] = (float(m.group(1)), None)
    return rows


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    ipcsim, sdir, pdir, doc = sys.argv[1:]
    failures = 0
    checks = 0

    for name in sorted(os.listdir(pdir)):
        if not name.endswith(".json"):
            continue
        prof = json.load(open(os.path.join(pdir, name)))
        for key in prof["costs"]:
            checks += 1
            src = prof.get("sources", {}).get("costs." + key, "")
            if not src.strip():
                print(f"FAIL {name}: no source for costs.{key}")
                failures += 1

    runs = {}
    rows = 0
    for line in open(doc, encoding="utf-8"):
        m = ROW.match(line)
        if not m:
            continue
        rows += 1
        scen, row, variant, pub, pub_unit, pred, pred_unit, err = m.groups()
        if scen not in runs:
            path = os.path.join(sdir, scen + ".json")
            runs[scen] = run(ipcsim, path)
            plat = json.load(open(path))["platform"]
            runs[scen]["_clock"] = json.load(open(os.path.join(pdir, plat + ".json")))["clock_hz"]
        got = runs[scen].get(row)
        if got is None:
            print(f"FAIL {scen}:{row}: the run printed no such row")
            failures += 1
            continue
        if variant is None:
            value = got[0]
        elif variant == "net":
            value = got[1]
        else:
            value = got[1] * runs[scen]["_clock"] / 1e6
        want = f"{value:.{decimals(pred)}f}"
        checks += 1
        if want != pred:
            print(f"FAIL {scen}:{row}{':' + variant if variant else ''}: "
                  f"doc predicts {pred} {pred_unit}, the run gives {want}")
            failures += 1
        e = f"{(float(want) - float(pub)) / float(pub) * 100:+.1f}"
        if e == "-0.0":
            e = "+0.0"
        checks += 1
        if e != err:
            print(f"FAIL {scen}:{row}: error column says {err} %, published {pub} and "
                  f"predicted {want} give {e} %")
            failures += 1
    if rows == 0:
        print(f"FAIL {doc}: no calibration rows found")
        failures += 1
    print(f"cost model: {checks - failures} passed, {failures} failed ({rows} table rows)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
