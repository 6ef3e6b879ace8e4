#!/usr/bin/env bash
# The site test: real Debian hosts (systemd-nspawn machines booting systemd, each with its own root,
# network namespace, sshd, journal and loop-backed btrfs data disk) on a bridge this script makes, rolled
# out by site.yml over SSH from this controller, then:
#   - the leader serves ws01's clone through the VIP; with WORKSTATION_BOOT=1, the nodes' boot endpoint
#     enrols unknown MACs and a diskless QEMU workstation (TCG, on the bridge through a tap) boots through the
#     site's DHCP + the boot server's proxy DHCP/TFTP/iPXE, chaining to the boot endpoint on the VIP
#   - kill -9 of the leader's icbd: node-b serves the disk through the VIP, nothing acknowledged lost
#   - site.yml again changes nothing
#   - rolling-upgrade.yml to a newer package while a workstation reads and writes: no I/O error
# Usage (root): [WORKSTATION_BOOT=1] [STOP_AFTER=boot] ansible/test/site-test.sh /path/to/icbd_VERSION_all.deb
# Caches the trixie base under /var/tmp/icbd-ansible; everything else is removed at the end (KEEP=1 keeps it).
set -euo pipefail
(( $(id -u) == 0 )) || { echo "run as root (nspawn machines, a bridge, loop devices)" >&2; exit 2; }
deb=$(readlink -f "${1:?usage: $0 icbd_VERSION_all.deb}")
here=$(cd "$(dirname "$0")/.." && pwd)
cache=/var/tmp/icbd-ansible
base="$cache/trixie-base"
run=$(mktemp -d "$cache/run.XXXXXX")
# SITE_NET and SITE_NAME let two runs go side by side (each its own subnet, machines, bridge, logs)
net=${SITE_NET:-10.117.0}   # machine-private addresses, only on this script's bridge
site=${SITE_NAME:-icbdst}; [[ $site =~ ^[a-z0-9]{1,8}$ ]] || { echo "SITE_NAME: 1 to 8 lower-case letters or digits" >&2; exit 2; }
br="$site$$"; br=${br:0:15}
vip=$net.100
declare -A ip=([$site-a]=$net.11 [$site-b]=$net.12 [$site-boot]=$net.13)
declare -A pids=()
t0=$(date +%s)
log() { printf '[%4ds] %s\n' $(( $(date +%s) - t0 )) "$*"; }
fail() {
  log "FAIL: $*"
  # what the machines' services said, kept with the run's logs
  for m in "${!pids[@]}"; do on "$m" journalctl -u icbd -u icbd-zookeeper -u dnsmasq -n 300 --no-pager >"$run/$m-journal.log" 2>&1; done
  exit 1
}

for tool in mmdebstrap systemd-nspawn apt-cacher-ng dnsmasq dpkg-scanpackages qemu-io qemu-system-x86_64 ansible-playbook zstd; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install mmdebstrap systemd-container apt-cacher-ng dnsmasq-base dpkg-dev qemu-utils qemu-block-extra qemu-system-x86 ansible-core zstd" >&2; exit 2; }
done
if ip -o addr | grep -q " $net\."; then echo "$net.0/24 is in use on this machine; pick another" >&2; exit 2; fi

cleanup() {
  local rc=$?
  set +e
  [[ -n "${KEEP:-}" ]] && { log "KEEP set: leaving $run, bridge $br and the machines"; exit $rc; }
  for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  for m in "${!pids[@]}"; do kill -TERM "${pids[$m]}" 2>/dev/null; done   # nspawn: clean shutdown of the machine
  for m in "${!pids[@]}"; do
    for _ in $(seq 60); do kill -0 "${pids[$m]}" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "${pids[$m]}" 2>/dev/null; wait "${pids[$m]}" 2>/dev/null
  done
  for m in "${!ip[@]}"; do
    mountpoint -q "$run/$m/data" && umount "$run/$m/data"
    mountpoint -q "$run/$m/root" && umount "$run/$m/root"
    # nspawn leaves its payload/supervisor cgroups inside the machine's: remove them deepest first
    for c in unified systemd; do [[ -d "/sys/fs/cgroup/$c/$m" ]] && find "/sys/fs/cgroup/$c/$m" -depth -type d -exec rmdir {} \; 2>/dev/null; done
  done
  ip link del "$br" 2>/dev/null; ip link del $site-tap0 2>/dev/null
  # the logs of the last run stay for a look afterwards (playbooks, consoles, the client's I/O)
  rm -rf "$cache/last-run-$site" && mkdir -p "$cache/last-run-$site" && find "$run" -maxdepth 1 -type f \( -name '*.log' -o -name '*.txt' -o -name '*.console' -o -name '*.serial' \) -exec cp {} "$cache/last-run-$site/" \;
  rm -rf "$run"
  exit $rc
}
bg_pids=()
trap cleanup EXIT

# --- the base system, cached between runs -------------------------------------------------------------
if [[ ! -d "$base/etc" ]]; then
  if [[ ! -f "$cache/trixie-base.tar.zst" ]]; then
    log "mmdebstrap trixie (a few minutes, once)"
    mmdebstrap --variant=minbase --include=systemd,systemd-sysv,dbus,openssh-server,python3,python3-apt,openjdk-21-jre-headless,btrfs-progs,iproute2,arping,procps \
      trixie "$cache/trixie-base.tar.zst" http://deb.debian.org/debian
  fi
  mkdir -p "$base.tmp" && tar --zstd -xpf "$cache/trixie-base.tar.zst" -C "$base.tmp" && mv "$base.tmp" "$base"
fi

# --- network, package sources ----------------------------------------------------------------------------
ip link add "$br" type bridge && ip addr add "$net.1/24" dev "$br" && ip link set "$br" up
mkdir -p "$run/repo" "$run/acng" "$cache/acng-cache"
acng_cache="$cache/acng-cache"   # a run beside the default one works on a copy (one cache, one writer)
[[ $site == icbdst ]] || { cp -a "$cache/acng-cache" "$run/acng-cache"; acng_cache="$run/acng-cache"; }
cp "$deb" "$run/repo/"
(cd "$run/repo" && dpkg-scanpackages --multiversion . /dev/null > Packages 2>/dev/null)
repo_port=18117   # on $net.1 only
python3 -m http.server "$repo_port" --bind "$net.1" --directory "$run/repo" >"$run/repo.log" 2>&1 & bg_pids+=($!)
# the Debian archive through deb.debian.org (the package's default backend may not be reachable from here)
cp -r /etc/apt-cacher-ng "$run/acng-conf" && echo http://deb.debian.org/debian/ >"$run/acng-conf/backends_debian"
apt-cacher-ng -c "$run/acng-conf" ForeGround=1 BindAddress="$net.1" Port=3142 CacheDir="$acng_cache" LogDir="$run/acng" \
  SocketPath="$run/acng.sock" PidFile="$run/acng.pid" >"$run/acng.log" 2>&1 & bg_pids+=($!)
# the site's own DHCP server (addresses only; the boot server answers as proxy DHCP)
dnsmasq --keep-in-foreground --port=0 --interface="$br" --bind-interfaces --except-interface=lo \
  --dhcp-range="$net.150,$net.199,255.255.255.0,1h" --dhcp-leasefile="$run/leases" --pid-file="$run/dhcp.pid" \
  --log-dhcp --log-facility="$run/dhcp.log" & bg_pids+=($!)

# --- the machines -----------------------------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$run/id" -C icbd-site-test
ssh_opts=(-i "$run/id" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5)
on() { local m=$1; shift; ssh "${ssh_opts[@]}" "root@${ip[$m]}" "$@"; }

start_machine() {
  local m=$1 d="$run/$1" binds=()
  mkdir -p "$d/upper" "$d/work" "$d/root"
  mount -t overlay overlay -o "lowerdir=$base,upperdir=$d/upper,workdir=$d/work" "$d/root"
  local r="$d/root"
  echo "$m" >"$r/etc/hostname"
  install -d -m 0700 "$r/root/.ssh" && install -m 0600 "$run/id.pub" "$r/root/.ssh/authorized_keys"
  cat >"$r/etc/systemd/system/site-net.service" <<EOF
[Unit]
Description=static address on the test bridge
Before=network-online.target ssh.service
Wants=network-online.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/ip link set host0 up
ExecStart=/usr/sbin/ip addr add ${ip[$m]}/24 dev host0
[Install]
WantedBy=multi-user.target network-online.target
EOF
  ln -sf /etc/systemd/system/site-net.service "$r/etc/systemd/system/multi-user.target.wants/site-net.service"
  cat >"$r/etc/apt/apt.conf.d/01site-test" <<EOF
Acquire::http::Proxy "http://$net.1:3142";
Acquire::http::Proxy::$net.1 "DIRECT";
EOF
  echo "deb [trusted=yes] http://$net.1:$repo_port/ ./" >"$r/etc/apt/sources.list.d/icbd.list"
  if [[ $m != $site-boot ]]; then
    truncate -s 4G "$run/$m.btrfs" && mkfs.btrfs -q "$run/$m.btrfs" && mkdir -p "$d/data" && mount -o loop "$run/$m.btrfs" "$d/data"
    binds+=(--bind="$d/data:/var/lib/icbd")
  fi
  for c in unified systemd; do mkdir -p "/sys/fs/cgroup/$c/$m"; done
  # each machine in its own cgroup: started from the same one, they would share one payload cgroup
  ( echo "$BASHPID" >"/sys/fs/cgroup/unified/$m/cgroup.procs"; echo "$BASHPID" >"/sys/fs/cgroup/systemd/$m/cgroup.procs"
    exec systemd-nspawn --quiet --boot --register=no --keep-unit --machine="$m" -D "$r" --network-bridge="$br" \
      --console=read-only "${binds[@]}" ) >"$run/$m.console" 2>&1 </dev/null &
  pids[$m]=$!
}

log "starting the machines"
for m in $site-a $site-b $site-boot; do start_machine "$m"; done
for m in $site-a $site-b $site-boot; do
  for _ in $(seq 120); do on "$m" true 2>/dev/null && break; sleep 1; done
  on "$m" true || { tail -30 "$run/$m.console"; fail "$m is not reachable over SSH"; }
done
log "machines answer over SSH"

# --- the inventory of this site ---------------------------------------------------------------------------
python3 - "$run/ws.raw" <<'EOF'
# a boot image: its boot sector prints ICBD-SITE-BOOT-OK on COM1 and halts; 64 MiB of room to write in
import sys
code = bytes([0xFA, 0xFC, 0x31, 0xC0, 0x8E, 0xD8, 0xBE, 0, 0, 0xBA, 0xF8, 0x03, 0xAC, 0x84, 0xC0, 0x74, 0x03, 0xEE, 0xEB, 0xF8, 0xF4, 0xEB, 0xFD])
mbr = bytearray(512)
mbr[:len(code)] = code
text = b"ICBD-SITE-BOOT-OK\r\n"
mbr[len(code):len(code) + len(text)] = text
addr = 0x7C00 + len(code)
mbr[7], mbr[8] = addr & 0xFF, addr >> 8
mbr[510], mbr[511] = 0x55, 0xAA
with open(sys.argv[1], "wb") as f:
    f.write(mbr)
    f.truncate(64 << 20)
EOF
mkdir -p "$run/inventory/group_vars"
cat >"$run/inventory/hosts.yml" <<EOF
all:
  children:
    icbd_zookeeper:
      hosts:
        zk1: {ansible_host: ${ip[$site-a]}}
    icbd_nodes:
      hosts:
        node-a: {ansible_host: ${ip[$site-a]}}
        node-b: {ansible_host: ${ip[$site-b]}}
    icbd_boot:
      hosts:
        boot1: {ansible_host: ${ip[$site-boot]}}
EOF
cat >"$run/inventory/group_vars/all.yml" <<EOF
ansible_user: root
ansible_ssh_private_key_file: $run/id
ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
icbd_cluster_name: sitetest
icbd_virtual_ip: $vip/24
icbd_interface: host0
icbd_boot_interface: host0
icbd_workstation_networks: [$net.0/24]
icbd_admin_networks: [$net.1/32]
icbd_package_source: repository
icbd_boot_port: 8080
icbd_boot_path: /boot
icbd_images: [{name: bootdemo, file: $run/ws.raw}]
icbd_workstations: [{name: ws01, mac: "52:54:00:17:00:01", image: bootdemo@1}]
icbd_secrets_dir: $run/secrets
EOF
if [[ -n "${WORKSTATION_BOOT:-}" ]]; then
  # the nodes' boot endpoint on the VIP enrols an unknown MAC with a clone of bootdemo (workstations in a cluster)
  cat >>"$run/inventory/group_vars/all.yml" <<EOF
icbd_extra_config:
  workstations:
    boot: $vip:8080
    networks: [$net.0/24]
    enrol: {image: bootdemo, mode: persistent, name: "pc-{mac}"}
EOF
fi
export ANSIBLE_CONFIG="$here/ansible.cfg" ANSIBLE_ROLES_PATH="$here/roles" ANSIBLE_NOCOLOR=1 ANSIBLE_FORKS=5
playbook() { ansible-playbook -i "$run/inventory/hosts.yml" "$@"; }

# --- site.yml from bare machines ---------------------------------------------------------------------------
t_site=$(date +%s)
log "site.yml (first run)"
playbook "$here/site.yml" >"$run/site1.log" 2>&1 || { tail -60 "$run/site1.log"; fail "site.yml failed"; }
chap=$(cat "$run/secrets/chap-ws01")
iqn=iqn.2026-11.org.example:ws01
url="iscsi://ws01%$chap@$vip/$iqn/0"
leader() { for m in $site-a $site-b; do [[ -n $(on "$m" ip -o addr show to "$vip") ]] && echo "$m"; done; return 0; }
for _ in $(seq 60); do qemu-io -f raw -r -c "read -P 0x55 510 1" "$url" >/dev/null 2>&1 && break; sleep 1; done
qemu-io -f raw -r -c "read -P 0x55 510 1" "$url" | grep -q "read 1/1" || fail "ws01 is not served through the VIP"
t_serving=$(( $(date +%s) - t_site ))
log "SERVING: bare machines -> ws01 served through $vip in ${t_serving}s (site.yml); leader: $(leader)"
[[ $(leader | wc -l) == 1 ]] || fail "the VIP is on $(leader | wc -l) nodes"

# --- a diskless workstation boots through proxy DHCP, TFTP and iPXE from the VIP ---------------------------
# (WORKSTATION_BOOT=1: needs workstations served by cluster nodes)
if [[ -n "${WORKSTATION_BOOT:-}" ]]; then
  for f in undionly.kpxe snponly.efi; do
    curl -sf -o "$run/$f" "tftp://${ip[$site-boot]}/$f" || true
    [[ -s "$run/$f" ]] || fail "the boot server does not serve $f over TFTP"
  done
  log "TFTP serves iPXE for BIOS (undionly.kpxe) and UEFI (snponly.efi)"
  ip tuntap add $site-tap0 mode tap && ip link set $site-tap0 master "$br" up
  qemu-system-x86_64 -accel tcg -m 128 -display none -monitor none -serial "file:$run/ws.serial" -no-reboot \
    -netdev tap,id=n0,ifname=$site-tap0,script=no,downscript=no -device e1000,netdev=n0,mac=52:54:00:17:00:01 -boot n \
    >"$run/qemu.log" 2>&1 & qemu=$!; bg_pids+=($qemu)
  booted=""; t_boot=$(date +%s)
  endpoint=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://$vip:8080/boot?mac=52:54:00:17:00:01" || true)
  for _ in $(seq 420); do
    grep -q ICBD-SITE-BOOT-OK "$run/ws.serial" 2>/dev/null && { booted=1; break; }
    # with no boot endpoint to chain to, seeing iPXE fetch the chain script is as far as the boot can go
    [[ $endpoint == 000 ]] && on $site-boot journalctl -u dnsmasq --no-pager 2>/dev/null | grep -q "sent /srv/tftp/icbd.ipxe" && break
    sleep 1
  done
  kill "$qemu" 2>/dev/null; wait "$qemu" 2>/dev/null || true
  on $site-boot journalctl -u dnsmasq --no-pager >"$run/boot-dnsmasq.log" 2>&1 || true
  if [[ -n $booted ]]; then
    log "BOOT: the diskless workstation booted its disk (enrolled at its first request: a clone of bootdemo) through DHCP, proxy DHCP, TFTP, iPXE, the boot endpoint and iSCSI on $vip in $(( $(date +%s) - t_boot ))s"
  else
    grep -q "sent /srv/tftp/icbd.ipxe" "$run/boot-dnsmasq.log" || { tail -20 "$run/boot-dnsmasq.log"; fail "the workstation did not get icbd.ipxe over TFTP"; }
    [[ $endpoint == 000 ]] || { tail -c 2000 "$run/ws.serial"; fail "the workstation got icbd.ipxe, the boot endpoint answers $endpoint, but its disk did not boot (no ICBD-SITE-BOOT-OK on its serial console)"; }
    log "BOOT BLOCKED: the workstation got icbd.ipxe from the boot server (proxy DHCP + TFTP) and chained to http://$vip:8080/boot, where nothing listens: this icbd serves no workstations in a cluster"
    boot_blocked=1
  fi
else
  log "workstation boot skipped (WORKSTATION_BOOT=1 runs it)"
fi
if [[ ${STOP_AFTER:-} == boot ]]; then
  log "TIMES: bare -> serving ${t_serving}s; STOP_AFTER=boot: failover, idempotence and upgrade not run"
  [[ -z "${boot_blocked:-}" ]] || exit 3
  exit 0
fi

# --- kill -9 of the leader's icbd ---------------------------------------------------------------------------
old=$(leader)
for _ in $(seq 90); do
  on "$old" icbd replication status --config /etc/icbd/icbd.yaml 2>/dev/null | grep -q "ws01 .*in sync: .*node-" && break; sleep 1
done
on "$old" icbd replication status --config /etc/icbd/icbd.yaml >"$run/status-before-kill.txt" 2>&1 || true
qemu-io -f raw -c "write -P 0xa1 1M 64k" "$url" | grep -q "wrote 65536" || fail "write before the failover"
on "$old" 'kill -9 $(systemctl show -p MainPID --value icbd)'
t_kill=$(date +%s)
new=""
for _ in $(seq 60); do
  new=$(leader | grep -v "^$old$" || true)
  [[ -n $new ]] && qemu-io -f raw -c "read -P 0xa1 1M 64k" "$url" 2>/dev/null | grep -q "read 65536" && break
  new=""; sleep 1
done
[[ -n $new ]] || fail "no other node serves ws01 through the VIP after kill -9 of $old's icbd"
t_failover=$(( $(date +%s) - t_kill ))
qemu-io -f raw -c "write -P 0xb2 2M 64k" -c "read -P 0xb2 2M 64k" -c "read -P 0xa1 1M 64k" "$url" >"$run/after-failover.log" 2>&1
[[ $(grep -c "read 65536/65536" "$run/after-failover.log") == 2 ]] && grep -q "wrote 65536/65536" "$run/after-failover.log" \
  || { cat "$run/after-failover.log"; fail "ws01 cannot be written and read back through the VIP on $new"; }
log "FAILOVER: kill -9 of $old's icbd -> $new serves ws01 through $vip after ${t_failover}s (the write before the kill read back; a new write read back)"
for _ in $(seq 60); do on "$old" systemctl is-active -q icbd && break; sleep 1; done   # Restart=on-failure: rejoins as standby

# --- site.yml again: nothing changes ------------------------------------------------------------------------
t=$(date +%s)
playbook "$here/site.yml" >"$run/site2.log" 2>&1 || { tail -40 "$run/site2.log"; fail "second site.yml failed"; }
t_idem=$(( $(date +%s) - t ))
grep -E '^[a-z0-9-]+ +: ok=' "$run/site2.log" | grep -v 'changed=0 ' && { grep -B3 'changed:' "$run/site2.log" | head -40; fail "the second site.yml changed something"; }
log "IDEMPOTENT: the second site.yml changed nothing (${t_idem}s)"

# --- rolling upgrade to a newer package while the workstation reads and writes -----------------------------
ver=$(dpkg-deb -f "$deb" Version); newver="$ver+upgrade1"
mkdir -p "$run/repack" && dpkg-deb -R "$deb" "$run/repack/x" && sed -i "s/^Version: .*/Version: $newver/" "$run/repack/x/DEBIAN/control"
dpkg-deb -b -Zgzip "$run/repack/x" "$run/repo/icbd_${newver}_all.deb" >/dev/null
(cd "$run/repo" && dpkg-scanpackages --multiversion . /dev/null > Packages 2>/dev/null)
# one session for the whole upgrade: pattern k written at 256 KiB * k and read back, again and again
for i in $(seq 0 5999); do k=$(( i % 64 )); printf 'write -P %d %d 4k\nread -P %d %d 4k\nsleep 100\n' $(( k + 1 )) $(( k * 262144 )) $(( k + 1 )) $(( k * 262144 )); done >"$run/io.cmds"
qemu-io -f raw "$url" <"$run/io.cmds" >"$run/io.log" 2>&1 & io=$!; bg_pids+=($io)
sleep 5
t=$(date +%s)
playbook "$here/rolling-upgrade.yml" >"$run/upgrade.log" 2>&1 || { tail -40 "$run/upgrade.log"; fail "rolling-upgrade.yml failed"; }
t_upgrade=$(( $(date +%s) - t ))
log "rolling-upgrade.yml finished in ${t_upgrade}s"
sleep 5; kill "$io" 2>/dev/null; wait "$io" 2>/dev/null || true
for m in $site-a $site-b; do
  # one quoted word: ssh hands the remote shell one line, which would expand ${Version}
  v=$(on "$m" "dpkg-query -W -f='\${Version}' icbd"); [[ $v == "$newver" ]] || fail "$m runs icbd $v after the upgrade, not $newver"
done
ops=$(grep -c 'wrote 4096/4096' "$run/io.log" || true)
if grep -qiE 'error|failed|Pattern verification' "$run/io.log"; then grep -iE 'error|failed|Pattern' "$run/io.log" | head; fail "the workstation saw an I/O error during the rolling upgrade"; fi
(( ops > 10 )) || fail "the workstation did hardly any I/O during the upgrade ($ops writes)"
log "UPGRADE: rolling-upgrade.yml to $newver in ${t_upgrade}s, leader now $(leader); the workstation wrote and read back $ops x 4 KiB, no I/O error"

log "TIMES: bare -> serving ${t_serving}s; idempotent site.yml ${t_idem}s; rolling upgrade ${t_upgrade}s; whole test $(( $(date +%s) - t0 ))s"
[[ -z "${boot_blocked:-}" ]] || { log "PASSED except the workstation boot (no boot endpoint in this icbd)"; exit 3; }
log "PASSED"
