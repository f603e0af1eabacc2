#!/bin/sh
# run_bad_scenarios.sh: runs `ipcsim validate` on every broken scenario in a
# directory and checks it is refused with the expected message.
#
# Usage: run_bad_scenarios.sh <ipcsim-binary> <dir>
#
# For each <dir>/<name>.json, <dir>/<name>.json.expect holds one line: a
# substring that stderr must contain. The run must exit with status 2 and
# its stderr must also name the scenario file. Prints one line per failure
# and ends with "N passed, M failed"; exits 1 if anything failed.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 <ipcsim-binary> <dir>" >&2
    exit 64
fi
ipcsim=$1
dir=$2
passed=0
failed=0
errfile=$(mktemp) || exit 1
trap 'rm -f "$errfile"' EXIT

for file in "$dir"/*.json; do
    [ -e "$file" ] || continue
    name=$(basename "$file")
    if [ ! -f "$file.expect" ]; then
        echo "FAIL $name: no $name.expect"
        failed=$((failed + 1))
        continue
    fi
    expect=$(head -n 1 "$file.expect")
    "$ipcsim" validate "$file" >/dev/null 2>"$errfile"
    rc=$?
    err=$(cat "$errfile")
    problem=""
    if [ "$rc" -ne 2 ]; then
        problem="exit status $rc, expected 2"
    elif [ -z "$expect" ]; then
        problem="$name.expect is empty"
    else
        case $err in
            *"$expect"*) ;;
            *) problem="stderr lacks the expected text" ;;
        esac
        case $err in
            *"$name"*) ;;
            *) problem="${problem:+$problem; }stderr does not name the file" ;;
        esac
    fi
    if [ -n "$problem" ]; then
        echo "FAIL $name: $problem"
        echo "  expected: $expect"
        echo "  stderr:   $err"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done

# An .expect without its scenario is a mistake too.
for exp in "$dir"/*.json.expect; do
    [ -e "$exp" ] || continue
    if [ ! -f "${exp%.expect}" ]; then
        echo "FAIL $(basename "$exp"): no scenario file for it"
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
