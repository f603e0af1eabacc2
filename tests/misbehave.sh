#!/usr/bin/env bash
# Runs the misbehaving-app scenarios and checks that each bad app was
# faulted for the right reason while the simulator went on.
# The scenarios of <mailbox-dir> break the mailbox transport's own rules
# and run on it (--transport mailbox) whatever IPCSIM_TRANSPORT says.
# Usage: misbehave.sh <ipcsim> <scenario-dir> <mailbox-dir>
set -u
ipcsim=$1
dir=$2
mdir=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() { # scenario app expected-substring-of-last_fault [extra run flags]
  local sc=$1 app=$2 want=$3
  shift 3
  local out="$tmp/$sc" file="$dir/$sc.json"
  [ -f "$file" ] || file="$mdir/$sc.json"
  "$ipcsim" run "$file" --quiet --host-timeout 1500 --out "$out" "$@" >"$tmp/$sc.log" 2>&1
  local rc=$?
  local got
  got=$(python3 -c "import json,sys; d=json.load(open('$out/results.json')); print([a for a in d['apps'] if a['name']=='$app'][0]['last_fault'])" 2>/dev/null)
  if [ $rc -eq 0 ] && [[ "$got" == *"$want"* ]]; then
    echo "ok   $sc: $app faulted: $got"
    pass=$((pass + 1))
  else
    echo "FAIL $sc: exit $rc, $app last_fault \"$got\", wanted \"$want\""
    cat "$tmp/$sc.log"
    fail=$((fail + 1))
  fi
}
check misbehave_garbage bad "channel protocol error: message has the wrong size"
check misbehave_version bad "channel protocol error: unsupported protocol version"
check misbehave_opmark bad "channel protocol error: malformed operation mark"
check misbehave_die_mid_syscall dier "app process died outside tock_exit"
check misbehave_crash_restart crasher "memory fault: write at 0x00000000"
check misbehave_spin spinner "made no syscall for 1500 ms of host time"
check misbehave_doorbell_args bad "channel protocol error: DOORBELL with arguments"
check mbox_ring_overrun bad "channel protocol error: operation marks overran their ring in the mailbox" --transport mailbox
check mbox_no_wait bad "channel protocol error: app does not wait for its answers" --transport mailbox
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
