#!/usr/bin/env bash
# Build (once) the Debian 12 root filesystem that the host tests boot as a throwaway "VPS".
#
# Idempotent: when the cache holds a complete rootfs built with the same package list, it is reused and nothing is
# downloaded. Otherwise debootstrap builds a fresh one into a temporary folder beside the cache and moves it into place
# only when it is complete, so an interrupted build never leaves a half rootfs behind.
#
#   SKIPPER_ROOTFS         where the rootfs lives   (default /var/cache/skipper-test/rootfs-bookworm)
#   SKIPPER_DEBIAN_MIRROR  Debian mirror to use      (default: the first deb.debian.org-style URI apt uses here)
#
# Needs root and the `debootstrap` package (see .ci/apt-packages.txt).
set -euo pipefail

ROOTFS="${SKIPPER_ROOTFS:-/var/cache/skipper-test/rootfs-bookworm}"
SUITE=bookworm
# What a small VPS image has that the host scripts rely on. systemd provides `systemctl` (checked by preflight);
# sudo lets the tests try a non-root SSH user.
PACKAGES="openssh-server,iproute2,procps,curl,ca-certificates,sudo,systemd"
STAMP="$ROOTFS/.skipper-rootfs"
WANT="suite=$SUITE packages=$PACKAGES"

if [ "$(id -u)" -ne 0 ]; then
  echo "prepare-rootfs: must run as root (debootstrap and chroot need it); run: sudo $0" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  echo "prepare-rootfs: debootstrap is missing; install it: apt-get install -y debootstrap" >&2
  exit 1
fi

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  echo "prepare-rootfs: reusing $ROOTFS"
  exit 0
fi

mirror_from_apt() {
  local uri
  uri="$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -m1 '/debian/\?$' || true)"
  if [ -z "$uri" ]; then
    uri="$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -m1 '/debian/\?$' || true)"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}
MIRROR="${SKIPPER_DEBIAN_MIRROR:-$(mirror_from_apt)}"

parent="$(dirname "$ROOTFS")"
mkdir -p "$parent"
work="$(mktemp -d "$parent/.rootfs-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "prepare-rootfs: debootstrap $SUITE from $MIRROR into $ROOTFS (takes a few minutes once)"
start=$(date +%s)
log="$ROOTFS.debootstrap.log"
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$work" "$MIRROR" >"$log" 2>&1 || {
  echo "prepare-rootfs: debootstrap failed; last lines of $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
}
# Every test host gets its own host keys; none are baked into the shared image.
rm -f "$work"/etc/ssh/ssh_host_*
# Keep the image small: package caches are not needed by the tests.
rm -rf "$work"/var/cache/apt/archives/*.deb "$work"/var/lib/apt/lists/*
echo "$WANT" >"$work/.skipper-rootfs"

rm -rf "$ROOTFS"
mv "$work" "$ROOTFS"
trap - EXIT
echo "prepare-rootfs: built $ROOTFS in $(( $(date +%s) - start )) s"
