#!/usr/bin/env bash
# Installs what is missing, builds ipcsim and runs the hello scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
build/ipcsim run scenarios/hello.json
