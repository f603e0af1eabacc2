#!/usr/bin/env python3
"""Checks `ipcsim compare` (docs/ipc-comparison.md) end to end:

- bad matrix files (tests/compare/bad/*.json) fail with exit 2 and the
  message in the matching .expect file (each of its lines must appear in
  the first line of stderr), and write nothing;
- the small matrix (tests/compare/small_matrix.json, 16 cells that pass,
  fail and do not fit) is compared in full with tests/compare/expected/:
  the Markdown table, compare.csv, compare.json without its host section,
  and every SVG chart; --update rewrites those files instead;
- the outputs agree with the cells' own results.json; a cell's
  scenario.json re-run by hand gives the same results; each cell's
  scenario has the payload and the instances of its cell;
- -j 1 and -j 2 give the same bytes; a failing cell makes the exit code 1
  (0 with --allow-fail); the SVGs are well-formed with a line per
  mechanism;
- SIGINT to compare while cells run: exit 130, no outputs, no process left.

Usage: compare_check.py IPCSIM TESTS_COMPARE_DIR WORKDIR [--update]
"""
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ipcsim, cdir, work = (os.path.abspath(a) for a in sys.argv[1:4])
update = "--update" in sys.argv[4:]
problems = []


def check(what, ok, detail=""):
    print("%s %s%s" % ("ok  " if ok else "FAIL", what, (": " + detail) if detail and not ok else ""))
    if not ok:
        problems.append(what)


def compare(args, cwd, out):
    return subprocess.run([ipcsim, "compare"] + args + ["--out", out], cwd=cwd,
                          capture_output=True, text=True)


def strip_host(text):
    d = json.loads(text)
    d.pop("host", None)
    return json.dumps(d, indent=2, sort_keys=True) + "\n"


def bad_matrices():
    bad = os.path.join(cdir, "bad")
    for name in sorted(os.listdir(bad)):
        if not name.endswith(".json"):
            continue
        out = os.path.join(work, "bad-" + name)
        p = compare(["--matrix", name], bad, out)
        first = (p.stderr.splitlines() or [""])[0]
        with open(os.path.join(bad, name + ".expect")) as f:
            want = [l.rstrip("\n") for l in f if l.strip()]
        check("bad matrix %s: exit 2" % name, p.returncode == 2, "exit %d" % p.returncode)
        check("bad matrix %s: message" % name, all(w in first for w in want),
              "got %r, expected %r" % (first, want))
        check("bad matrix %s: nothing written" % name, not os.path.exists(out))


def golden(out, table):
    exp = os.path.join(cdir, "expected")
    files = {"table.md": table}
    with open(os.path.join(out, "compare.csv")) as f:
        files["compare.csv"] = f.read()
    with open(os.path.join(out, "compare.json")) as f:
        files["compare.json"] = strip_host(f.read())
    for n in sorted(os.listdir(out)):
        if n.endswith(".svg"):
            with open(os.path.join(out, n)) as f:
                files[n] = f.read()
    if update:
        shutil.rmtree(exp, ignore_errors=True)
        os.makedirs(exp)
        for n, text in files.items():
            with open(os.path.join(exp, n), "w") as f:
                f.write(text)
        print("updated", exp)
        return
    check("golden: the same files", sorted(files) == sorted(os.listdir(exp)),
          "%s vs %s" % (sorted(files), sorted(os.listdir(exp))))
    for n, text in files.items():
        path = os.path.join(exp, n)
        want = open(path).read() if os.path.exists(path) else None
        check("golden: %s as expected" % n, text == want)


def consistency(out, table):
    with open(os.path.join(out, "compare.csv")) as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(out, "compare.json")) as f:
        js = json.load(f)
    check("16 cells", len(rows) == 16 and len(js["cells"]) == 16)
    results = {r["result"] for r in rows}
    check("cells that pass, fail and do not fit", {"pass", "fail", "error"} <= results,
          str(results))
    for r in rows:
        cell = os.path.join(out, "cells", r["cell"])
        with open(os.path.join(cell, "scenario.json")) as f:
            sc = json.load(f)
        client = [a for a in sc["apps"] if a["name"] == "client"][0]
        n = int(r["clients"])
        check("%s: payload and instances in its scenario" % r["cell"],
              client["args"][2] == r["payload"] and client.get("instances", 1) == n)
        keys = sorted(k for k in sc["expect"]["apps"] if k.startswith("client"))
        want = ["client"] if n == 1 else sorted("client[%d]" % i for i in range(n))
        check("%s: the client's expectations on every instance" % r["cell"], keys == want,
              str(keys))
        if r["result"] == "error":
            check("%s: a note says why" % r["cell"], "NotEnoughMemory" in r["note"], r["note"])
            continue
        with open(os.path.join(cell, "results.json")) as f:
            res = json.load(f)
        call = res["metrics"]["operations"]["by_kind"].get("call", {})
        lat = (call.get("latency") or {}).get("ns", {})
        check("%s: p50 is the cell's results.json" % r["cell"],
              int(r["lat_p50_ns"]) == lat.get("p50", 0))
        check("%s: bytes copied is the cell's" % r["cell"],
              int(r["ipc_bytes_copied"]) == res["metrics"]["ipc_bytes_copied"])
        check("%s: result is the cell's expectations" % r["cell"],
              (r["result"] == "pass") == (res["expectations"]["failed"] == 0))
        if r["result"] == "pass":
            check("%s: in the table with its p50" % r["cell"],
                  "| %s | %s | %s | %s | pass | %d | %.1f |" % (
                      r["platform"], r["mechanism"], r["payload"], r["clients"], int(r["ok"]),
                      int(r["lat_p50_ns"]) / 1000.0) in table)
    # a cell re-run by hand gives the same results
    r = [r for r in rows if r["result"] == "pass"][0]
    cell = os.path.join(out, "cells", r["cell"])
    again = os.path.join(work, "again")
    p = subprocess.run([ipcsim, "run", os.path.join(cell, "scenario.json"), "--quiet",
                        "--platform", r["platform"], "--ipc", r["mechanism"], "--seed", "3",
                        "--out", again], capture_output=True, text=True)
    a = strip_host(open(os.path.join(again, "results.json")).read())
    b = strip_host(open(os.path.join(cell, "results.json")).read())
    check("a cell re-run by hand: the same results", p.returncode == 0 and a == b)
    for n in sorted(os.listdir(out)):
        if n.endswith(".svg"):
            root = ET.parse(os.path.join(out, n)).getroot()
            paths = root.findall("{http://www.w3.org/2000/svg}path")
            check("%s: well-formed, a line per mechanism" % n, len(paths) == 2, str(len(paths)))


def exit_codes():
    one = ["--ipc", "legacy", "--platform", "nrf52840", "--payload-arg", "2", "--seed", "3"]
    p = compare([os.path.join(cdir, "..", "..", "scenarios", "compare_bulk.json")] + one +
                ["--payload", "2048"], cdir, os.path.join(work, "fail"))
    check("a failing cell: exit 1", p.returncode == 1, "exit %d: %s" % (p.returncode, p.stderr))
    check("a failing cell: its note",
          "call 0: Out of memory" in open(os.path.join(work, "fail", "compare.csv")).read())
    p = compare([os.path.join(cdir, "..", "..", "scenarios", "compare_bulk.json")] + one +
                ["--payload", "16"], cdir, os.path.join(work, "pass"))
    check("a passing cell: exit 0", p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))


def leftovers(tag):
    p = subprocess.run(["pgrep", "-f", tag], capture_output=True, text=True)
    return [l for l in p.stdout.split() if l.strip()]


def interrupt():
    # cells whose app spins until the host watchdog (10 s) catches it: still
    # running when the signal comes, however fast the machine
    out = os.path.join(work, "interrupted")
    spin = os.path.join(cdir, "..", "scenarios", "misbehave_spin.json")
    p = subprocess.Popen([ipcsim, "compare", spin, "--ipc", "none,legacy,relay", "-j", "2",
                          "--out", out], cwd=cdir,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 20
    while time.time() < deadline and not os.path.isdir(os.path.join(out, "cells")):
        time.sleep(0.05)
    time.sleep(0.5)
    t0 = time.time()
    p.send_signal(signal.SIGINT)  # to compare alone: it must stop its cells itself
    try:
        rc = p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = None
    check("SIGINT: exit 130", rc == 130, "exit %s: %s" % (rc, p.stderr.read()))
    check("SIGINT: stops at once, not after the cells", time.time() - t0 < 5,
          "%.1f s" % (time.time() - t0))
    check("SIGINT: no outputs", not os.path.exists(os.path.join(out, "compare.csv"))
          and not os.path.exists(os.path.join(out, "compare.json")))
    time.sleep(0.5)
    # the cells' runs, and their apps (this build's: another may be running)
    left = leftovers(out) + leftovers(os.path.join(os.path.dirname(ipcsim), "apps", "spin"))
    check("SIGINT: no process left", left == [], str(left))


def main():
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    bad_matrices()
    out = os.path.join(work, "small")
    p = compare(["--matrix", "small_matrix.json", "-j", "2", "--allow-fail"], cdir, out)
    check("small matrix: exit 0 with --allow-fail", p.returncode == 0,
          "exit %d: %s" % (p.returncode, p.stderr))
    if p.returncode != 0:
        return
    golden(out, p.stdout)
    if update:
        return
    consistency(out, p.stdout)
    out1 = os.path.join(work, "small-j1")
    p1 = compare(["--matrix", "small_matrix.json", "-j", "1", "--allow-fail"], cdir, out1)
    same = p1.stdout == p.stdout and all(
        open(os.path.join(out, n)).read() == open(os.path.join(out1, n)).read()
        for n in os.listdir(out) if n.endswith(".svg") or n.endswith(".csv"))
    check("-j 1 and -j 2: the same bytes", p1.returncode == 0 and same)
    exit_codes()
    interrupt()


main()
if problems:
    print("%d problem(s)" % len(problems))
    sys.exit(1)
print("compare: all checks passed")
