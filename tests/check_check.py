#!/usr/bin/env python3
"""Checks `ipcsim check` and `--check-determinism` (docs/ci.md):

- a folder with a passing, a failing and an invalid scenario, and a
  subfolder with another passing one beside a compare matrix and a JSON
  Schema (both left out): exit 1, a line per scenario in path order, the
  summary, and JUnit XML whose counts and failure messages are right;
- --fail-fast with -j 1 stops at the first failure and marks the rest
  not run; a folder of passing scenarios gives exit 0;
- --check-determinism passes on a deterministic scenario (and keeps its
  results where --out says) and fails, saying what differs, on an app that
  prints the host clock.

Usage: check_check.py IPCSIM TESTS_CHECK_DIR WORKDIR
"""
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

ipcsim, cdir, work = (os.path.abspath(a) for a in sys.argv[1:4])
problems = []


def check(what, ok, detail=""):
    print("%s %s%s" % ("ok  " if ok else "FAIL", what, (": " + detail) if detail and not ok else ""))
    if not ok:
        problems.append(what)


def run(*args):
    return subprocess.run([ipcsim] + list(args), cwd=cdir, capture_output=True, text=True)


shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)

junit = os.path.join(work, "junit.xml")
p = run("check", "suite", "-j", "2", "--junit", junit, "--quiet")
lines = p.stdout.splitlines()
check("suite: exit 1", p.returncode == 1, "exit %d: %s" % (p.returncode, p.stderr))
want = ["PASS  suite/a_pass.json", "FAIL  suite/b_fail.json", "ERROR suite/c_invalid.json",
        "PASS  suite/more/d_pass.json"]
check("suite: a line per scenario, in path order, matrix and schema left out",
      len(lines) == 5 and all(l.startswith(w) for l, w in zip(lines, want)), "\n".join(lines))
check("suite: the failure line names the first failed expectation",
      len(lines) > 1 and 'ticker console_contains: expected "tick 9"' in lines[1]
      and "(and more)" in lines[1], lines[1] if len(lines) > 1 else "")
check("suite: the invalid scenario's line says why",
      len(lines) > 2 and "c_invalid.json" in lines[2] and "JSON" in lines[2], lines[2] if len(lines) > 2 else "")
check("suite: summary", lines[-1].startswith("check: 4 scenarios: 2 passed, 1 failed, 1 errors, 0 not run"),
      lines[-1] if lines else "")
try:
    root = ET.parse(junit).getroot()
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    check("junit: counts", suite.get("tests") == "4" and suite.get("failures") == "1"
          and suite.get("errors") == "1" and suite.get("skipped") == "0",
          str(suite.attrib))
    check("junit: a testcase per scenario, classname its folder",
          [(c.get("classname"), c.get("name")) for c in cases] ==
          [("suite", "a_pass.json"), ("suite", "b_fail.json"), ("suite", "c_invalid.json"),
           ("suite/more", "d_pass.json")])
    f = cases[1].find("failure")
    check("junit: every failed expectation in the failure",
          f is not None and "ticker state: expected Faulted, got Terminated" in f.text
          and 'ticker console_contains: expected "tick 9"' in f.text, f.text if f is not None else "")
    check("junit: the invalid one is an error", cases[2].find("error") is not None)
    check("junit: the passing ones have no children",
          len(list(cases[0])) == 0 and len(list(cases[3])) == 0)
except (ET.ParseError, OSError, AttributeError, IndexError) as e:
    check("junit: well-formed", False, str(e))

p = run("check", "suite", "-j", "1", "--fail-fast", "--quiet")
lines = p.stdout.splitlines()
check("fail-fast: exit 1", p.returncode == 1)
check("fail-fast: stops at the first failure",
      len(lines) == 5 and lines[0].startswith("PASS") and lines[1].startswith("FAIL")
      and lines[2].startswith("SKIP") and lines[3].startswith("SKIP")
      and "2 not run" in lines[-1], "\n".join(lines))

p = run("check", "suite/more", "suite/a_pass.json", "--quiet")
check("passing scenarios: exit 0", p.returncode == 0 and p.stdout.count("PASS") == 2, p.stdout)

p = run("check", "suite", "--exclude", "*/b_fail.json", "--exclude", "suite/c_*", "--quiet")
check("--exclude leaves out matching paths", p.returncode == 0 and p.stdout.count("PASS") == 2
      and "b_fail" not in p.stdout and "c_invalid" not in p.stdout, p.stdout)

p = run("check", "nowhere", "--quiet")
check("a path that does not exist: exit 2", p.returncode == 2 and "nowhere" in p.stderr, p.stderr)

out = os.path.join(work, "det")
p = run("run", "suite/a_pass.json", "--check-determinism", "--out", out)
check("determinism: a deterministic run passes", p.returncode == 0 and
      "identical console, results and trace" in p.stdout, p.stdout + p.stderr)
check("determinism: its results are kept", os.path.exists(os.path.join(out, "results.json")))
p = run("run", "nondet.json", "--check-determinism", "--quiet")
check("determinism: the host clock is caught", p.returncode == 1 and
      "differ from line" in p.stderr and "host clock" in p.stderr
      and "determinism: FAILED" in p.stderr, p.stderr)
p = run("run", "nondet.json", "--check-determinism")
check("determinism: without --quiet, the consoles already differ", p.returncode == 1 and
      "the consoles differ" in p.stderr, p.stderr)
p = run("run", "suite/b_fail.json", "--check-determinism", "--quiet")
check("determinism: a failing run keeps its exit code", p.returncode == 1 and
      "FAILED" not in p.stderr, p.stderr)
p = run("check", "nondet.json", "suite/a_pass.json", "--check-determinism", "--quiet")
check("check --check-determinism: the nondeterministic one fails",
      p.returncode == 1 and p.stdout.startswith("FAIL  nondet.json") and "PASS  suite/a_pass.json" in p.stdout,
      p.stdout)

if problems:
    print("%d problem(s)" % len(problems))
    sys.exit(1)
print("check: all checks passed")
