#!/usr/bin/env python3
"""Generates the figures of docs/ipc-comparison.md.

Runs `ipcsim compare` over scenarios/matrices/ipc_comparison.json, copies
the charts and compare.csv to docs/comparison/, and rewrites the generated
blocks of docs/ipc-comparison.md (between `<!-- generated:NAME -->` and
`<!-- end generated:NAME -->`): the full table, the copy/share crossover,
cycles per platform, and the MPU regions per client count. Everything
else in the page is prose and stays as written.

Usage: tools/comparison.py [--ipcsim PATH] [--out DIR] [--check] [--reuse]
  --ipcsim  the ipcsim binary (default build/ipcsim)
  --out     where compare writes its cells (default build/comparison)
  --check   write nothing; exit 1 if the page or docs/comparison/ differ
            from what this run gives (the test suite's `comparison`)
  --reuse   use the last run in --out (its compare.csv and table.md)
            instead of running compare again
"""
import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MATRIX = os.path.join(ROOT, "scenarios", "matrices", "ipc_comparison.json")
PAGE = os.path.join(ROOT, "docs", "ipc-comparison.md")
FIGS = os.path.join(ROOT, "docs", "comparison")


def run_compare(ipcsim, out, reuse):
    """The Markdown table and the rows of compare.csv; the table is kept
    in OUT/table.md, which --reuse reads instead of running again."""
    saved = os.path.join(out, "table.md")
    if not reuse:
        p = subprocess.run([ipcsim, "compare", "--matrix", MATRIX, "--allow-fail", "--quiet",
                            "--out", out], capture_output=True, text=True, cwd=ROOT)
        if p.returncode != 0:
            sys.exit("ipcsim compare failed (exit %d):\n%s" % (p.returncode, p.stderr))
        with open(saved, "w") as f:
            f.write(p.stdout)
    with open(saved) as f:
        table = f.read()
    with open(os.path.join(out, "compare.csv")) as f:
        rows = list(csv.DictReader(f))
    return table, rows


def cell(rows, plat, mech, payload, clients):
    for r in rows:
        if (r["platform"], r["mechanism"], int(r["payload"]), int(r["clients"])) == (
                plat, mech, payload, clients):
            return r
    return None


def ok(r):
    return r is not None and r["result"] == "pass"


def us(r):
    return int(r["lat_p50_ns"]) / 1000.0


def crossover(rows, m):
    """Per platform, the smallest payload at which share's p50 is at most
    that of every copying design that ran (relay, sendrecv)."""
    out = ["| platform (MPU) | share at %d B | relay at %d B | share - relay | share no slower than relay and sendrecv from |" %
           (m["payloads"][0], m["payloads"][0]), "|---|--:|--:|--:|---|"]
    for p in m["platforms"]:
        first = m["payloads"][0]
        s0, r0 = cell(rows, p, "share", first, 1), cell(rows, p, "relay", first, 1)
        at = None
        prev = None
        for size in m["payloads"]:
            s = cell(rows, p, "share", size, 1)
            copies = [cell(rows, p, c, size, 1) for c in ("relay", "sendrecv")]
            if ok(s) and all(ok(c) and us(s) <= us(c) for c in copies):
                at = size
                break
            prev = size
        if at is None:
            where = "never, up to %d B" % m["payloads"][-1]
        elif prev is None:
            where = "%d B (the smallest payload)" % at
        else:
            where = "between %d and %d B" % (prev, at)
        out.append("| %s (%s) | %.1f us | %.1f us | %+.1f us | %s |" % (
            p, mpu_of(p), us(s0), us(r0), us(s0) - us(r0), where))
    return "\n".join(out)


_mpu = {}


def mpu_of(p):
    if p not in _mpu:
        with open(os.path.join(ROOT, "platforms", p + ".json")) as f:
            d = json.load(f)
        _mpu[p] = (d["mpu"], d["mpu_regions"], d["clock_hz"])
    return _mpu[p][0]


def cycles(rows, m):
    """p50 cycles of one call, 1 client, at the smallest and a large
    payload, per platform: the kernel's work counted in the target CPU's
    cycles, so clock speed is out of it."""
    big = 1024 if 1024 in m["payloads"] else m["payloads"][-1]
    small = m["payloads"][0]
    head = "| mechanism | " + " | ".join(
        "%s (%s) %d B / %d B" % (p, mpu_of(p), small, big) for p in m["platforms"]) + " |"
    out = [head, "|---|" + "--:|" * len(m["platforms"])]
    for mech in m["mechanisms"]:
        cols = []
        for p in m["platforms"]:
            a, b = cell(rows, p, mech, small, 1), cell(rows, p, mech, big, 1)
            cols.append("%s / %s" % (a["lat_p50_cycles"] if ok(a) else "-",
                                     b["lat_p50_cycles"] if ok(b) else "-"))
        out.append("| %s | %s |" % (mech, " | ".join(cols)))
    return "\n".join(out)


def regions(rows, m):
    """Peak MPU regions in use (any process) at the smallest payload, per
    client count, against the regions the MPU gives a process: where the
    peak reaches them, the client count at which it does; where it grows
    with clients, how many clients fit before it runs out, extrapolating
    the growth between the last two client counts that ran."""
    small = m["payloads"][0]
    cs = m["clients"]
    head = "| platform (regions) | mechanism | " + " | ".join(
        "%d client%s" % (c, "s" if c > 1 else "") for c in cs) + " | the MPU's limit |"
    out = [head, "|---|---|" + "--:|" * len(cs) + "---|"]
    for p in m["platforms"]:
        mpu_of(p)
        limit = _mpu[p][1]
        for mech in m["mechanisms"]:
            peaks = []
            for c in cs:
                r = cell(rows, p, mech, small, c)
                peaks.append((c, int(r["mpu_regions_peak"])) if ok(r) else (c, None))
            ran = [(c, v) for c, v in peaks if v is not None]
            full = [c for c, v in ran if v >= limit]
            if full:
                note = "limit reached at %d client%s" % (full[0], "s" if full[0] > 1 else "")
            elif len(ran) >= 2 and ran[-1][1] > ran[-2][1]:
                (c1, v1), (c2, v2) = ran[-2], ran[-1]
                per = (v2 - v1) / (c2 - c1)
                fit = c2 + int((limit - v2) / per)
                note = "about %d (+%g region%s a client)" % (fit, per, "" if per == 1 else "s")
            elif ran:
                note = "not limited by the MPU"
            else:
                note = "-"
            out.append("| %s (%d) | %s | %s | %s |" % (
                p, limit, mech, " | ".join("-" if v is None else str(v) for _, v in peaks),
                note))
    return "\n".join(out)


def replace_block(text, name, body):
    pat = re.compile(r"(<!-- generated:%s -->\n).*?(<!-- end generated:%s -->)" %
                     (re.escape(name), re.escape(name)), re.S)
    if not pat.search(text):
        sys.exit("%s: no generated block %r" % (PAGE, name))
    return pat.sub(lambda mo: mo.group(1) + body.rstrip("\n") + "\n" + mo.group(2), text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ipcsim", default=os.path.join(ROOT, "build", "ipcsim"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "comparison"))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="use the last run in --out instead of running compare again")
    a = ap.parse_args()
    with open(MATRIX) as f:
        m = json.load(f)
    table, rows = run_compare(os.path.abspath(a.ipcsim), os.path.abspath(a.out), a.reuse)
    with open(PAGE) as f:
        page = f.read()
    new = page
    new = replace_block(new, "table", table)
    new = replace_block(new, "crossover", crossover(rows, m))
    new = replace_block(new, "cycles", cycles(rows, m))
    new = replace_block(new, "regions", regions(rows, m))
    figs = {n: open(os.path.join(a.out, n)).read() for n in os.listdir(a.out)
            if n.endswith(".svg") or n == "compare.csv"}
    if a.check:
        bad = []
        if new != page:
            bad.append(PAGE)
        have = set(os.listdir(FIGS)) if os.path.isdir(FIGS) else set()
        if have != set(figs):
            bad.append("%s: files %s, expected %s" % (FIGS, sorted(have), sorted(figs)))
        for n, text in figs.items():
            path = os.path.join(FIGS, n)
            if not os.path.exists(path) or open(path).read() != text:
                bad.append(path)
        if bad:
            print("out of date (run tools/comparison.py):\n  " + "\n  ".join(bad))
            sys.exit(1)
        print("docs/ipc-comparison.md and docs/comparison/ are what the matrix gives")
        return
    os.makedirs(FIGS, exist_ok=True)
    for n in os.listdir(FIGS):
        if n not in figs:
            os.unlink(os.path.join(FIGS, n))
    for n, text in figs.items():
        with open(os.path.join(FIGS, n), "w") as f:
            f.write(text)
    with open(PAGE, "w") as f:
        f.write(new)
    print("wrote %s and %d files in %s" % (os.path.relpath(PAGE, ROOT), len(figs),
                                          os.path.relpath(FIGS, ROOT)))


main()
