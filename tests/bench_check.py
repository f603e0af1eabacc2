#!/usr/bin/env python3
"""Checks `ipcsim bench` (docs/performance.md) on a small run: it measures
every figure (a raw handoff and relay, the simulated null command on both
transports, an IPC round trip per mechanism asked for, an app switch, and
start-up with 8 and 64 apps), prints the table, the ratios and the targets,
writes the same figures as JSON, leaves no scratch directory and no
process behind (also when interrupted during a raw figure and during a
simulated run: exit 130, nothing written), and refuses bad flags. It asserts no speed: the figures
move with the machine.

Usage: bench_check.py IPCSIM WORKDIR
"""
import glob
import json
import os
import shutil
import subprocess
import sys

ipcsim, work = (os.path.abspath(a) for a in sys.argv[1:3])
problems = []


def check(what, ok, detail=""):
    print("%s %s%s" % ("ok  " if ok else "FAIL", what, (": " + detail) if detail and not ok else ""))
    if not ok:
        problems.append(what)


shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
before = set(glob.glob("/tmp/ipcsim-bench-*"))
out = os.path.join(work, "bench.json")
p = subprocess.run([ipcsim, "bench", "--n", "300", "--ipc", "relay,sendrecv", "--json", out],
                   capture_output=True, text=True, timeout=600)
print(p.stdout)
check("exit 0", p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
for label in ("raw handoff", "raw relay", "simulated null command (mailbox)",
              "simulated null command (socket)", "simulated IPC round trip (relay)",
              "simulated IPC round trip (sendrecv)", "simulated app switch",
              "first app started, 8 apps", "first app started, 64 apps",
              "host time per simulated syscall", "peak resident memory"):
    check("the table has: " + label, label in p.stdout)
check("the ratios are printed", "x raw handoff" in p.stdout and "x raw relay" in p.stdout)
check("the targets are printed",
      p.stdout.count("<= 1.5x raw relay") == 2 and "<= 2x raw handoff" in p.stdout
      and ">= 10x less than socket" in p.stdout and "within 50 ms" in p.stdout)
try:
    j = json.load(open(out))
except (OSError, ValueError) as e:
    j = {}
    check("JSON written", False, str(e))
figs = j.get("figures", {})
for k in ("raw_handoff", "raw_relay", "null_mailbox", "null_socket", "app_switch",
          "first_app_start_8", "first_app_start_64"):
    f = figs.get(k, {})
    check("JSON figure %s: samples, 0 < median <= p99" % k,
          f.get("samples", 0) > 0 and 0 < f.get("median_us", 0) <= f.get("p99_us", 0), str(f))
calls = j.get("ipc_round_trip", {})
check("JSON round trips for relay and sendrecv only", sorted(calls) == ["relay", "sendrecv"], str(calls))
check("JSON round trips measured",
      all(c.get("samples", 0) >= 99 and c.get("median_us", 0) > 0 for c in calls.values()), str(calls))
# each call also gets the raw relay of its own exchanges: the client's and
# the server's syscalls per call, measured, and a relay making as many
check("the table has the raw relay of each call's exchanges",
      p.stdout.count("raw relay of its exchanges (") == 2 and p.stdout.count("x this") == 2)
same = j.get("raw_relay_same_exchanges", {})
check("JSON raw relay of the same exchanges for relay and sendrecv",
      sorted(same) == ["relay", "sendrecv"]
      and all(f.get("samples", 0) >= 99 and f.get("median_us", 0) > 0 for f in same.values()),
      str(same))
check("JSON syscalls per call: a relay call takes more than a null command on each side",
      all(c.get("client_syscalls", 0) >= 2 and c.get("server_syscalls", 0) >= 2
          for c in calls.values()), str(calls))
hs = j.get("host_per_syscall_us", {})
check("JSON host time per syscall on both transports", hs.get("mailbox", 0) > 0 and hs.get("socket", 0) > 0, str(hs))
check("JSON resident memory", j.get("app_rss_peak_kib", {}).get("apps_64", 0) > 0, str(j.get("app_rss_peak_kib")))
check("the scratch directory is removed", set(glob.glob("/tmp/ipcsim-bench-*")) == before)
left = subprocess.run(["pgrep", "-f", os.path.dirname(ipcsim) + "/apps/"], capture_output=True, text=True)
check("no app process is left", left.stdout.strip() == "", left.stdout)

# --json with a bare file name writes into the working directory
p = subprocess.run([ipcsim, "bench", "--n", "100", "--ipc", "sendrecv", "--json", "here.json"],
                   capture_output=True, text=True, cwd=work, timeout=600)
check("--json here.json writes into the working directory",
      p.returncode == 0 and os.path.exists(os.path.join(work, "here.json")), p.stderr)

# SIGINT in a raw figure and in a simulated run: exit 130, nothing written,
# no scratch directory and no process left
import signal
import time
for case in ("raw", "simulated"):
    out2 = os.path.join(work, "interrupted.json")
    p = subprocess.Popen([ipcsim, "bench", "--n", "2000000" if case == "raw" else "100000", "--json", out2],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = ""
    if case == "raw":
        time.sleep(0.5)  # in the raw handoff (2 million round trips)
    else:
        # once the first simulated figure is out, the next runs are simulated
        for line in p.stdout:
            seen += line
            if "simulated null command (mailbox)" in line:
                break
    p.send_signal(signal.SIGINT)
    try:
        so, se = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        so, se = p.communicate()
    so = seen + so
    check("SIGINT in a %s figure: exit 130, says so, writes nothing" % case,
          p.returncode == 130 and "interrupted" in se and not os.path.exists(out2),
          "exit %s: %s" % (p.returncode, se[-300:]))
    if case == "simulated":
        check("SIGINT in a simulated figure: the socket null command was not measured",
              "not measured" in so, so)
    time.sleep(0.5)
    check("SIGINT in a %s figure: the scratch directory is removed" % case,
          set(glob.glob("/tmp/ipcsim-bench-*")) == before)
    left = subprocess.run(["pgrep", "-f", os.path.dirname(ipcsim) + "/apps/"], capture_output=True, text=True)
    check("SIGINT in a %s figure: no app process is left" % case, left.stdout.strip() == "", left.stdout)
    # the raw figures' processes are forks of ipcsim: orphans would be
    # adopted by init
    raw = subprocess.run(["pgrep", "-x", "-P", "1", "ipcsim"], capture_output=True, text=True)
    check("SIGINT in a %s figure: no raw benchmark process is left" % case,
          raw.stdout.strip() == "", raw.stdout)

for args, want in ((["--n", "5"], "--n: expected 100..5000000"),
                   (["--ipc", "pigeon"], '--ipc: expected legacy, relay, share or sendrecv, got "pigeon"'),
                   (["extra"], "usage: ipcsim bench")):
    p = subprocess.run([ipcsim, "bench"] + args, capture_output=True, text=True)
    check("bench %s: exit 2, says why" % " ".join(args), p.returncode == 2 and want in p.stderr,
          "exit %d: %s" % (p.returncode, p.stderr))

print("%d problems" % len(problems))
sys.exit(1 if problems else 0)
