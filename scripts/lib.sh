# Shared by ./icbd, ./run-tests and .ci/run (sourced, not executed).
ICBD_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian packages the tests (and the demo) use.
ICBD_TEST_PACKAGES=(btrfs-progs libiscsi-bin tgt qemu-utils qemu-block-extra qemu-system-x86 ipxe-qemu iproute2 arping bc python3 curl lintian systemd ansible-core ansible-lint nftables dnsmasq-base ipxe)
ICBD_RUN_PACKAGES=(btrfs-progs iproute2 libiscsi-bin)

java_major() {  # java_major /path/to/jdk -> prints the feature version, or nothing
  local home="$1" v
  [[ -x "$home/bin/java" && -x "$home/bin/javac" ]] || return 1
  if [[ -f "$home/release" ]]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
  fi
  [[ -n "$v" ]] || v=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
  [[ -n "$v" ]] && echo "$v"
}

find_jdk() {  # sets JAVA_HOME to a JDK >= 21: $JAVA_HOME first, then the newest under /usr/lib/jvm
  local cand best="" bestv=0 v
  if [[ -n "${JAVA_HOME:-}" ]] && v=$(java_major "$JAVA_HOME") && (( v >= 21 )); then export JAVA_HOME; return 0; fi
  for cand in /usr/lib/jvm/*; do
    [[ -L "$cand" ]] && continue
    v=$(java_major "$cand") || continue
    if (( v >= 21 && v > bestv )); then best="$cand"; bestv=$v; fi
  done
  if [[ -z "$best" ]]; then
    cat >&2 <<'MSG'
icbd needs a JDK 21 or newer and found none (checked $JAVA_HOME and /usr/lib/jvm/*).
Install one, for example:
  apt-get install -y -t trixie openjdk-21-jdk-headless   (Debian 12 with trixie in sources.list)
  or a Temurin JDK 21+ unpacked under /usr/lib/jvm
then run this again (or point JAVA_HOME at it).
MSG
    return 1
  fi
  export JAVA_HOME="$best"
}

ensure_packages() {  # ensure_packages pkg...: installs missing Debian packages as root, else prints the apt-get line
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  (( ${#missing[@]} == 0 )) && return 0
  if [[ $(id -u) -eq 0 ]]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || {
      echo "apt-get install failed for: ${missing[*]}" >&2; return 1; }
  else
    echo "missing Debian packages; install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
}

icbd_jar() { echo "$ICBD_REPO/target-server/target/icbd.jar"; }

build_if_stale() {  # builds the runnable jar through the wrapper when missing or older than any source
  local jar; jar=$(icbd_jar)
  if [[ -f "$jar" ]] && [[ -z $(find "$ICBD_REPO"/{pom.xml,btrfs-driver,cache,failover,target-server} \
        -path '*/target' -prune -o -newer "$jar" -type f \( -name '*.java' -o -name 'pom.xml' -o -path '*/resources/*' \) -print -quit 2>/dev/null) ]]; then
    return 0
  fi
  echo "building icbd (first run or sources changed)..." >&2
  (cd "$ICBD_REPO" && ./mvnw -q -B -DskipTests -pl target-server -am package) >&2
}

# JVM flags every icbd process gets: jnr-ffi (the btrfs ioctls) still uses sun.misc.Unsafe, which
# JDK 23+ warns about on every start unless allowed.
icbd_jvm_opts() {
  if (( $(java_major "$JAVA_HOME") >= 23 )); then echo --sun-misc-unsafe-memory-access=allow; fi
}

# stop_pid PID: TERM, and KILL after 5 s (tgtd ignores TERM while it still has targets)
stop_pid() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# free_port -> a TCP port on 127.0.0.1 nobody listens on now
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_port PORT [TENTHS]: until something accepts on 127.0.0.1:PORT, at most TENTHS x 0.1 s (default 100)
wait_port() {
  for _ in $(seq "${2:-100}"); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
