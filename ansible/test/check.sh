#!/usr/bin/env bash
# The CI check of ansible/: ansible-lint (production profile), a syntax check of every playbook, and the
# roles' files rendered for the example inventory and checked by the programs that read them: each
# node's icbd.yaml by `icbd serve --check` (against a real ZooKeeper and a data root holding the
# workstations' clones), each host's nftables ruleset by `nft -c`, dnsmasq's by `dnsmasq --test`.
# Usage: ansible/test/check.sh ICBD_JAR   (run by tests/.../AnsibleRolesTest; needs java on JAVA_HOME)
set -euo pipefail
jar=$(readlink -f "$1")
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
java=("${JAVA_HOME:?JAVA_HOME must point at a JDK 21+}/bin/java" -jar "$jar")
work=$(mktemp -d /tmp/icbd-ansible-check.XXXXXX)
zk_pid=""
ensemble_pids=()
cleanup() {
  local rc=$?
  if [[ -n "$zk_pid" ]]; then kill "$zk_pid" 2>/dev/null; wait "$zk_pid" 2>/dev/null || true; fi
  for p in "${ensemble_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export ANSIBLE_LOCAL_TEMP="$work/ansible-local" ANSIBLE_NOCOLOR=1

echo "== ansible-lint --profile production"
ansible-lint --offline --profile production -q || fail "ansible-lint found problems"

echo "== syntax check"
playbooks=(site.yml add-node.yml rolling-upgrade.yml publish-image.yml render.yml)
ansible-playbook --syntax-check -e icbd_new_node=node-b "${playbooks[@]}" >/dev/null 2>"$work/syntax.log" \
  || { cat "$work/syntax.log"; fail "syntax check"; }
echo "syntax ok: ${playbooks[*]}"

echo "== render the example inventory"
zk_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ansible-playbook render.yml -e icbd_render_dir="$work/site" -e icbd_secrets_dir="$work/secrets" \
    -e icbd_data_root="$work/data" -e icbd_zookeeper_connect="127.0.0.1:$zk_port" \
    -e icbd_cluster_secret_file="$work/site/node-a/cluster.secret" >"$work/render.log" \
  || { cat "$work/render.log"; fail "render.yml"; }

# secrets: made once on the controller, the same on every node, never in the inventory
[[ "$(cat "$work/site/node-a/cluster.secret")" == "$(cat "$work/secrets/cluster.secret")" ]] || fail "node-a's cluster secret is not the controller's"
cmp -s "$work/site/node-a/cluster.secret" "$work/site/node-b/cluster.secret" || fail "node-a and node-b have different cluster secrets"
(( $(stat -c %s "$work/secrets/cluster.secret") >= 32 )) || fail "the cluster secret is shorter than 32 characters"
chap=$(cat "$work/secrets/chap-ws01")
grep -q "secret: $chap\$" "$work/site/node-a/icbd.yaml" || fail "ws01's CHAP secret in icbd.yaml is not the one kept on the controller"
if grep -rqF -e "$chap" -e "$(cat "$work/secrets/cluster.secret")" inventory/; then fail "a generated secret ended up in the inventory"; fi
echo "secrets ok: generated on the controller, one cluster secret for every node"

echo "== icbd serve --check of each node's icbd.yaml"
"${java[@]}" zookeeper --listen "127.0.0.1:$zk_port" --data "$work/zk" >"$work/zk.log" 2>&1 &
zk_pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$zk_port") 2>/dev/null && break; sleep 0.2; done
truncate -s 8M "$work/win11.raw"
"${java[@]}" image import "$work/win11.raw" --name win11 --data-root "$work/data" >/dev/null 2>&1
"${java[@]}" image publish win11 --data-root "$work/data" >/dev/null 2>&1
"${java[@]}" clone create --image win11@1 --name ws01 --data-root "$work/data" >/dev/null 2>&1
for node in node-a node-b; do
  out=$("${java[@]}" serve --check --config "$work/site/$node/icbd.yaml" 2>&1) || { echo "$out"; fail "icbd serve --check rejected $node's icbd.yaml"; }
  grep -q "OK, 1 target(s), 1 LUN(s)" <<<"$out" || { echo "$out"; fail "$node's icbd.yaml does not serve the one workstation"; }
  echo "icbd serve --check ok: $node"
done
# the check the role's template task runs must stop a configuration that cannot serve
sed 's/clone: ws01/clone: ws99/' "$work/site/node-a/icbd.yaml" >"$work/bad.yaml"
if out=$("${java[@]}" serve --check --config "$work/bad.yaml" 2>&1); then fail "icbd serve --check accepted a clone that does not exist"; fi
grep -q "ws99" <<<"$out" || { echo "$out"; fail "the check's error does not name the missing clone"; }
echo "icbd serve --check refuses a missing clone: ok"

echo "== nft -c of each host's ruleset, dnsmasq --test"
for host in zk1 node-a node-b boot1; do
  sed "s#/etc/nftables.d/#$work/site/$host/nftables.d/#" "$work/site/$host/nftables.conf" >"$work/$host.nft"
  nft -c -f "$work/$host.nft" || fail "nft rejects $host's ruleset"
  echo "nft ok: $host"
done
grep -q "tcp dport 3270" "$work/site/node-a/nftables.d/30-icbd-node.nft" || fail "node-a does not open replication to node-b"
grep -q "tcp dport 2181" "$work/site/zk1/nftables.d/20-icbd-zookeeper.nft" || fail "zk1 does not open ZooKeeper to the nodes"
if grep -hv '^#' "$work"/site/*/nftables.d/*.nft | grep -q 9261; then fail "a rule opens the admin API"; fi
dnsmasq --test --conf-file="$work/site/boot1/dnsmasq.d/icbd-boot.conf" 2>&1 | grep -q "syntax check OK" || fail "dnsmasq rejects boot1's configuration"
grep -q 'chain http://10.0.0.100:8080/boot?mac=${net0/mac}' "$work/site/boot1/tftp/icbd.ipxe" || fail "the iPXE script does not chain to the boot endpoint on the VIP"
echo "dnsmasq ok: boot1"
echo "== a ZooKeeper ensemble of three, rendered and run on loopback"
# three servers on addresses of 127/8 (one per server, as on three hosts), each started exactly as the
# unit does: --listen ZK_LISTEN and ZK_ENSEMBLE split into words
read -r cport qport eport < <(python3 -c 'import socket
ss=[socket.socket() for _ in range(3)]
[s.bind(("127.0.0.1",0)) for s in ss]; print(*[s.getsockname()[1] for s in ss])')
lo="127.$(( RANDOM % 200 + 20 )).$(( RANDOM % 200 + 20 ))"
mkdir -p "$work/ensemble/inventory"
cat >"$work/ensemble/inventory/hosts.yml" <<EOF
all:
  vars: {icbd_zookeeper_client_port: $cport, icbd_zookeeper_quorum_port: $qport, icbd_zookeeper_election_port: $eport}
  children:
    icbd_zookeeper:
      hosts:
        zk1: {ansible_host: $lo.1, icbd_zookeeper_myid: 1}
        zk2: {ansible_host: $lo.2, icbd_zookeeper_myid: 2}
        zk3: {ansible_host: $lo.3, icbd_zookeeper_myid: 3}
EOF
ansible-playbook -i "$work/ensemble/inventory/hosts.yml" render.yml -e icbd_render_dir="$work/ensemble/site" >"$work/ensemble/render.log" \
  || { cat "$work/ensemble/render.log"; fail "render.yml of a three-server ensemble"; }
grep -qx "ZK_ENSEMBLE=--id 2 --server 1=$lo.1:$qport:$eport --server 2=$lo.2:$qport:$eport --server 3=$lo.3:$qport:$eport" \
  "$work/ensemble/site/zk2/zookeeper.env" || { cat "$work/ensemble/site/zk2/zookeeper.env"; fail "zk2's zookeeper.env does not name the ensemble"; }
grep -q "saddr $lo.1 tcp dport { $qport, $eport } accept" "$work/ensemble/site/zk2/nftables.d/20-icbd-zookeeper.nft" \
  || fail "zk2 does not open the quorum ports to zk1"
if grep -q "saddr $lo.2 tcp dport { $qport" "$work/ensemble/site/zk2/nftables.d/20-icbd-zookeeper.nft"; then fail "zk2 opens the quorum ports to itself"; fi
for i in 1 2 3; do
  env="$work/ensemble/site/zk$i/zookeeper.env"
  listen=$(sed -n 's/^ZK_LISTEN=//p' "$env"); ensemble=$(sed -n 's/^ZK_ENSEMBLE=//p' "$env")
  # shellcheck disable=SC2086 # split like systemd splits an unbraced $ZK_ENSEMBLE
  "${java[@]}" zookeeper --listen "$listen" --data "$work/ensemble/zk$i" $ensemble >"$work/ensemble/zk$i.log" 2>&1 &
  ensemble_pids+=($!)
done
mode() { { exec 3<>"/dev/tcp/$lo.$1/$cport" && echo srvr >&3 && sed -n 's/^Mode: //p' <&3; } 2>/dev/null; }
modes=""
for _ in $(seq 150); do
  modes=$(for i in 1 2 3; do mode "$i" || true; done | sort | tr '\n' ' ')
  [[ $modes == "follower follower leader " ]] && break; sleep 0.4
done
[[ $modes == "follower follower leader " ]] || { tail -5 "$work"/ensemble/zk*.log; fail "the rendered ensemble has no quorum (modes: '$modes')"; }
echo "ensemble ok: three servers from the rendered zookeeper.env, one leader and two followers"
echo "ALL CHECKS PASSED"
