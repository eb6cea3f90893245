#!/bin/bash
# Boot one throwaway test host: run by `lab.ts` as
#   ip netns exec <ns> unshare --mount --uts --pid --fork --kill-child boot-host.sh <root> <hostname>
# so it already sits in the host's own network namespace, a private mount namespace (every mount below disappears
# with it), its own hostname and its own PID namespace (sshd becomes PID 1; killing it ends every process of the host).
set -euo pipefail
root=$1
name=$2
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
mkdir -p "$root/run/sshd"
hostname "$name"
exec chroot "$root" /usr/sbin/sshd -D -e
