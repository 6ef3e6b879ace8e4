#!/usr/bin/env bash
# On-demand boot-storm benchmark (not run by ./run-tests): N workstations boot at once, each from its
# own clone of one golden image version, each reading the same boot working set.
#
#   tests/bench/bootstorm.sh ["1 8 32"]     (root; needs btrfs-progs, qemu-utils, qemu-block-extra, tgt, python3)
#
# Environment: IMAGE_MIB (golden image size, default 1024, random data), SET_MIB (working set each
# client reads, default 128), CACHE_MIB (icbd cache size, default 1024), DISK_IOPS and DISK_MBPS:
# emulate a slower disk by throttling the targets' reads from the loop device (cgroup blkio), for
# machines whose virtual disk is served from the host's memory and so is never the bottleneck.
#
# Set-up: a fresh loop-mounted btrfs; the golden image imported and published with `icbd image`, N
# clones made with `icbd clone create` (btrfs snapshots sharing every extent with the version).
# One fixed list of scattered reads (4-64 KiB, 4 KiB aligned) adding up to SET_MIB; every client
# reads it in the same order with a little per-client jitter (neighbouring reads swapped), at queue
# depth 1 like a booting OS, through QEMU's iSCSI driver (one qemu-io process and session per client).
# For each N and each target (icbd with its cache, icbd with `cache: off`, tgtd), in one run:
# page cache dropped, N clients started together, and reported:
#   MiB/s     aggregate: N x SET_MIB / wall time of the slowest client
#   p50/p99   per-read latency over all clients, from qemu-io's per-command timing
#   disk MiB  sectors read from the loop device under the btrfs during the run (what the disk served)
#   page cache growth  how much the kernel's page cache grew during the run (memory held twice, or N times);
#             it includes the loop device's backing file, cached once more per byte read from "disk"
# KEEP_PAGE_CACHE=1 adds a row for icbd keeping what its cache loaded in the page cache too.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/../../scripts/lib.sh"
COUNTS=(${1:-1 8 32})
IMAGE_MIB="${IMAGE_MIB:-1024}"
SET_MIB="${SET_MIB:-128}"
CACHE_MIB="${CACHE_MIB:-1024}"
ensure_packages btrfs-progs qemu-utils qemu-block-extra tgt python3
find_jdk
build_if_stale
[[ $(id -u) -eq 0 ]] || { echo "loop devices, drop_caches and tgtd need root; run as root" >&2; exit 1; }
MAXN=0; for n in "${COUNTS[@]}"; do (( n > MAXN )) && MAXN=$n; done

WORK=$(mktemp -d /var/tmp/icbd-bootstorm.XXXXXX)
PIDS=()
LOOP=""
cleanup() {
  for p in "${PIDS[@]}"; do stop_pid "$p"; done
  [[ -n "${CG:-}" && -d "$CG" ]] && rmdir "$CG" 2>/dev/null || true
  if mountpoint -q "$WORK/mnt"; then umount "$WORK/mnt"; fi
  [[ -n "$LOOP" ]] && losetup -d "$LOOP" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ICBD=("$JAVA_HOME/bin/java" $(icbd_jvm_opts) ${ICBD_JAVA_OPTS:-} -jar "$(icbd_jar)")

echo "preparing: ${IMAGE_MIB} MiB golden image, $MAXN clones, ${SET_MIB} MiB working set" >&2
truncate -s $(( IMAGE_MIB * 3 + 2048 ))M "$WORK/fs.img"
mkfs.btrfs -q "$WORK/fs.img" >/dev/null
LOOP=$(losetup -f --show "$WORK/fs.img")
mkdir "$WORK/mnt"
mount "$LOOP" "$WORK/mnt"
ROOT="$WORK/mnt/icbd"
head -c "${IMAGE_MIB}M" /dev/urandom > "$WORK/gold.img"
"${ICBD[@]}" image import "$WORK/gold.img" --name gold --data-root "$ROOT" >/dev/null
rm "$WORK/gold.img"
"${ICBD[@]}" image publish gold --data-root "$ROOT" >/dev/null
ws() { printf 'ws%02d' "$1"; }
for i in $(seq 1 "$MAXN"); do "${ICBD[@]}" clone create --image gold@1 --name "$(ws "$i")" --data-root "$ROOT" >/dev/null; done

# the working set, and each client's jittered order of it
python3 - "$WORK" "$MAXN" "$IMAGE_MIB" "$SET_MIB" <<'PY'
import random, sys
work, n, image_mib, set_mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
r = random.Random(2026)
ops, total = [], 0
while total < set_mib << 20:
    size = r.choice([4, 4, 4, 8, 16, 32, 64]) << 10
    off = r.randrange(0, (image_mib << 20) - size, 4096)
    ops.append((off, size)); total += size
for c in range(1, n + 1):
    mine = list(ops); j = random.Random(c)
    for i in range(0, len(mine) - 1, 2):
        if j.random() < 0.2: mine[i], mine[i + 1] = mine[i + 1], mine[i]
    with open(f"{work}/ops-{c}.txt", "w") as f:
        f.writelines(f"read {o} {s}\n" for o, s in mine)
PY

# the targets' cgroup when DISK_IOPS/DISK_MBPS ask for a throttled disk (cgroup v1 blkio or v2 io)
CG=""
if [[ -n "${DISK_IOPS:-}${DISK_MBPS:-}" ]]; then
  dev=$(lsblk -dno MAJ:MIN "$LOOP" | tr -d ' ')
  if [[ -d /sys/fs/cgroup/blkio ]]; then
    CG=/sys/fs/cgroup/blkio/icbd-bootstorm-$$
    mkdir "$CG"
    [[ -n "${DISK_IOPS:-}" ]] && echo "$dev $DISK_IOPS" > "$CG/blkio.throttle.read_iops_device"
    [[ -n "${DISK_MBPS:-}" ]] && echo "$dev $(( DISK_MBPS * 1048576 ))" > "$CG/blkio.throttle.read_bps_device"
  else
    CG=/sys/fs/cgroup/icbd-bootstorm-$$
    echo +io > /sys/fs/cgroup/cgroup.subtree_control
    mkdir "$CG"
    echo "$dev ${DISK_IOPS:+riops=$DISK_IOPS} ${DISK_MBPS:+rbps=$(( DISK_MBPS * 1048576 ))}" > "$CG/io.max"
  fi
  echo "reads from $LOOP throttled to ${DISK_IOPS:-unlimited} IOPS, ${DISK_MBPS:-unlimited} MB/s" >&2
fi
throttle() { [[ -z "$CG" ]] || echo "$1" > "$CG/cgroup.procs"; }

sectors_read() { awk '{print $3}' "/sys/block/$(basename "$LOOP")/stat"; }
cached_mib() { awk '/^Cached:/ {print int($2 / 1024)}' /proc/meminfo; }

# run_clients N PORT IQN FIRST_LUN -> "MiB/s p50_ms p99_ms"
run_clients() {
  local n=$1 port=$2 iqn=$3 first=$4 t0 t1 pids=()
  t0=$(date +%s.%N)
  for c in $(seq 1 "$n"); do
    qemu-io -r --image-opts "driver=iscsi,transport=tcp,portal=127.0.0.1:$port,target=$iqn,lun=$(( first + c - 1 )),initiator-name=iqn.2026-11.org.icbd:ws$c" \
        < "$WORK/ops-$c.txt" > "$WORK/out-$c.txt" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  t1=$(date +%s.%N)
  python3 - "$WORK" "$n" "$SET_MIB" "$t0" "$t1" <<'PY'
import re, sys
work, n, set_mib, t0, t1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
lat, failed = [], 0
for c in range(1, n + 1):
    text = open(f"{work}/out-{c}.txt").read()
    failed += text.count("failed")
    lat += [1000.0 / float(x) for x in re.findall(r"and ([0-9.]+) ops/sec", text)]
lat.sort()
if failed or not lat:
    print(f"FAILED({failed}) 0 0"); sys.exit()
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"{n * set_mib / (t1 - t0):.1f} {pct(0.5):.2f} {pct(0.99):.2f}")
PY
}

# measure NAME N PORT IQN FIRST_LUN -> one table row
measure() {
  local name=$1 n=$2 before after res
  sync; echo 3 > /proc/sys/vm/drop_caches
  before=$(sectors_read); cached0=$(cached_mib)
  res=$(run_clients "$n" "$3" "$4" "$5")
  after=$(sectors_read); cached1=$(cached_mib)
  read -r mibs p50 p99 <<< "$res"
  printf '| %s | %s | %s | %s | %s | %.0f | %s |\n' "$n" "$name" "$mibs" "$p50" "$p99" \
      "$(echo "($after - $before) * 512 / 1048576" | bc -l)" "$(( cached1 - cached0 ))"
}

serve_icbd() {  # CACHE_YAML N -> port; appends the pid to PIDS
  local port; port=$(free_port)
  { echo "data-root: $ROOT"; echo "portals: [127.0.0.1:$port]"; echo "metrics: off"; echo "cache: $1"
    echo "targets:"; echo "  - iqn: iqn.2026-11.org.icbd:storm"; echo "    luns:"
    for i in $(seq 1 "$2"); do echo "      - {lun: $(( i - 1 )), clone: $(ws "$i")}"; done; } > "$WORK/icbd.yaml"
  "${ICBD[@]}" serve --config "$WORK/icbd.yaml" > "$WORK/icbd.log" 2>&1 &
  ICBD_PID=$!
  PIDS+=($ICBD_PID)
  throttle "$ICBD_PID"
  wait_port "$port" 300 || { cat "$WORK/icbd.log" >&2; exit 1; }
  echo "$port" > "$WORK/port"
}


printf '| N | target | MiB/s | p50 ms | p99 ms | disk MiB read | page cache growth MiB |\n|---|---|---|---|---|---|---|\n'
for n in "${COUNTS[@]}"; do
  serve_icbd "{size-mib: $CACHE_MIB}" "$n"; port=$(cat "$WORK/port")
  measure "icbd (cache)" "$n" "$port" iqn.2026-11.org.icbd:storm 0
  stop_pid "$ICBD_PID"

  if [[ -n "${KEEP_PAGE_CACHE:-}" ]]; then
    ICBD=("$JAVA_HOME/bin/java" $(icbd_jvm_opts) -Dicbd.cache.keepPageCache=true ${ICBD_JAVA_OPTS:-} -jar "$(icbd_jar)")
    serve_icbd "{size-mib: $CACHE_MIB}" "$n"; port=$(cat "$WORK/port")
    measure "icbd (cache, page cache kept)" "$n" "$port" iqn.2026-11.org.icbd:storm 0
    stop_pid "$ICBD_PID"
    ICBD=("$JAVA_HOME/bin/java" $(icbd_jvm_opts) ${ICBD_JAVA_OPTS:-} -jar "$(icbd_jar)")
  fi

  serve_icbd "off" "$n"; port=$(cat "$WORK/port")
  measure "icbd (no cache)" "$n" "$port" iqn.2026-11.org.icbd:storm 0
  stop_pid "$ICBD_PID"

  port=$(free_port); ctl=$(( (port % 3000) + 1000 ))
  tgtd -f -C "$ctl" --iscsi "portal=127.0.0.1:$port" > "$WORK/tgtd.log" 2>&1 &
  TGT_PID=$!; PIDS+=($TGT_PID)
  throttle "$TGT_PID"
  wait_port "$port" 300 || { cat "$WORK/tgtd.log" >&2; exit 1; }
  tgtadm -C "$ctl" --lld iscsi --op new --mode target --tid 1 -T iqn.2026-11.org.icbd:tgtd
  for i in $(seq 1 "$n"); do
    tgtadm -C "$ctl" --lld iscsi --op new --mode logicalunit --tid 1 --lun "$i" -b "$ROOT/clones/$(ws "$i")/disk.img"
  done
  tgtadm -C "$ctl" --lld iscsi --op bind --mode target --tid 1 -I ALL
  measure "tgtd" "$n" "$port" iqn.2026-11.org.icbd:tgtd 1
  stop_pid "$TGT_PID"
done
