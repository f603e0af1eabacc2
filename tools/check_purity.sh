#!/usr/bin/env bash
# Checks that the kernel model stays pure: its sources include only C
# library headers, and its library references no symbol outside libc.
# Usage: tools/check_purity.sh <source-dir> <libkm.a>
set -euo pipefail
src=$1
lib=$2
fail=0
allowed='^(stdbool|stddef|stdint|stdio|stdlib|string|limits|inttypes|assert)\.h$'
while IFS= read -r line; do
  hdr=$(sed -E 's/.*#include *<([^>]+)>.*/\1/' <<<"$line")
  if ! grep -Eq "$allowed" <<<"$hdr"; then
    echo "impure include: $line"
    fail=1
  fi
done < <(grep -Hn '#include *<' "$src"/*.c "$src"/*.h)
# Undefined symbols of the library that none of its objects define.
undef=$(nm -u "$lib" | awk 'NF==2 {print $2}' | sort -u)
defined=$(nm --defined-only "$lib" | awk 'NF==3 {print $3}' | sort -u)
allowed_syms='^(memcpy|memset|memmove|memcmp|strcmp|strlen|strncmp|snprintf|qsort|calloc|malloc|realloc|free|__stack_chk_fail|__snprintf_chk|__memcpy_chk|__memset_chk|__asan_.*|__ubsan_.*|__sanitizer_.*)$'
for s in $undef; do
  if grep -qx "$s" <<<"$defined"; then continue; fi
  if ! grep -Eq "$allowed_syms" <<<"$s"; then
    echo "kernel model references a non-libc symbol or a forbidden libc call: $s"
    fail=1
  fi
done
if [ $fail -eq 0 ]; then
  echo "kernel model purity: 1 passed, 0 failed"
else
  echo "kernel model purity: 0 passed, 1 failed"
fi
exit $fail
