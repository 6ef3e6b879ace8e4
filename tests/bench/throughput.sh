#!/usr/bin/env bash
# On-demand throughput benchmark (not run by ./run-tests): icbd against tgtd, same machine, same run.
#
#   tests/bench/throughput.sh [RUNS]        (root; needs libiscsi-bin, qemu-utils, qemu-block-extra, tgt, bc)
#
# Every case runs RUNS times (default 3), alternating icbd and tgtd, each target serving its own fresh
# sparse 2 GiB file on the same file system, over loopback with user-space initiators only:
#   seq-read-128k-qd16    iscsi-perf, 128 KiB READ16 at queue depth 16
#   rand-read-4k-qd32     iscsi-perf -r, 4 KiB random READ16 at depth 32
#   seq-write-128k-qd16   qemu-img bench -w, 128 KiB sequential writes at depth 16
#   strd-write-4k-qd16    qemu-img bench -w, 4 KiB writes at depth 16, stride 100003 blocks (qemu-img bench
#                         has no random mode; a large prime stride touches the LUN all over)
# ICBD_EXPORT_OPTS adds options to `icbd export` (e.g. "--cache off" to measure without the read cache).
# Prints one table: the median of each target and the ratio icbd/tgtd. Shared machines are noisy: only
# the ratio measured in one run means anything, which is why both targets alternate.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/../../scripts/lib.sh"
RUNS="${1:-3}"
DURATION="${DURATION:-10}"
ensure_packages libiscsi-bin qemu-utils qemu-block-extra tgt bc
find_jdk
build_if_stale
[[ $(id -u) -eq 0 ]] || { echo "tgtd needs root; run as root" >&2; exit 1; }

WORK=$(mktemp -d /var/tmp/icbd-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do stop_pid "$p"; done
  rm -rf "$WORK"
}
trap cleanup EXIT


truncate -s 2G "$WORK/icbd.img" "$WORK/tgtd.img"

ICBD_PORT=$(free_port)
"$JAVA_HOME/bin/java" $(icbd_jvm_opts) ${ICBD_JAVA_OPTS:-} -jar "$(icbd_jar)" export "$WORK/icbd.img" \
    --portal "127.0.0.1:$ICBD_PORT" --target iqn.2026-11.org.icbd:bench ${ICBD_EXPORT_OPTS:-} > "$WORK/icbd.log" 2>&1 &
PIDS+=($!)
wait_port "$ICBD_PORT" || { cat "$WORK/icbd.log"; exit 1; }
ICBD_URL="iscsi://127.0.0.1:$ICBD_PORT/iqn.2026-11.org.icbd:bench/0"

TGT_PORT=$(free_port)
TGT_CTL=$(( (TGT_PORT % 3000) + 1000 ))  # tgtd takes a small control-socket number
tgtd -f -C "$TGT_CTL" --iscsi "portal=127.0.0.1:$TGT_PORT" > "$WORK/tgtd.log" 2>&1 &
PIDS+=($!)
wait_port "$TGT_PORT" || { cat "$WORK/tgtd.log"; exit 1; }
tgtadm -C "$TGT_CTL" --lld iscsi --op new --mode target --tid 1 -T iqn.2026-11.org.icbd:tgtd
tgtadm -C "$TGT_CTL" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$WORK/tgtd.img"
tgtadm -C "$TGT_CTL" --lld iscsi --op bind --mode target --tid 1 -I ALL
TGT_URL="iscsi://127.0.0.1:$TGT_PORT/iqn.2026-11.org.icbd:tgtd/1"

iscsi_perf() {  # URL blocks depth extra -> MB/s
  local out; out=$(timeout -s INT "$DURATION" iscsi-perf -b "$2" -m "$3" $4 "$1" 2>&1 || true)
  echo "$out" | tr '\r' '\n' | grep -o 'iops average [0-9]* ([0-9]* MB/s)' | tail -1 | sed 's/.*(\([0-9]*\) MB\/s)/\1/'
}

qemu_bench() {  # URL size depth extra count -> MiB/s
  local out t; out=$(qemu-img bench -f raw -t none -w -d "$3" -s "$2" $4 -c "$5" "$1" 2>&1)
  t=$(echo "$out" | sed -n 's/^Run completed in \([0-9.]*\) seconds.*/\1/p')
  [[ -n "$t" ]] || { echo "qemu-img bench failed: $out" >&2; echo 0; return; }
  local bytes; bytes=$(numfmt --from=iec "$(echo "$2" | tr a-z A-Z)")
  echo "scale=1; $5 * $bytes / $t / 1048576" | bc
}

run_case() {  # name url
  case "$1" in
    seq-read-128k-qd16)  iscsi_perf "$2" 256 16 "" ;;
    rand-read-4k-qd32)   iscsi_perf "$2" 8 32 "-r" ;;
    seq-write-128k-qd16) qemu_bench "$2" 128k 16 "" 8000 ;;
    strd-write-4k-qd16)  qemu_bench "$2" 4k 16 "-S 409612288" 40000 ;;
  esac
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

CASES=(seq-read-128k-qd16 rand-read-4k-qd32 seq-write-128k-qd16 strd-write-4k-qd16)
printf '| case | icbd MB/s | tgtd MB/s | icbd/tgtd |\n|---|---|---|---|\n'
for c in "${CASES[@]}"; do
  : > "$WORK/$c.icbd"; : > "$WORK/$c.tgtd"
  for r in $(seq "$RUNS"); do
    run_case "$c" "$ICBD_URL" >> "$WORK/$c.icbd"
    run_case "$c" "$TGT_URL" >> "$WORK/$c.tgtd"
  done
  i=$(median < "$WORK/$c.icbd"); t=$(median < "$WORK/$c.tgtd")
  ratio=$(echo "scale=2; if ($t > 0) $i / $t else 0" | bc)
  printf '| %s | %s | %s | %sx |\n' "$c" "$i" "$t" "$ratio"
done
