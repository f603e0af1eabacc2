#!/usr/bin/env python3
"""Checks the metrics in results.json (docs/metrics.md) against
hand-computed runs:

- metrics_marks (tests/scenarios): operation marks of known virtual
  duration on a zero-cost 1 MHz platform: percentiles of a known set,
  the histogram's precision, exact min and max, failures by status,
  syscalls per operation, nesting, unmatched and unfinished marks, the
  active window; and a copy the app declares, charged as a kernel copy;
- ipc_svc_pingpong on relay: N calls give N successful calls and serves,
  the kernel copies N x (request + response, each with its 40-byte wire
  header), and every syscall the client makes beyond those of a run with
  no calls is inside a call;
- fan-in: identical clients give Jain's index 1.0; clients making 10 and
  30 calls give (10 + 30)^2 / (2 * (10^2 + 30^2)) = 0.8.

Usage: metrics_check.py IPCSIM TESTS_SCENARIO_DIR SHIPPED_SCENARIO_DIR
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

ipcsim, test_dir, shipped_dir = sys.argv[1:4]
problems = []
WIRE_HEADER = 40  # sizeof(struct ipcsvc_wire), apps/include/ipcsvc.h


def check(what, ok, detail=""):
    print("%s %s%s" % ("ok  " if ok else "FAIL", what, (": " + detail) if detail and not ok else ""))
    if not ok:
        problems.append(what)


def run(scenario_path, tmp, tag, *extra):
    out = os.path.join(tmp, tag)
    p = subprocess.run([ipcsim, "run", scenario_path, "--quiet", "--host-timeout", "3000",
                        "--out", out] + list(extra), capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stdout, p.stderr)
        check("%s runs and meets its expectations" % tag, False, "exit %d" % p.returncode)
        return None
    with open(os.path.join(out, "results.json")) as f:
        return json.load(f)


def app(d, name):
    return [a for a in d["apps"] if a["name"] == name][0]


def syscalls(a):
    return sum(a["counters"]["syscalls"].values())


def variant(tmp, base, name, clients):
    """The shipped ping-pong scenario with other clients (a list of arg lists)."""
    with open(os.path.join(shipped_dir, base)) as f:
        sc = json.load(f)
    server = sc["apps"][0]
    client = copy.deepcopy(sc["apps"][1])
    client.pop("instances", None)
    sc["name"] = name
    sc["apps"] = [server]
    for i, args in enumerate(clients):
        c = copy.deepcopy(client)
        c["name"] = "client%d" % i
        c["args"] = args
        sc["apps"].append(c)
    sc["expect"] = {"end_reason": "idle"}
    path = os.path.join(tmp, name + ".json")
    with open(path, "w") as f:
        json.dump(sc, f)
    return path


def marks(tmp):
    d = run(os.path.join(test_dir, "metrics_marks.json"), tmp, "marks")
    if d is None:
        return
    ops = app(d, "marker")["operations"]["by_kind"]
    call = ops["call"]
    lat = call["latency"]
    check("marks: 100 calls ok", call["ok"] == 100 and call["failed"] == 0)
    check("marks: min and max exact",
          lat["cycles"]["min"] == 1000 and lat["cycles"]["max"] == 100000, str(lat["cycles"]))
    # nearest rank of 1000, 2000, ..., 100000: p50 = 50000, p90 = 90000,
    # p99 = 99000, p99.9 = the 100th value
    for key, true in (("p50", 50000), ("p90", 90000), ("p99", 99000), ("p99_9", 100000)):
        got = lat["cycles"][key]
        check("marks: %s within 1/256 of %d (got %d)" % (key, true, got),
              abs(got - true) * 256 <= true)
    check("marks: mean exact", lat["cycles"]["mean"] == 50500, str(lat["cycles"]["mean"]))
    check("marks: ns = cycles x 1000 at 1 MHz",
          all(lat["ns"][k] == lat["cycles"][k] * 1000 for k in lat["cycles"]))
    check("marks: no syscall inside the calls", call["syscalls"] == 0)
    n = ops["notify"]
    check("marks: notify 5 ok, 4 failed by status",
          n["ok"] == 5 and n["failed"] == 4
          and n["failed_by_status"] == {"ENODEVICE": 1, "ENOACK": 3}, json.dumps(n["failed_by_status"]))
    check("marks: 2 syscalls per notify", n["syscalls"] == 18 and n["syscalls_per_op"] == 2)
    check("marks: failures kept out of the latency",
          n["latency"]["count"] == 5 and n["failed_latency"]["count"] == 4)
    c = ops["connect"]["latency"]["cycles"]
    check("marks: nested connects of 10 and 15 cycles",
          ops["connect"]["ok"] == 2 and c["min"] == 10 and c["max"] == 15, str(c))
    check("marks: share end without begin", ops["share"]["unmatched_ends"] == 1
          and ops["share"]["ok"] == 0)
    check("marks: serve left open is unfinished", ops["serve"]["unfinished"] == 1
          and ops["serve"]["ok"] == 0)
    secs = d["end"]["virtual_ns"] / 1e9
    check("marks: call throughput = 100 / run time",
          abs(call["throughput_per_s"] - 100 / secs) < 1e-9 * call["throughput_per_s"])
    # the calls run back to back: the active window is their total,
    # 1000 + 2000 + ... + 100000 cycles = 5.05 s at 1 MHz
    check("marks: call active window = the calls' sum", call["active_ns"] == 5050000 * 1000,
          str(call["active_ns"]))
    check("marks: active throughput = 100 / 5.05 s",
          abs(call["active_throughput_per_s"] - 100 / 5.05) < 1e-9, str(call["active_throughput_per_s"]))


def app_copy(tmp):
    """A copy an app declares costs copy_fixed + bytes x copy_per_byte / 16
    (docs/cost-model.md); a declared copy of 0 bytes declares nothing."""
    with open(os.path.join(test_dir, "metrics_marks.json")) as f:
        sc = json.load(f)
    sc["name"] = "metrics_copy"
    sc["platform"]["costs"]["copy_fixed"] = 7
    sc["platform"]["costs"]["copy_per_byte"] = 32  # 2 cycles a byte
    sc["apps"][0]["args"] = ["copy"]
    path = os.path.join(tmp, "metrics_copy.json")
    with open(path, "w") as f:
        json.dump(sc, f)
    d = run(path, tmp, "copy")
    if d is None:
        return
    lat = app(d, "marker")["operations"]["by_kind"]["call"]["latency"]["cycles"]
    check("app copy: 1000 bytes cost 7 + 2000 cycles, 0 bytes nothing",
          lat["max"] == 2007 and lat["min"] == 0, str(lat))


def pingpong(tmp):
    n, payload = 20, 64
    d = run(variant(tmp, "ipc_svc_pingpong.json", "pp20", [["pingpong", str(n), str(payload)]]),
            tmp, "pp20", "--ipc", "relay")
    d0 = run(variant(tmp, "ipc_svc_pingpong.json", "pp0", [["pingpong", "0", str(payload)]]),
             tmp, "pp0", "--ipc", "relay")
    if d is None or d0 is None:
        return
    cl, sv = app(d, "client0"), app(d, "server")
    call = cl["operations"]["by_kind"]["call"]
    check("pingpong: %d calls ok" % n, call["ok"] == n and call["failed"] == 0
          and call["unfinished"] == 0)
    check("pingpong: one connect", cl["operations"]["by_kind"]["connect"]["ok"] == 1)
    check("pingpong: %d serves" % n, sv["operations"]["by_kind"]["serve"]["ok"] == n)
    want = n * 2 * (payload + WIRE_HEADER)
    got = d["metrics"]["ipc_bytes_copied"]
    check("pingpong: relay copies N x (request + response) = %d bytes" % want, got == want, str(got))
    extra = syscalls(cl) - syscalls(app(d0, "client0"))
    check("pingpong: the client's extra syscalls are all inside calls (%d)" % extra,
          extra == call["syscalls"], "calls hold %d" % call["syscalls"])
    check("pingpong: syscalls per call = extra syscalls / N",
          abs(call["syscalls_per_op"] - extra / n) < 1e-12, str(call["syscalls_per_op"]))
    cy = call["latency"]["cycles"]
    check("pingpong: percentiles ordered",
          cy["min"] <= cy["p50"] <= cy["p90"] <= cy["p99"] <= cy["p99_9"] <= cy["max"], str(cy))
    check("pingpong: host time per operation only in the host section",
          "seconds_per_operation" in d["host"]
          and "seconds_per_operation" not in json.dumps(d["metrics"]))


def fairness(tmp):
    d = run(os.path.join(shipped_dir, "ipc_svc_fanin.json"), tmp, "fanin")
    if d is not None:
        f = d["metrics"]["fairness"]
        check("fan-in: Jain 1.0 over 4 identical clients", f["apps"] == 4 and f["jain_index"] == 1.0,
              json.dumps(f))
        check("fan-in: 40 serves",
              app(d, "server")["operations"]["by_kind"]["serve"]["ok"] == 40)
    d = run(variant(tmp, "ipc_svc_pingpong.json", "uneven",
                    [["pingpong", "10", "16"], ["pingpong", "30", "16"]]), tmp, "uneven")
    if d is not None:
        f = d["metrics"]["fairness"]
        check("uneven: Jain 0.8 for 10 and 30 calls",
              f["apps"] == 2 and abs(f["jain_index"] - 0.8) < 1e-12, json.dumps(f))


with tempfile.TemporaryDirectory() as tmp:
    marks(tmp)
    app_copy(tmp)
    pingpong(tmp)
    fairness(tmp)
print("%d problem(s)" % len(problems))
sys.exit(1 if problems else 0)
