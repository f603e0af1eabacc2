#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -DIPCSIM_FUZZ=ON) in build-fuzz and
# runs each for SECONDS (default 30). Fails if a target finds a crash, a
# leak, undefined behaviour, a timeout or an out-of-memory; the input that
# did it is left in build-fuzz/fuzz/artifacts/<target>/. See docs/fuzzing.md.
#
# Usage: tools/fuzz.sh [SECONDS]
# Environment: IPCSIM_FUZZ_BUILD (build directory, default build-fuzz),
#              IPCSIM_FUZZ_TARGETS (default "scenario channel"),
#              IPCSIM_FUZZ_ARGS (extra libFuzzer flags, e.g. "-jobs=4 -workers=4").
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-30}
case $secs in
  '' | *[!0-9]* | 0)
    echo "usage: $0 [SECONDS]   (a positive whole number of seconds)" >&2
    exit 64
    ;;
esac
build=${IPCSIM_FUZZ_BUILD:-build-fuzz}
targets=${IPCSIM_FUZZ_TARGETS:-scenario channel}
read -r -a extra <<<"${IPCSIM_FUZZ_ARGS:-}"

cc=$(command -v clang || true)
if [ -z "$cc" ]; then
  echo "fuzz: clang is needed (tools/setup.sh installs it)" >&2
  exit 1
fi
cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIPCSIM_FUZZ=ON >/dev/null
build_targets=(channel_seeds)
for t in $targets; do build_targets+=("fuzz_$t"); done
cmake --build "$build" -j"$(nproc)" --target "${build_targets[@]}"

failed=()
for t in $targets; do
  bin=$build/fuzz/fuzz_$t
  work=$build/fuzz/work/$t         # the corpus the run grows (first: written to)
  artifacts=$build/fuzz/artifacts/$t
  mkdir -p "$work" "$artifacts"
  corpora=("$work")
  [ -d "fuzz/corpus/$t" ] && corpora+=("fuzz/corpus/$t")
  [ -d "$build/fuzz/corpus/$t" ] && corpora+=("$build/fuzz/corpus/$t")
  args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/")
  [ -f "fuzz/$t.dict" ] && args+=(-dict="fuzz/$t.dict")
  echo "fuzz: $t for ${secs}s (corpus: ${corpora[*]})"
  log=$build/fuzz/$t.log
  set +e
  "$bin" "${args[@]}" "${extra[@]}" "${corpora[@]}" >"$log" 2>&1
  rc=$?
  set -e
  grep -E '^(#[0-9]+[[:space:]]+DONE|stat::(average_exec_per_sec|new_units_added|peak_rss_mb)|Done [0-9]+ runs)' \
    "$log" | sed "s/^/  $t: /" || true
  if [ $rc -ne 0 ]; then
    echo "fuzz: $t FAILED (exit $rc); log: $log" >&2
    grep -E 'ERROR: |SUMMARY: |^fuzz_[a-z]+: |Test unit written to' "$log" | head -20 >&2 || true
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: found problems in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no problems found in ${secs}s per target"
