#!/usr/bin/env python3
"""Checks that the transport never shows in virtual time (docs/performance.md):

- every shipped and test scenario (misbehave_flood left out: host timing
  decides it on purpose) gives the same console, results.json without
  "host", trace and exit code on the mailbox and on the socket transport;
- the same holds for the mailbox with the simulator and its apps pinned to
  one CPU (no polling there: it must neither hang nor change a byte), and
  with polling switched off entirely (IPCSIM_MBOX_SPIN=0,0,0: every wait
  sleeps, every request rings the doorbell);
- IPCSIM_TRANSPORT and --transport choose, and a bad name is refused.

Usage: transport_check.py IPCSIM SCENARIO_DIR... WORKDIR
"""
import concurrent.futures
import glob
import json
import os
import shutil
import subprocess
import sys

ipcsim = os.path.abspath(sys.argv[1])
dirs = [os.path.abspath(d) for d in sys.argv[2:-1]]
work = os.path.abspath(sys.argv[-1])
problems = []


def check(what, ok, detail=""):
    print("%s %s%s" % ("ok  " if ok else "FAIL", what, (": " + detail) if detail and not ok else ""))
    if not ok:
        problems.append(what)


def run(scenario, tag, transport, env_extra=None, prefix=()):
    out = os.path.join(work, tag, os.path.basename(scenario)[:-5])
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ)
    env.pop("IPCSIM_TRANSPORT", None)
    env.pop("IPCSIM_MBOX_SPIN", None)
    env.update(env_extra or {})
    p = subprocess.run(list(prefix) + [ipcsim, "run", scenario, "--transport", transport, "--seed", "3",
                        "--host-timeout", "1500", "--out", out, "--trace", os.path.join(out, "trace.json")],
                       capture_output=True, text=True, env=env, timeout=300)
    got = {"exit": p.returncode, "console": p.stdout}
    try:
        res = json.load(open(os.path.join(out, "results.json")))
        res.pop("host", None)
        got["results"] = res
    except (OSError, ValueError):
        got["results"] = None
    try:
        got["trace"] = open(os.path.join(out, "trace.json")).read()
    except OSError:
        got["trace"] = None
    return got


def differs(a, b):
    for k in ("exit", "console", "results", "trace"):
        if a[k] != b[k]:
            return k
    return None


shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
scenarios = sorted(f for d in dirs for f in glob.glob(os.path.join(d, "*.json"))
                   if not f.endswith("schema.json") and not f.endswith("misbehave_flood.json"))
check("scenarios found", len(scenarios) > 40, str(len(scenarios)))

one_cpu = ("taskset", "-c", "0")
pinned = set(os.path.basename(s) for s in scenarios
             if os.path.basename(s) in ("ipc_svc_pingpong.json", "ipc_share_basic.json",
                                        "faults_hang_round_robin.json", "misbehave_die_mid_syscall.json",
                                        "ipc_legacy_service_restart.json", "interleave.json"))
check("pinned scenarios found", len(pinned) == 6, str(sorted(pinned)))


def compare(sc):
    ref = run(sc, "socket", "socket")
    lines = [(os.path.basename(sc) + ": runs on the socket transport (exit 0 or 1, results, trace)",
              None if ref["exit"] in (0, 1) and ref["results"] and ref["trace"] else "run")]
    mb = run(sc, "mailbox", "mailbox")
    lines.append((os.path.basename(sc) + ": mailbox = socket", differs(ref, mb)))
    if os.path.basename(sc) in pinned:
        p1 = run(sc, "pinned", "mailbox", prefix=one_cpu)
        lines.append((os.path.basename(sc) + ": mailbox on one CPU = socket", differs(ref, p1)))
        s0 = run(sc, "nospin", "mailbox", env_extra={"IPCSIM_MBOX_SPIN": "0,0,0"})
        lines.append((os.path.basename(sc) + ": mailbox without polling = socket", differs(ref, s0)))
    return lines


with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
    for lines in ex.map(compare, scenarios):
        for what, diff in lines:
            check(what, diff is None, "the %s differs" % diff)

# choosing the transport
hello = next(s for s in scenarios if s.endswith("/hello.json"))
env = dict(os.environ, IPCSIM_TRANSPORT="pigeon")
p = subprocess.run([ipcsim, "run", hello, "--quiet"], capture_output=True, text=True, env=env)
check("a bad IPCSIM_TRANSPORT is refused (exit 2)",
      p.returncode == 2 and 'IPCSIM_TRANSPORT: expected "mailbox" or "socket", got "pigeon"' in p.stderr,
      "exit %d: %s" % (p.returncode, p.stderr))
p = subprocess.run([ipcsim, "run", hello, "--quiet", "--transport", "pigeon"], capture_output=True, text=True)
check("a bad --transport is refused (exit 2)",
      p.returncode == 2 and '--transport: expected "mailbox" or "socket", got "pigeon"' in p.stderr,
      "exit %d: %s" % (p.returncode, p.stderr))
# the socket transport answers over the socket: no DOORBELL and a message
# per request; the mailbox counts its requests as messages too
for tp in ("socket", "mailbox"):
    out = os.path.join(work, "choose-" + tp)
    env = dict(os.environ, IPCSIM_TRANSPORT=tp)
    p = subprocess.run([ipcsim, "run", hello, "--quiet", "--out", out], capture_output=True, text=True, env=env)
    res = json.load(open(os.path.join(out, "results.json")))
    check("IPCSIM_TRANSPORT=%s runs and reports its transport" % tp,
          p.returncode == 0 and res["host"].get("transport") == tp, str(res.get("host")))

print("%d problems" % len(problems))
sys.exit(1 if problems else 0)
