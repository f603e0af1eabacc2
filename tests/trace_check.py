#!/usr/bin/env python3
"""Checks ipcsim traces (Chrome trace event format, see docs/trace.md).

    trace_check.py FILE...                      validate trace files
    trace_check.py --ipcsim BIN --scenarios DIR --workdir DIR
                                                run scenarios with --trace and
                                                check the traces, determinism
                                                and the event cap

Prints one line per check and a final "N passed, M failed"; exits 1 if any
check failed. Python standard library only.
"""
import argparse
import json
import os
import subprocess
import sys

RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append(ok)
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, (": " + detail) if detail and not ok else ""))
    return ok


def validate(path):
    """Returns a list of problems with the trace at path (empty if none)."""
    problems = []
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        return ["not well-formed JSON: %s" % e]
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        return ["no traceEvents array"]
    if doc.get("displayTimeUnit") != "ns":
        problems.append("displayTimeUnit is not ns")
    other = doc.get("otherData")
    if not isinstance(other, dict) or not isinstance(other.get("truncated"), bool):
        problems.append("otherData.truncated missing")
    names = set()
    last_ts = {}
    depth = {}
    starts, finishes = {}, {}
    used = set()
    for i, ev in enumerate(doc["traceEvents"]):
        where = "event %d" % i
        if not isinstance(ev, dict) or "ph" not in ev:
            problems.append("%s: no ph" % where)
            continue
        ph = ev["ph"]
        if ph == "M":
            if ev.get("name") == "thread_name":
                names.add((ev.get("pid"), ev.get("tid")))
            continue
        missing = [k for k in ("ts", "pid", "tid") if k not in ev]
        if missing:
            problems.append("%s (%s): missing %s" % (where, ph, ", ".join(missing)))
            continue
        ts = ev["ts"]
        if not isinstance(ts, (int, float)) or isinstance(ts, bool):
            problems.append("%s: ts is not a number" % where)
            continue
        track = (ev["pid"], ev["tid"])
        used.add(track)
        if ts < last_ts.get(track, float("-inf")):
            problems.append("%s: ts %s goes back on track %s" % (where, ts, track))
        last_ts[track] = ts
        if ph == "B":
            depth[track] = depth.get(track, 0) + 1
        elif ph == "E":
            depth[track] = depth.get(track, 0) - 1
            if depth[track] < 0:
                problems.append("%s: E without B on track %s" % (where, track))
                depth[track] = 0
        elif ph in ("s", "f"):
            if "id" not in ev:
                problems.append("%s: flow event without id" % where)
                continue
            table = starts if ph == "s" else finishes
            if ev["id"] in table:
                problems.append("%s: flow %s %s twice" % (where, ev["id"], ph))
            table[ev["id"]] = ts
        elif ph == "i":
            if ev.get("s", "t") not in ("t", "p", "g"):
                problems.append("%s: bad instant scope" % where)
        elif ph != "X":
            problems.append("%s: unexpected phase %s" % (where, ph))
    for track, d in sorted(depth.items()):
        if d:
            problems.append("track %s: %d B without E" % (track, d))
    for fid in sorted(set(starts) - set(finishes)):
        problems.append("flow %s started, never finished" % fid)
    for fid in sorted(set(finishes) - set(starts)):
        problems.append("flow %s finished, never started" % fid)
    for fid in sorted(set(starts) & set(finishes)):
        if finishes[fid] < starts[fid]:
            problems.append("flow %s finishes before it starts" % fid)
    for track in sorted(used - names):
        problems.append("track %s has no thread_name" % (track,))
    return problems


def run(ipcsim, scenario, trace, extra=()):
    cmd = [ipcsim, "run", scenario, "--quiet", "--host-timeout", "3000", "--trace", trace]
    cmd += list(extra)
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)


def load(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def self_test(ipcsim, scenarios, workdir):
    os.makedirs(workdir, exist_ok=True)
    traces = {}
    for name in ("ipc_rot13", "faults_isolation", "ipc_svc_pingpong", "ipc_svc_notify",
                 "ipc_sendrecv_basic"):
        sc = os.path.join(scenarios, name + ".json")
        out = os.path.join(workdir, name + ".trace.json")
        if os.path.exists(out):
            os.unlink(out)
        p = run(ipcsim, sc, out)
        if not check("%s: run exits 0" % name, p.returncode == 0,
                     "exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace"))):
            continue
        problems = validate(out)
        if not check("%s: trace validates" % name, not problems, "; ".join(problems[:5])):
            continue
        traces[name] = out
        doc = load(out)
        other = doc["otherData"]
        check("%s: not truncated" % name,
              other["truncated"] is False and other["events_dropped"] == 0)
        evs = doc["traceEvents"]
        check("%s: has state slices and syscalls" % name,
              any(e.get("cat") == "state" and e["ph"] == "B" for e in evs)
              and any(e.get("cat") == "syscall" and e["ph"] == "B" for e in evs))
        check("%s: no temporary file left" % name,
              not [f for f in os.listdir(workdir) if f.endswith(".tmp")])
    if "ipc_rot13" in traces:
        evs = load(traces["ipc_rot13"])["traceEvents"]
        check("ipc_rot13: IPC flows", any(e["ph"] == "s" for e in evs))
        check("ipc_rot13: upcalls and console",
              any(e.get("name") == "upcall" for e in evs)
              and any(e.get("cat") == "console" for e in evs))
    # the new IPC designs: their messages are flows named after the operation
    for name, ops in (("ipc_svc_pingpong", ("ipc request", "ipc response")),
                      ("ipc_svc_notify", ("ipc message",)),
                      ("ipc_sendrecv_basic", ("ipc send", "ipc reply"))):
        if name in traces:
            evs = load(traces[name])["traceEvents"]
            for op in ops:
                check("%s: %s flows with both ends" % (name, op),
                      any(e["ph"] == "s" and e.get("name") == op for e in evs)
                      and any(e["ph"] == "f" and e.get("name") == op for e in evs))
    if "faults_isolation" in traces:
        evs = load(traces["faults_isolation"])["traceEvents"]
        check("faults_isolation: fault events", any(e.get("cat") == "fault" for e in evs))

    # same scenario and seed: byte-identical traces
    sc = os.path.join(scenarios, "ipc_rot13.json")
    a, b = os.path.join(workdir, "det_a.json"), os.path.join(workdir, "det_b.json")
    pa, pb = run(ipcsim, sc, a), run(ipcsim, sc, b)
    same = pa.returncode == 0 and pb.returncode == 0
    if same:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            same = fa.read() == fb.read()
    check("determinism: two runs give identical trace bytes", same)

    # the cap: truncated, counted, still valid
    capped = os.path.join(workdir, "capped.json")
    p = run(ipcsim, sc, capped, ["--trace-max-events", "25"])
    if check("cap: run exits 0", p.returncode == 0, p.stderr.decode(errors="replace")):
        problems = validate(capped)
        check("cap: trace validates", not problems, "; ".join(problems[:5]))
        doc = load(capped)
        other = doc["otherData"]
        check("cap: truncated with events_dropped > 0",
              other.get("truncated") is True and other.get("events_dropped", 0) > 0)
        timeline = [e for e in doc["traceEvents"] if e["ph"] != "M"]
        check("cap: about 25 events written", 25 <= len(timeline) <= 25 + 16,
              "%d events" % len(timeline))

    # usage errors and an interrupted-looking failure leave no file
    bad = os.path.join(workdir, "no-such-dir", "t.json")
    p = run(ipcsim, sc, bad)
    check("unwritable trace path: exit 3, nothing written",
          p.returncode == 3 and not os.path.exists(bad))
    p = subprocess.run([ipcsim, "run", sc, "--trace", a, "--trace-max-events", "0"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    check("--trace-max-events 0 is a usage error", p.returncode == 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ipcsim")
    ap.add_argument("--scenarios")
    ap.add_argument("--workdir")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    if args.ipcsim:
        if not (args.scenarios and args.workdir):
            ap.error("--ipcsim needs --scenarios and --workdir")
        self_test(args.ipcsim, args.scenarios, args.workdir)
    for path in args.files:
        problems = validate(path)
        check("%s validates" % path, not problems, "; ".join(problems[:10]))
    if not args.ipcsim and not args.files:
        ap.error("nothing to check")
    failed = RESULTS.count(False)
    print("%d passed, %d failed" % (len(RESULTS) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
