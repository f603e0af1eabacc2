#!/usr/bin/env python3
"""The fault-semantics table of docs/ipc-designs.md, checked against runs.

Each row of the table is one scenario of tests/ipc_faults/, run once per
IPC mechanism (ipcsim run --ipc M); the summary of what the probing apps
printed must equal the table's cell. With --print, prints the table the
runs give instead of checking (to update the document).

Usage: ipc_fault_table.py IPCSIM FAULTS_DIR DOC [--print] [mechanism...]
"""
import json
import os
import re
import subprocess
import sys
import tempfile

MECHANISMS = ["legacy", "relay", "share", "sendrecv"]

CODES = {
    "Success": "ok",
    "Not acknowledged": "timeout",
    "No such device": "NODEVICE",
    "Already in the requested state": "ALREADY",
    "Device not installed": "UNINSTALLED",
    "Cancelled": "CANCEL",
    "Generic failure": "FAIL",
    "Busy, try again later": "BUSY",
    "Invalid argument": "INVAL",
    "Argument too large": "SIZE",
    "Out of memory": "NOMEM",
}

# (row label in the document, scenario, what to summarise)
ROWS = [
    ("server crashes and stays down: the client's 4 calls", "server_crash_stop", "client"),
    ("server crashes and restarts: the client's 4 calls, no reconnect", "server_crash_restart",
     "client"),
    ("server alive but never answers: the client's 4 calls", "server_hang", "client"),
    ("client dies while served: the server's reply", "reply_to_dead_client", "reply:7"),
    ("client dies while queued: does the server get its request?", "client_dies_queued",
     "reply:8"),
]


def code(text):
    return CODES.get(text.strip(), text.strip())


def summarise(results, what):
    apps = {a["name"]: a for a in results["apps"]}
    if what == "client":
        calls = re.findall(r"^call \d+: (.*)$", apps["client"]["console"], re.M)
        return ", ".join(code(c) for c in calls) or "no calls"
    op = what.split(":")[1]
    m = re.search(r"^request op=%s len=\d+: reply (.*)$" % op, apps["server"]["console"], re.M)
    return "served, reply %s" % code(m.group(1)) if m else "not served"


def run(ipcsim, scenario, mech, tmp):
    out = os.path.join(tmp, "%s-%s" % (os.path.basename(scenario), mech))
    p = subprocess.run([ipcsim, "run", scenario, "--ipc", mech, "--quiet", "--out", out],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=300)
    path = os.path.join(out, "results.json")
    if not os.path.exists(path):
        return None, "no results (exit %d): %s" % (p.returncode, p.stdout[-400:])
    with open(path) as f:
        return json.load(f), None


def doc_table(doc):
    """{row label: {mechanism: cell}} from the document's markdown table."""
    table, header = {}, None
    with open(doc) as f:
        for line in f:
            if not line.startswith("|"):
                header = None if not line.strip() else header
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header = cells
                continue
            if set(cells[0]) <= set("-: "):
                continue
            if header[1:] == MECHANISMS:
                table[cells[0]] = {m: c.strip("`") for m, c in zip(MECHANISMS, cells[1:])}
    return table


def main():
    args = sys.argv[1:]
    printing = "--print" in args
    args = [a for a in args if a != "--print"]
    ipcsim, faults, doc = args[:3]
    mechs = args[3:] or MECHANISMS
    want = doc_table(doc)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        if printing:
            print("| situation | " + " | ".join(MECHANISMS) + " |")
            print("|---|" + "---|" * len(MECHANISMS))
        for label, scenario, what in ROWS:
            got = {}
            for m in mechs:
                res, err = run(ipcsim, os.path.join(faults, scenario + ".json"), m, tmp)
                got[m] = summarise(res, what) if res else err
            if printing:
                print("| %s | %s |" % (label, " | ".join("`%s`" % got.get(m, "")
                                                        for m in MECHANISMS)))
                continue
            for m in mechs:
                expected = want.get(label, {}).get(m)
                if expected == got[m]:
                    print("ok   %s [%s]: %s" % (scenario, m, got[m]))
                else:
                    print("FAIL %s [%s]: runs give %r, %s says %r" %
                          (scenario, m, got[m], os.path.basename(doc), expected))
                    failures += 1
    if not printing:
        print("%d cell(s) differ" % failures if failures else "the table matches the runs")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
