#!/usr/bin/env python3
"""The tables of docs/ipc-designs.md, checked against runs.

Fault semantics: each row is one scenario of tests/ipc_faults/, run once
per IPC mechanism (ipcsim run --ipc M); the summary of what the probing
apps printed must equal the table's cell.

MPU regions: each row is one workload of scenarios/ on one platform; a
cell gives the most MPU regions the server and a client had enabled at
once beyond those their load used (results.json counters
mpu_regions_peak - mpu_regions_base).

With --print, prints the tables the runs give instead of checking (to
update the document).

Usage: ipc_fault_table.py IPCSIM FAULTS_DIR DOC [--print] [mechanism...]
(the workloads are looked up in FAULTS_DIR/../../scenarios)
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
    "Not supported": "NOSUPPORT",
}

# (row label in the document, scenario, what to summarise, platform)
ROWS = [
    ("server crashes and stays down: the client's 4 calls", "server_crash_stop", "client"),
    ("server crashes and restarts: the client's 4 calls, no reconnect", "server_crash_restart",
     "client"),
    ("server alive but never answers: the client's 4 calls", "server_hang", "client"),
    ("client dies while served: the server's reply", "reply_to_dead_client", "reply:7"),
    ("client dies while queued: does the server get its request?", "client_dies_queued",
     "reply:8"),
]
ROWS.append(("client gives up during a bulk call: the server's reply", "client_gives_up_bulk",
             "reply:2"))
ROWS.append(("server restricted to ShortId 7: calls of a client with ShortId 7 / 9",
             "restricted", "clients:trusted,intruder"))
ROWS = [r + (None,) for r in ROWS]

MPU_ROWS = [
    ("%s, %s" % (pl, label), "@ipc_svc_" + w, "mpu", pl)
    for pl in ["nrf52840", "rp2350", "esp32-c3", "earlgrey"]
    for label, w in [("ping-pong", "pingpong"), ("bulk, 2 buffers", "bulk"),
                     ("4 clients", "fanin")]
    if not (pl == "earlgrey" and w == "fanin")  # 5 blocks do not fit its 96 KiB
]


def code(text):
    return CODES.get(text.strip(), text.strip())


def summarise(results, what):
    apps = {a["name"]: a for a in results["apps"]}
    if what == "mpu":
        def extra(a):
            return a["counters"]["mpu_regions_peak"] - a["counters"]["mpu_regions_base"]
        clients = [extra(a) for n, a in apps.items() if n != "server"]
        return "server +%d, client +%d" % (extra(apps["server"]), max(clients))
    if what.startswith("client"):
        names = what.split(":")[1].split(",") if ":" in what else ["client"]
        out = []
        for n in names:
            calls = re.findall(r"^call \d+: (.*)$", apps[n]["console"], re.M)
            out.append(", ".join(code(c) for c in calls) or "no calls")
        return " / ".join(out)
    op = what.split(":")[1]
    m = re.search(r"^request op=%s len=\d+: reply (.*)$" % op, apps["server"]["console"], re.M)
    if apps["server"]["fault_count"]:
        return "server faulted"
    return "served, reply %s" % code(m.group(1)) if m else "not served"


def run(ipcsim, scenario, mech, tmp, platform=None):
    out = os.path.join(tmp, "%s-%s-%s" % (os.path.basename(scenario), mech, platform))
    cmd = [ipcsim, "run", scenario, "--ipc", mech, "--quiet", "--out", out]
    if platform:
        cmd += ["--platform", platform]
    p = subprocess.run(cmd,
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
        workloads = os.path.join(faults, "..", "..", "scenarios")
        for i, (label, scenario, what, platform) in enumerate(ROWS + MPU_ROWS):
            if printing and i in (0, len(ROWS)):
                print("\n| %s | %s |" % ("situation" if i == 0 else "platform, workload",
                                         " | ".join(MECHANISMS)))
                print("|---|" + "---|" * len(MECHANISMS))
            if scenario.startswith("@"):
                path = os.path.join(workloads, scenario[1:] + ".json")
            else:
                path = os.path.join(faults, scenario + ".json")
            got = {}
            for m in mechs:
                res, err = run(ipcsim, path, m, tmp, platform)
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
