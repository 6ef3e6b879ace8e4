#!/usr/bin/env bash
# Proves the appliance ISO end to end under QEMU without KVM (TCG), on QEMU's user network only
# (the appliance's ports forwarded to 127.0.0.1; nothing else touches the host's network):
#   1. boot the ISO and install it unattended (kernel command line) onto a blank system disk and a
#      blank data disk;
#   2. boot the installed system disk and wait until it serves iSCSI;
#   3. make an image, a version and a workstation clone on it over SSH and serve the clone;
#   4. boot a diskless QEMU workstation through iPXE sanboot from that clone.
# Prints each step's time. Needs root only for nothing; needs qemu-system-x86, ipxe-qemu, xorriso,
# libiscsi-bin, openssh-client, python3.
#   appliance-image/smoke.sh [ISO]      (default appliance-image/out/icbd-appliance.iso)
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
iso="$(readlink -f "${1:-$here/out/icbd-appliance.iso}")"
[[ -r $iso ]] || { echo "smoke.sh: no ISO at $iso (build it with appliance-image/build.sh)" >&2; exit 1; }
for tool in qemu-system-x86_64 xorriso iscsi-ls ssh scp ssh-keygen python3 qemu-img; do
    command -v "$tool" >/dev/null || { echo "smoke.sh: $tool missing" >&2; exit 1; }
done
work=$(mktemp -d /tmp/icbd-smoke.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
echo "work directory: $work (serial logs)"

T0=$SECONDS
step() { echo "[$(printf '%4d' $((SECONDS - T0))) s] $*"; }
fail() { echo "SMOKE FAILED: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
QEMU=(qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1536 -display none -monitor none)

step "ISO $(basename "$iso"): $(( $(stat -c %s "$iso") / 1048576 )) MiB"
xorriso -osirrox on -indev "$iso" -extract /live/vmlinuz "$work/vmlinuz" -extract /live/initrd.img "$work/initrd.img" >/dev/null 2>&1 \
    || fail "cannot read /live/vmlinuz and /live/initrd.img from the ISO"
qemu-img create -q -f qcow2 "$work/system.qcow2" 8G
qemu-img create -q -f qcow2 "$work/data.qcow2" 4G
ssh-keygen -q -t ed25519 -N '' -C smoke -f "$work/key"
key=$(tr ' ' ',' < "$work/key.pub")

# 1. unattended install (the ISO's own kernel and initrd, so the answers can go on the command line)
s=$SECONDS
"${QEMU[@]}" -no-reboot -serial "file:$work/install.log" -cdrom "$iso" \
    -kernel "$work/vmlinuz" -initrd "$work/initrd.img" \
    -append "boot=live components console=ttyS0,115200n8 icbd.install=auto icbd.system-disk=/dev/vda icbd.data-disk=/dev/vdb icbd.hostname=icbd-smoke icbd.ssh-key=$key" \
    -drive "file=$work/system.qcow2,if=virtio" -drive "file=$work/data.qcow2,if=virtio" \
    -nic user,model=virtio-net-pci &
qemu=$!; pids+=("$qemu")
timeout 1500 tail --pid="$qemu" -f /dev/null || fail "install did not finish in 25 min (see $work/install.log)"
grep -q 'icbd-install: installed in' "$work/install.log" || { tail -30 "$work/install.log"; fail "the installer did not report success"; }
step "1. unattended install from the ISO: $((SECONDS - s)) s ($(grep -o 'installed in [0-9]* s' "$work/install.log"))"

# 2. the installed disk boots and serves
iscsi_port=$(free_port) ssh_port=$(free_port)
s=$SECONDS
"${QEMU[@]}" -serial "file:$work/boot.log" \
    -drive "file=$work/system.qcow2,if=virtio" -drive "file=$work/data.qcow2,if=virtio" \
    -nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$iscsi_port-:3260,hostfwd=tcp:127.0.0.1:$ssh_port-:22" &
pids+=($!)
until iscsi-ls "iscsi://127.0.0.1:$iscsi_port" >/dev/null 2>&1; do
    (( SECONDS - s < 600 )) || { tail -30 "$work/boot.log"; fail "the installed system did not serve iSCSI within 600 s"; }
    sleep 2
done
step "2. installed disk: QEMU start -> serving iSCSI in $((SECONDS - s)) s"

# 3. a version and a workstation clone, served with CHAP
SSH=(ssh -q -i "$work/key" -p "$ssh_port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 root@127.0.0.1)
s=$SECONDS
until "${SSH[@]}" true 2>/dev/null; do (( SECONDS - s < 120 )) || fail "no SSH with the installed key"; sleep 2; done
marker="ICBD-SMOKE-$RANDOM$RANDOM"
python3 - "$work/boot.img" "$marker" <<'PY'
import sys
# a boot sector that writes the marker to COM1 and halts
code = bytes([0xFA, 0xFC, 0x31, 0xC0, 0x8E, 0xD8, 0xBE, 0, 0, 0xBA, 0xF8, 0x03,
              0xAC, 0x84, 0xC0, 0x74, 0x03, 0xEE, 0xEB, 0xF8, 0xF4, 0xEB, 0xFD])
text = (sys.argv[2] + "\r\n").encode()
mbr = bytearray(512)
mbr[:len(code)] = code
mbr[len(code):len(code) + len(text)] = text
addr = 0x7C00 + len(code)
mbr[7], mbr[8] = addr & 0xFF, addr >> 8
mbr[510], mbr[511] = 0x55, 0xAA
with open(sys.argv[1], "wb") as f:
    f.write(mbr)
    f.truncate(8 << 20)
PY
scp -q -i "$work/key" -P "$ssh_port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "$work/boot.img" root@127.0.0.1:/root/boot.img
iqn=iqn.2026-11.org.example:ws01
"${SSH[@]}" bash -s <<EOF || fail "could not make and serve the clone"
set -e
icbd image import /root/boot.img --name boot
icbd image publish boot
icbd clone create --image boot@1 --name ws01
sed -i 's/^targets: \[\]$/targets:\n  - iqn: $iqn\n    chap: {user: ws01, secret: 0123456789ab}\n    luns: [{clone: ws01}]/' /etc/icbd/icbd.yaml
icbd serve --check --config /etc/icbd/icbd.yaml
systemctl restart icbd
systemctl is-active icbd
EOF
step "3. image, version and clone made and served over SSH: $((SECONDS - s)) s"

# 4. a diskless workstation boots the clone through iPXE (10.0.2.2 is the host, where the port is forwarded)
mkdir -p "$work/tftp"
printf '#!ipxe\ndhcp\nset username ws01\nset password 0123456789ab\nsanboot iscsi:10.0.2.2::%s:0:%s\n' "$iscsi_port" "$iqn" > "$work/tftp/boot.ipxe"
s=$SECONDS
qemu-system-x86_64 -accel tcg -m 128 -display none -monitor none -no-reboot -serial "file:$work/ws.log" \
    -netdev "user,id=n0,tftp=$work/tftp,bootfile=boot.ipxe" -device e1000,netdev=n0 -boot n &
pids+=($!)
until grep -qa "$marker" "$work/ws.log" 2>/dev/null; do
    (( SECONDS - s < 300 )) || { tail -c 2000 "$work/ws.log"; fail "the workstation did not boot the clone within 300 s"; }
    sleep 1
done
step "4. diskless workstation booted the clone through iPXE sanboot: $((SECONDS - s)) s"
step "smoke passed"
