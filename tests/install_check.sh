#!/usr/bin/env bash
# cmake --install gives a package another project can use (docs/install.md):
#   1. the current build installs into a temporary prefix, with the CLI, the
#      library, headers, programs, profiles, CMake package and pkg-config file;
#   2. a project outside the tree finds it with find_package(ipcsim), builds
#      an app with ipcsim_add_app (printf and a 20 ms libtock-sync alarm
#      delay), and the installed ipcsim runs it from a scenario that names
#      it by path;
#   3. the installed ipcsim runs an installed example program by name, with
#      the installed profiles (no IPCSIM_PROGRAM_PATH / IPCSIM_PLATFORM_PATH),
#      also after the prefix is moved;
#   4. the same app built by hand with `pkg-config --cflags --libs ipcsim`
#      runs, found through IPCSIM_PROGRAM_PATH.
# Usage: install_check.sh <cmake> <build-dir> [<c-compiler> [<generator>]]
set -u
cmake=$1
build=$2
cc=${3:-cc}
generator=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset IPCSIM_PROGRAM_PATH IPCSIM_PLATFORM_PATH DESTDIR
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() {
  fail=$((fail + 1))
  echo "FAIL: $1"
  [ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/    /' "$2" | tail -n 30
}
summary() {
  echo "install: $pass passed, $fail failed"
  [ $fail -eq 0 ]
  exit
}

# --- 1. install ---------------------------------------------------------------
prefix=$tmp/prefix
if "$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
  ok "cmake --install --prefix"
else
  bad "cmake --install --prefix" "$tmp/install.log"
  summary
fi
pcfile=$(find "$prefix" -name ipcsim.pc | head -n 1)
config=$(find "$prefix" -name ipcsimConfig.cmake | head -n 1)
lib=$(find "$prefix" -name libtocksim.a | head -n 1)
missing=""
for f in "$prefix/bin/ipcsim" "$prefix/libexec/ipcsim/hello" "$prefix/libexec/ipcsim/ticker" \
  "$prefix/share/ipcsim/platforms/nrf52840.json" "$prefix/include/ipcsim/libtock/tock.h" \
  "$prefix/include/ipcsim/libtock-sync/services/alarm.h" "$prefix/include/ipcsim/ipcsvc.h" \
  "$prefix/share/ipcsim/scenarios/hello.json" "$pcfile" "$config" "$lib"; do
  [ -n "$f" ] && [ -e "$f" ] || missing="$missing ${f:-(not found)}"
done
if [ -z "$missing" ]; then
  ok "installed layout"
else
  bad "installed layout: missing$missing"
fi

# --- 2. a project outside the tree -----------------------------------------
proj=$tmp/outside
mkdir -p "$proj"
cat >"$proj/greeter.c" <<'EOF'
#include <stdio.h>

#include <libtock-sync/services/alarm.h>
#include <libtock/tock.h>

int main(void)
{
    printf("outside: hello\n");
    if (libtocksync_alarm_delay_ms(20) != RETURNCODE_SUCCESS)
        return 1;
    printf("outside: 20 ms later\n");
    return 0;
}
EOF
cat >"$proj/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(outside LANGUAGES C)
find_package(ipcsim 0.1 CONFIG REQUIRED)
if(NOT TARGET ipcsim::tocksim OR NOT TARGET ipcsim::ipcsim)
  message(FATAL_ERROR "imported targets missing")
endif()
ipcsim_add_app(greeter greeter.c)
file(WRITE ${CMAKE_BINARY_DIR}/paths.txt "${IPCSIM_EXECUTABLE}\n${IPCSIM_PROGRAM_DIR}\n")
EOF
cat >"$proj/greeter.json" <<'EOF'
{
  "name": "outside",
  "platform": "nrf52840",
  "apps": [ { "name": "greeter", "program": "build/greeter" } ],
  "expect": {
    "end_reason": "idle",
    "apps": { "greeter": { "console_contains": ["outside: hello", "outside: 20 ms later"],
                           "state": "Terminated", "completion_code": 0 } }
  }
}
EOF
gen=()
[ -n "$generator" ] && gen=(-G "$generator")
if "$cmake" -S "$proj" -B "$proj/build" "${gen[@]}" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/configure.log" 2>&1 &&
  "$cmake" --build "$proj/build" >"$tmp/build.log" 2>&1; then
  ok "outside project: find_package(ipcsim) and ipcsim_add_app"
else
  cat "$tmp/build.log" >>"$tmp/configure.log" 2>/dev/null
  bad "outside project: find_package(ipcsim) and ipcsim_add_app" "$tmp/configure.log"
fi
if [ "$(sed -n 1p "$proj/build/paths.txt" 2>/dev/null)" = "$prefix/bin/ipcsim" ] &&
  [ "$(sed -n 2p "$proj/build/paths.txt" 2>/dev/null)" = "$prefix/libexec/ipcsim" ]; then
  ok "IPCSIM_EXECUTABLE and IPCSIM_PROGRAM_DIR"
else
  bad "IPCSIM_EXECUTABLE and IPCSIM_PROGRAM_DIR: $(tr '\n' ' ' <"$proj/build/paths.txt" 2>/dev/null)"
fi

# run <label> <expected console line> <log> <command...>: exit 0 and the line.
run() {
  local label=$1 want=$2 log=$3
  shift 3
  "$@" >"$log" 2>&1
  local rc=$?
  if [ $rc -eq 0 ] && grep -qxF -- "$want" "$log"; then
    ok "$label"
  else
    echo "exit code $rc, wanted the line: $want" >>"$log"
    bad "$label" "$log"
  fi
}

run "installed ipcsim runs the outside app (program by path)" "[greeter] outside: 20 ms later" \
  "$tmp/greeter.log" "$prefix/bin/ipcsim" run "$proj/greeter.json"
# The 20 ms delay passed in virtual time.
if awk '/ended \(idle\) at/ { for (i = 1; i < NF; i++) if ($(i + 1) == "ms") t = $i }
        END { exit !(t >= 20) }' "$tmp/greeter.log"; then
  ok "the alarm delay took 20 ms of virtual time"
else
  bad "the alarm delay took 20 ms of virtual time" "$tmp/greeter.log"
fi

# --- 3. an installed example by name ----------------------------------------
cat >"$tmp/byname.json" <<'EOF'
{
  "name": "byname",
  "platform": "rp2350",
  "apps": [ { "name": "ticker", "program": "ticker", "args": ["3", "10"] } ],
  "expect": {
    "end_reason": "idle",
    "apps": { "ticker": { "console_contains": ["tick 2"], "state": "Terminated",
                          "completion_code": 0 } }
  }
}
EOF
run "installed ipcsim runs an installed program by name" "[ticker] tick 2" \
  "$tmp/byname.log" "$prefix/bin/ipcsim" run "$tmp/byname.json"
run "installed ipcsim runs an installed scenario" "[hello] Hello, World!" \
  "$tmp/hello.log" "$prefix/bin/ipcsim" run "$prefix/share/ipcsim/scenarios/hello.json"
real_prefix=$(realpath "$prefix")
"$prefix/bin/ipcsim" list >"$tmp/list.log" 2>&1
if grep -qxF "programs ($real_prefix/libexec/ipcsim):" "$tmp/list.log" &&
  grep -qxF "platforms ($real_prefix/share/ipcsim/platforms):" "$tmp/list.log"; then
  ok "installed ipcsim defaults to the installed directories"
else
  bad "installed ipcsim defaults to the installed directories" "$tmp/list.log"
fi
# The environment still overrides the defaults.
IPCSIM_PROGRAM_PATH=$tmp IPCSIM_PLATFORM_PATH=$tmp "$prefix/bin/ipcsim" list >"$tmp/list.log" 2>&1
if grep -qxF "programs ($tmp):" "$tmp/list.log" && grep -qxF "platforms ($tmp):" "$tmp/list.log"; then
  ok "IPCSIM_PROGRAM_PATH / IPCSIM_PLATFORM_PATH override them"
else
  bad "IPCSIM_PROGRAM_PATH / IPCSIM_PLATFORM_PATH override them" "$tmp/list.log"
fi

# --- 4. by hand with pkg-config ------------------------------------------------
mkdir -p "$tmp/byhand"
pcdir=$(dirname "${pcfile:-$prefix/lib/pkgconfig/ipcsim.pc}")
flags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs ipcsim 2>"$tmp/pc.log")
pc_rc=$?
# shellcheck disable=SC2086 # the flags are words
if [ $pc_rc -eq 0 ] && "$cc" -o "$tmp/byhand/greeter" "$proj/greeter.c" $flags >>"$tmp/pc.log" 2>&1; then
  ok "cc \$(pkg-config --cflags --libs ipcsim)"
else
  bad "cc \$(pkg-config --cflags --libs ipcsim)" "$tmp/pc.log"
fi
sed 's#"build/greeter"#"greeter"#' "$proj/greeter.json" >"$tmp/byhand.json"
run "installed ipcsim runs the hand-built app (IPCSIM_PROGRAM_PATH)" \
  "[greeter] outside: 20 ms later" "$tmp/byhand.log" \
  env IPCSIM_PROGRAM_PATH="$tmp/byhand" "$prefix/bin/ipcsim" run "$tmp/byhand.json"

# --- the prefix moved: still found relative to the binary -----------------
mv "$prefix" "$tmp/moved"
run "a moved prefix still finds its programs and profiles" "[ticker] tick 2" \
  "$tmp/moved.log" "$tmp/moved/bin/ipcsim" run "$tmp/byname.json"
if [ "$(PKG_CONFIG_PATH=${pcdir/#$prefix/$tmp/moved} pkg-config --variable=programdir ipcsim 2>&1 |
  xargs realpath 2>/dev/null)" = "$(realpath "$tmp/moved/libexec/ipcsim")" ]; then
  ok "ipcsim.pc follows a moved prefix"
else
  bad "ipcsim.pc follows a moved prefix"
fi

summary
