#!/usr/bin/env python3
"""Checks `ipcsim fuzz` (docs/ci.md):

- pointed at a planted bug (tests/fuzz/planted_no_reconnect.json: a
  client that never reconnects), with --resume client=500 and faults on the
  server, it finds runs that break the resume bound, shrinks each written
  one to a single fault, and writes scenarios that `ipcsim fuzz --replay`
  reproduces and `ipcsim validate` accepts;
- pointed at a design with a planted bug (tests/fuzz/planted_design_bug.json:
  Relay Request with "planted_bug": "relay_server_by_slot", which hands a
  restarted server the request its earlier incarnation took), it finds runs
  that break the delivery invariant, shrinks each written one to a single
  fault on the server, and --replay reproduces it; the written schedule
  holds on the capsule without the bug, and so does the whole campaign on
  the same scenario without it, whose fault-free reference is the same;
- the planted design bug also loses a request that waits when its server
  ends: the lost-message invariant finds it;
- isolation: a hang under the cooperative scheduler stops an app that
  talks to nobody (tests/fuzz/isolation_cooperative.json: found, shrunk
  to the one hang, replayed); under round robin nothing is found; a client
  whose registry lookup fails because its server is gone is not reported
  (tests/fuzz/isolation_registry.json: a lookup is talking);
- resume: a restarted server that an injection hits again within the
  bound (tests/fuzz/resume_server_hit_again.json) does not count against
  its client;
- on a healthy scenario (a reliable client, its server and an unrelated
  ticker) it finds nothing, with every default fault kind on every app;
- the same campaign gives the same bytes; --shard 1/2 and 2/2 together
  are the whole campaign; bad flags are refused; no process outlives it.

Usage: fuzz_check.py IPCSIM TESTS_FUZZ_DIR WORKDIR
"""
import json
import os
import re
import shutil
import subprocess
import sys

ipcsim, fdir, work = (os.path.abspath(a) for a in sys.argv[1:4])
problems = []


def check(what, ok, detail=""):
    print("%s %s%s" % ("ok  " if ok else "FAIL", what, (": " + detail) if detail and not ok else ""))
    if not ok:
        problems.append(what)


def fuzz(*args):
    return subprocess.run([ipcsim, "fuzz"] + list(args), capture_output=True, text=True)


def written(out, what):
    """The reproducing scenarios a campaign wrote to `out`, as (name, path,
    scenario); checks that there is at least one."""
    names = sorted(n for n in os.listdir(out) if n.startswith("failure-")) if os.path.isdir(out) else []
    check(what + ": reproducing scenarios written", len(names) >= 1, str(names))
    result = []
    for n in names:
        path = os.path.join(out, n)
        with open(path) as f:
            result.append((n, path, json.load(f)))
    return result


def one_fault(n, sc, app, kinds=None):
    """Checks that scenario `n` was shrunk to a single fault, on `app` and
    of one of `kinds` (any if None)."""
    faults = sc.get("faults", [])
    check("%s: shrunk to one fault%s on %s" % (n, "" if kinds is None else " (" + "/".join(kinds) + ")", app),
          len(faults) == 1 and faults[0]["app"] == app and (kinds is None or faults[0]["kind"] in kinds),
          json.dumps(faults))


def results_of(run_dir):
    """A run's results.json, or {} if unreadable."""
    try:
        with open(os.path.join(run_dir, "results.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def app_of(results, name):
    return next((a for a in results.get("apps", []) if a["name"] == name), {})


shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
planted = os.path.join(fdir, "planted_no_reconnect.json")
healthy = os.path.join(fdir, "healthy.json")
design = os.path.join(fdir, "planted_design_bug.json")
pargs = ["--runs", "8", "--seed", "3", "--kinds", "crash,kill,restart", "--apps", "server",
         "--max-faults", "3", "--resume", "client=500"]

out = os.path.join(work, "planted")
p = fuzz(planted, *pargs, "--out", out)
check("planted: exit 1", p.returncode == 1, "exit %d: %s" % (p.returncode, p.stderr))
found = re.findall(r"^run (\d+) .*: resume: client made no successful call", p.stdout, re.M)
check("planted: runs that break the resume bound", len(found) >= 2, p.stdout)
files = written(out, "planted")
for n, path, sc in files:
    one_fault(n, sc, "server")
    check("%s: says what it reproduces" % n, "resume:" in sc.get("description", ""))
    r = fuzz("--replay", path, "--resume", "client=500", "--out", os.path.join(work, "replay"))
    check("%s: --replay reproduces it (exit 1)" % n, r.returncode == 1 and "resume:" in r.stdout,
          r.stdout + r.stderr)
    r = fuzz("--replay", path, "--out", os.path.join(work, "replay2"))
    check("%s: without the bound it holds (exit 0)" % n, r.returncode == 0, r.stdout + r.stderr)
    v = subprocess.run([ipcsim, "validate", path], capture_output=True, text=True)
    check("%s: a valid scenario" % n, v.returncode == 0, v.stderr)

again = fuzz(planted, *pargs, "--out", os.path.join(work, "again"))
check("the same campaign: the same output", again.stdout.replace("/again/", "/planted/") == p.stdout)
check("the same campaign: the same scenarios", all(
    open(path).read() == open(os.path.join(work, "again", n)).read() for n, path, _ in files))

runs = set()
for i in (1, 2):
    s = fuzz(planted, *pargs, "--shard", "%d/2" % i, "--out", os.path.join(work, "shard%d" % i))
    check("shard %d/2: runs" % i, s.returncode in (0, 1), s.stderr)
    mine = set(re.findall(r"^run (\d+) ", s.stdout, re.M))
    check("shard %d/2: only its runs" % i, all(int(x) % 2 == i - 1 for x in mine), str(mine))
    runs |= mine
check("shards 1/2 and 2/2: the whole campaign", runs == set(found), "%s vs %s" % (runs, found))

# a design with a planted bug: Relay Request matches a waiting client to
# its server by process slot, so a restarted server is handed the request
# its earlier incarnation took (delivered twice), and a request still
# waiting when the server ended is neither dropped nor reported (lost)
dargs = ["--runs", "8", "--seed", "3", "--kinds", "crash,kill,restart", "--apps", "server",
         "--max-faults", "3"]
TWICE = r"delivery: server received (\d+) request messages from client, which sent (\d+)"
LOST = (r"lost: a request message from client to server \(process id \d+\), queued at [\d.]+ ms, "
        r"was neither delivered nor dropped when that incarnation ended")
DELIVERY = "(?:%s|%s)" % (TWICE, LOST)


def without_bug(path, to):
    """Writes the scenario at path without its planted bug to `to`."""
    with open(path) as f:
        sc = json.load(f)
    del sc["ipc"]["planted_bug"]
    with open(to, "w") as f:
        json.dump(sc, f, indent=2)
    return to


out = os.path.join(work, "design")
d = fuzz(design, *dargs, "--out", out)
# exit 0 would mean the bug never reached the capsule (kc->ipc, sim/runner.c)
check("planted design: exit 1", d.returncode == 1,
      "exit %d: %s%s" % (d.returncode, d.stdout, d.stderr))
found = re.findall(r"^run (\d+) .*: " + TWICE, d.stdout, re.M)
check("planted design: runs where a request is delivered twice", len(found) >= 2, d.stdout)
check("planted design: each one request delivered once too often",
      all(int(got) == int(sent) + 1 for _, got, sent in found), str(found))
lost = re.findall(r"^run (\d+) .*: " + LOST, d.stdout, re.M)
check("planted design: runs where a waiting request is lost", len(lost) >= 1, d.stdout)
for n, path, sc in written(out, "planted design"):
    one_fault(n, sc, "server", ("crash", "kill", "restart"))
    check("%s: says what it reproduces" % n, re.search(DELIVERY, sc.get("description", "")))
    r = fuzz("--replay", path, "--out", os.path.join(work, "design-replay"))
    check("%s: --replay reproduces it (exit 1)" % n,
          r.returncode == 1 and re.search(DELIVERY, r.stdout), r.stdout + r.stderr)
    fixed = without_bug(path, os.path.join(work, "fixed-" + n))
    r = fuzz("--replay", fixed, "--out", os.path.join(work, "design-replay-fixed"))
    check("%s: without the planted bug it holds (exit 0)" % n, r.returncode == 0,
          r.stdout + r.stderr)
    v = subprocess.run([ipcsim, "validate", path], capture_output=True, text=True)
    check("%s: a valid scenario" % n, v.returncode == 0, v.stderr)
nobug = without_bug(design, os.path.join(work, "design_without_bug.json"))
c = fuzz(nobug, *dargs, "--out", os.path.join(work, "design-nobug"))
check("planted design, bug removed: the same campaign finds nothing (exit 0)",
      c.returncode == 0 and "0 broke an invariant" in c.stdout, c.stdout + c.stderr)


def reference(campaign):
    """A campaign's fault-free run: its results (without the host figures
    and the file name) and its trace; None if missing."""
    ref = os.path.join(work, campaign, "reference")
    try:
        with open(os.path.join(ref, "results.json")) as f:
            res = json.load(f)
        with open(os.path.join(ref, "trace.json")) as f:
            trace = f.read()
    except OSError:
        return None
    res.pop("host", None)
    res["scenario"].pop("file", None)
    return res, trace


ref = reference("design")
check("planted design: without faults the bug changes nothing (results, trace)",
      ref is not None and ref == reference("design-nobug"))

# isolation: under the cooperative scheduler a hung app keeps the CPU and
# an app that talks to nobody stops ticking; under round robin it does not
ISOLATION = (r"isolation: neighbour, which no injected fault hit and which talks to no app that "
             r"one hit, changed")
iargs = ["--runs", "3", "--seed", "1", "--kinds", "hang", "--apps", "spinner", "--max-faults", "1"]
out = os.path.join(work, "isolation")
i = fuzz(os.path.join(fdir, "isolation_cooperative.json"), *iargs, "--out", out)
check("isolation, cooperative: exit 1", i.returncode == 1, i.stdout + i.stderr)
check("isolation, cooperative: runs that break isolation",
      len(re.findall(r"^run \d+ .*: " + ISOLATION, i.stdout, re.M)) >= 1, i.stdout)
for n, path, sc in written(out, "isolation, cooperative"):
    one_fault(n, sc, "spinner", ("hang",))
    r = fuzz("--replay", path, "--out", os.path.join(work, "isolation-replay"))
    check("%s: --replay reproduces it (exit 1)" % n,
          r.returncode == 1 and re.search(ISOLATION, r.stdout), r.stdout + r.stderr)
i = fuzz(os.path.join(fdir, "isolation_round_robin.json"), *iargs, "--out",
         os.path.join(work, "isolation-rr"))
check("isolation, round robin: nothing found (exit 0)",
      i.returncode == 0 and "0 broke an invariant" in i.stdout, i.stdout + i.stderr)
# finding a server in a registry is talking to it
r = fuzz("--replay", os.path.join(fdir, "isolation_registry.json"), "--out",
         os.path.join(work, "isolation-registry"))
check("isolation: a client whose registry lookup fails because its server is gone is not "
      "isolated from it (exit 0)", r.returncode == 0, r.stdout + r.stderr)


ir = os.path.join(work, "isolation-registry")
check("isolation: ... and the fault did change the intruder's completion code",
      app_of(results_of(os.path.join(ir, "replay")), "intruder").get("completion_code")
      != app_of(results_of(os.path.join(ir, "replay-reference")), "intruder").get("completion_code"))

# resume: a restarted server that an injection hits again within the bound
# (its console upcall dropped: it hangs in printf) is not back
r = fuzz("--replay", os.path.join(fdir, "resume_server_hit_again.json"), "--resume", "client=600",
         "--out", os.path.join(work, "resume-hit-again"))
check("resume: not required of a client whose restarted server an injection hits again (exit 0)",
      r.returncode == 0, r.stdout + r.stderr)
res = results_of(os.path.join(work, "resume-hit-again", "replay"))
srv = app_of(res, "server")
check("resume: ... and the server did restart and have an upcall dropped after it",
      srv.get("restart_count", 0) >= 1
      and any(i["app"] == "server" and "dropped" in i["detail"] for i in res.get("injections", [])),
      json.dumps(srv.get("restart_count")))

h = fuzz(healthy, "--runs", "24", "--seed", "11", "--resume", "client=1500", "--out",
         os.path.join(work, "healthy"))
check("healthy: no invariant broken (exit 0)", h.returncode == 0 and "0 broke an invariant" in h.stdout,
      h.stdout + h.stderr)

for bad, what in ((["--shard", "3/2"], "--shard"), (["--resume", "nobody=5"], "nobody"),
                  (["--kinds", "meteor"], "--kinds"), (["--apps", "nobody"], "nobody"),
                  (["--runs", "0"], "--runs")):
    b = fuzz(healthy, *bad, "--out", os.path.join(work, "bad"))
    check("refused: %s" % " ".join(bad), b.returncode == 2 and what in b.stderr, b.stderr)

# this build's apps only (another build may be running its own)
apps = os.path.join(os.path.dirname(ipcsim), "apps")
left = subprocess.run(["pgrep", "-f", apps + "/svc_(server|client)"], capture_output=True, text=True)
check("no process outlives the campaigns", left.stdout.strip() == "", left.stdout)

if problems:
    print("%d problem(s)" % len(problems))
    sys.exit(1)
print("fuzz: all checks passed")
