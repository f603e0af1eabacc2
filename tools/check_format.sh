#!/usr/bin/env bash
# Checks that every C source and header of the project follows .clang-format.
# Usage: tools/check_format.sh [source-dir]
set -uo pipefail
cd "${1:-$(dirname "$0")/..}"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find kernel_model sim apps common tests -name '*.[ch]')
bad=0
good=0
for f in $files; do
  if clang-format --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
    good=$((good + 1))
  else
    echo "not formatted: $f (run clang-format -i $f)"
    bad=$((bad + 1))
  fi
done
echo "format: $good passed, $bad failed"
[ $bad -eq 0 ]
