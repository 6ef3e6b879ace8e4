#!/usr/bin/env bash
# Builds the appliance ISO: appliance-image/out/icbd-appliance.iso, a Debian 13 (trixie) hybrid image
# (BIOS and UEFI, USB stick or CD) with the icbd .deb, openjdk-21-jre-headless, btrfs-progs,
# openssh-server, libiscsi-bin and icbd-install. Needs root (live-build debootstraps a chroot) and
# about 10 minutes of two cores; the .deb is built first when missing.
#   MIRROR=http://deb.debian.org/debian SECURITY_MIRROR=http://deb.debian.org/debian-security appliance-image/build.sh
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
source "$here/../scripts/lib.sh"
[[ $(id -u) -eq 0 ]] || { echo "build.sh: live-build needs root" >&2; exit 1; }
ensure_packages live-build xorriso

# every mirror set explicitly: live-build's default security mirror is not the one apt uses here
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
work="$here/build" out="$here/out"
t0=$SECONDS

deb=$(ls "$ICBD_REPO"/packaging/target/icbd_*_all.deb 2>/dev/null | head -1 || true)
if [[ -z $deb || -n $(find "$ICBD_REPO"/{pom.xml,btrfs-driver,cache,failover,target-server,packaging} -path '*/target' -prune \
        -o -newer "$deb" -type f -print -quit 2>/dev/null) ]]; then
    find_jdk
    echo "== building the .deb" >&2
    (cd "$ICBD_REPO" && ./mvnw -B -q -DskipTests -pl packaging -am package) >&2
    deb=$(ls "$ICBD_REPO"/packaging/target/icbd_*_all.deb | head -1)
fi
echo "== .deb: $deb ($((SECONDS - t0)) s)" >&2

mkdir -p "$work" "$out"
cd "$work"
# mounts a stage left in the chroot (debootstrap's /proc cannot always be unmounted in a container):
# left there, the next stage would copy or squash the host's /proc
unmount_leftovers() {
    { findmnt -rn -o TARGET | grep "^$work/chroot/" || true; } | sort -r | while read -r m; do umount -l "$m"; done
}
unmount_leftovers
# RESUME=1 keeps what the last build finished (after a failure); otherwise start clean but keep the
# package cache (lb clean --all, not --purge)
[[ ${RESUME:-0} == 1 ]] || lb clean --all >/dev/null 2>&1 || true
# the bootstrap stage is cached (cache/bootstrap: a warm build skips debootstrap), but only a cache made
# with these options and holding a bare debootstrap: one build found a finished system there (icbd, Java,
# live-config) and built on it, with none of this configuration's package choices
bootstrap_key="trixie amd64 minbase $MIRROR"
if [[ -d cache/bootstrap ]] && { [[ -e cache/bootstrap/usr/bin/icbd || -e cache/bootstrap/usr/lib/jvm ]] \
        || [[ $(cat cache/bootstrap.key 2>/dev/null) != "$bootstrap_key" ]]; }; then
    echo "== dropping a stale bootstrap cache" >&2
    rm -rf cache/bootstrap
fi
rm -rf config
lb config --distribution trixie --archive-areas main --architectures amd64 \
    --mirror-bootstrap "$MIRROR" --mirror-chroot "$MIRROR" --mirror-binary "$MIRROR" \
    --mirror-chroot-security "$SECURITY_MIRROR" --mirror-binary-security "$SECURITY_MIRROR" \
    --parent-mirror-bootstrap "$MIRROR" --parent-mirror-chroot "$MIRROR" --parent-mirror-binary "$MIRROR" \
    --parent-mirror-chroot-security "$SECURITY_MIRROR" --parent-mirror-binary-security "$SECURITY_MIRROR" \
    --debootstrap-options "--variant=minbase" --apt-indices false \
    --chroot-squashfs-compression-type zstd --chroot-squashfs-compression-level 3 \
    --binary-images iso-hybrid --bootloaders "syslinux,grub-efi" --debian-installer none \
    --firmware-chroot false --firmware-binary false --apt-recommends false \
    --cache-stages bootstrap --memtest none --checksums sha256 --mirror-debian-installer "$MIRROR" \
    --iso-application icbd --iso-volume ICBD --image-name icbd-appliance \
    --bootappend-live "boot=live console=ttyS0,115200n8 console=tty0" \
    >/dev/null
cp -a "$here"/config/. config/
mkdir -p config/packages.chroot
cp "$deb" config/packages.chroot/icbd_all.deb
echo "== lb build (log: $work/build.log)" >&2
# (no lb installer: its copy of the chroot needs the bootstrap cache, and there is no debian-installer)
if ! { lb bootstrap && echo "$bootstrap_key" > cache/bootstrap.key && unmount_leftovers \
        && lb chroot && unmount_leftovers && lb binary; } > build.log 2>&1; then
    tail -40 build.log >&2
    echo "build.sh: lb build failed after $((SECONDS - t0)) s (log: $work/build.log)" >&2
    exit 1
fi
iso=$(ls "$work"/icbd-appliance*.iso | head -1)
mv "$iso" "$out/icbd-appliance.iso"
echo "== $out/icbd-appliance.iso: $(( $(stat -c %s "$out/icbd-appliance.iso") / 1048576 )) MiB, built in $((SECONDS - t0)) s" >&2
