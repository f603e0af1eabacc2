#!/usr/bin/env python3
"""The repository's baselines (baselines/*.json, docs/ci.md) and the
baseline machinery:

- every baseline in baselines/ still holds: its scenario
  (scenarios/NAME.json), run with the platform, IPC mechanism and seed it
  was recorded with, passes --baseline (exit 0);
- a deliberately slowed design is caught: the same run against a copy of
  its platform profile whose kernel copy costs twice as much fails with
  exit 1 and names the latency figures; a tolerance wide enough lets it
  pass;
- a baseline of another platform is refused (exit 2); --record-baseline
  writes one that the same run then meets, and an update keeps the
  tolerances.

Usage: baseline_check.py IPCSIM SOURCE_DIR WORKDIR [--record]
  --record rewrites baselines/*.json from the current build (keeping their
  descriptions and tolerances), for a deliberate change.
"""
import json
import os
import shutil
import subprocess
import sys

ipcsim, src, work = (os.path.abspath(a) for a in sys.argv[1:4])
record = "--record" in sys.argv[4:]
problems = []


def check(what, ok, detail=""):
    print("%s %s%s" % ("ok  " if ok else "FAIL", what, (": " + detail) if detail and not ok else ""))
    if not ok:
        problems.append(what)


def run(b, *extra, env=None):
    with open(b) as f:
        r = json.load(f)["run"]
    sc = os.path.join(src, "scenarios", r["scenario"] + ".json")
    return subprocess.run([ipcsim, "run", sc, "--quiet", "--platform", r["platform"], "--ipc",
                           r["ipc"], "--seed", str(r["seed"])] + list(extra),
                          capture_output=True, text=True, env=env)


shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
bdir = os.path.join(src, "baselines")
files = sorted(os.path.join(bdir, n) for n in os.listdir(bdir) if n.endswith(".json"))
check("baselines exist", len(files) >= 4, str(files))
for b in files:
    if record:
        p = run(b, "--record-baseline", b)
        check("recorded %s" % os.path.basename(b), p.returncode == 0, p.stderr)
        continue
    p = run(b, "--baseline", b)
    check("%s holds" % os.path.basename(b), p.returncode == 0 and "figures as recorded" in p.stdout,
          p.stdout[-2000:] + p.stderr)
if record:
    sys.exit(1 if problems else 0)

# a slowed design: the kernel's copies cost twice as much
b = [f for f in files if "relay" in f and "nrf52840" in f][0]
with open(b) as f:
    plat = json.load(f)["run"]["platform"]
pdir = os.path.join(work, "platforms")
shutil.copytree(os.path.join(src, "platforms"), pdir)
with open(os.path.join(pdir, plat + ".json")) as f:
    prof = json.load(f)
prof["costs"]["copy_per_byte"] *= 2
with open(os.path.join(pdir, plat + ".json"), "w") as f:
    json.dump(prof, f)
env = dict(os.environ, IPCSIM_PLATFORM_PATH=pdir)
p = run(b, "--baseline", b, env=env)
check("slowed copies: caught (exit 1)", p.returncode == 1, "exit %d" % p.returncode)
check("slowed copies: the latency figures are named",
      "apps.client.operations.by_kind.call.latency.ns.p50:" in p.stdout and "exact" in p.stdout,
      p.stdout[-1500:])
wide = os.path.join(work, "wide.json")
with open(b) as f:
    d = json.load(f)
d["tolerances"] = {"*": {"rel": 1.0}}
with open(wide, "w") as f:
    json.dump(d, f)
p = run(wide, "--baseline", wide, env=env)
check("slowed copies within a 100% tolerance: passes", p.returncode == 0, p.stdout[-1500:])

# another platform's baseline is refused
p = subprocess.run([ipcsim, "run", os.path.join(src, "scenarios", d["run"]["scenario"] + ".json"),
                    "--quiet", "--platform", "esp32-c3", "--ipc", d["run"]["ipc"], "--baseline", b],
                   capture_output=True, text=True)
check("another platform's baseline: refused (exit 2)", p.returncode == 2
      and "$.run.platform" in p.stderr, p.stderr)

# record, check, update
fresh = os.path.join(work, "fresh.json")
p = run(b, "--record-baseline", fresh)
check("record: written", p.returncode == 0 and os.path.exists(fresh), p.stderr)
p = run(fresh, "--baseline", fresh)
check("record: the same run meets it", p.returncode == 0, p.stdout[-500:])
with open(fresh) as f:
    d = json.load(f)
d["tolerances"] = {"metrics.*": {"abs": 3}}
d["description"] = "kept"
with open(fresh, "w") as f:
    json.dump(d, f)
p = run(fresh, "--record-baseline", fresh)
with open(fresh) as f:
    d = json.load(f)
check("record: an update keeps description and tolerances",
      d.get("tolerances") == {"metrics.*": {"abs": 3}} and d.get("description") == "kept")
# a figure the baseline lacks (a metric added since) is counted, not failed
older = os.path.join(work, "older.json")
with open(fresh) as f:
    d = json.load(f)
del d["metrics"]["metrics.syscalls"]
with open(older, "w") as f:
    json.dump(d, f)
p = run(older, "--baseline", older)
check("a figure the baseline lacks: passes, counted", p.returncode == 0
      and "1 figures of this run are not in the baseline" in p.stdout, p.stdout[-500:])
bad = os.path.join(work, "bad.json")
with open(bad, "w") as f:
    json.dump(dict(d, extra=1), f)
p = run(fresh, "--baseline", bad)
check("a baseline with an unknown key: exit 2 with its path", p.returncode == 2
      and "$.extra: unknown key" in p.stderr, p.stderr)

if problems:
    print("%d problem(s)" % len(problems))
    sys.exit(1)
print("baselines: all checks passed")
