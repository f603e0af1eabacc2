#!/usr/bin/env bash
# Installs the Debian packages ipcsim needs, if any are missing.
# Usage: tools/setup.sh   (as root, or with sudo available)
set -euo pipefail

packages=(build-essential cmake pkg-config libuv1-dev libcjson-dev check python3 python3-jsonschema clang-format git)
# The fuzz targets (tools/fuzz.sh): clang, and its libFuzzer runtime
# (libclang_rt.fuzzer), which Debian ships in libclang-rt-<version>-dev, a
# package clang only recommends. The version is clang's (14 on Debian 12).
clang_version=$(apt-cache depends clang 2>/dev/null | sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1 || true)
packages+=(clang "libclang-rt-${clang_version:-14}-dev")
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
