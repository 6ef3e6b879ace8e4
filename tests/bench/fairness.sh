#!/usr/bin/env bash
# On-demand fairness benchmark (not run by ./run-tests): does a stalled session slow a healthy one?
#
#   [COUNT=N] tests/bench/fairness.sh [ROUNDS]     (root; needs qemu-utils, qemu-block-extra)
#
# Runs the system test FairnessTest with ROUNDS rounds (default 15; ./run-tests runs 5) against one
# `icbd export` of a sparse 512 MiB file over loopback. Every round measures the healthy session alone,
# then next to two stalled sessions: one that never reads its socket while asking for 256 KiB NOP-In
# replies, one that opens 32 MiB writes and never sends their Data-Out. The healthy session is qemu-img
# bench (QEMU's iSCSI driver): COUNT (default 4000) 64 KiB writes then as many 64 KiB reads at depth 8 on a
# 512 MiB LUN; a larger COUNT (say 40000) makes each round longer and less sensitive to a passing neighbour.
# Prints each round, the medians with their min..max, the per-round ratio range and the ratio of the
# medians (issue 14's target: at most 1.10). Alone and stalled rounds alternate, so a busy neighbour
# slows both; still, only a quiet machine gives a number worth quoting: `uptime` is printed before and after.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/../../scripts/lib.sh"
ROUNDS="${1:-15}"
COUNT="${COUNT:-4000}"
ensure_packages qemu-utils qemu-block-extra
find_jdk
[[ $(id -u) -eq 0 ]] || { echo "the system tests run as root; run as root" >&2; exit 1; }

cd "$ICBD_REPO"
echo "before: $(uptime)"
mkdir -p tests/target
rm -f tests/target/fairness.txt
# ICBD_REQUIRE_SYSTEM_TESTS: a missing tool fails the run instead of skipping it
ICBD_REQUIRE_SYSTEM_TESTS=1 ./mvnw -B -q -pl tests -am verify -Dtest=FairnessTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Dicbd.fairness.rounds="$ROUNDS" -Dicbd.fairness.count="$COUNT" > tests/target/fairness-maven.log 2>&1 || status=$?
echo "after:  $(uptime)"
if [[ -f tests/target/fairness.txt ]]; then
  cat tests/target/fairness.txt
else
  tail -50 tests/target/fairness-maven.log
fi
exit "${status:-0}"
