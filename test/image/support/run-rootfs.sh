#!/usr/bin/env bash
# Runs a command in an image's root filesystem the way a container runtime with
# readOnlyRootFilesystem would: a private mount namespace, the root filesystem bound read-only,
# the given volumes bound over it, a minimal /dev and /proc, the image's working directory, user
# and environment only. The network stays the host's, so loopback ports are reachable from outside.
#
#   run-rootfs.sh ROOTFS USER:GROUP WORKDIR [--env K=V]... [--bind SRC:DST[:ro]]... -- COMMAND [ARG...]
#
# It must start as root (it mounts); the command runs as USER:GROUP with no capabilities. The
# process keeps the pid of this script (every step execs), so signals reach the command.
set -euo pipefail
if [ "${1:-}" != "--in-namespace" ]; then
  exec unshare --mount --propagation private -- "$0" --in-namespace "$@"
fi
shift
root="$1" user="$2" workdir="$3"
shift 3
environment=()
binds=()
while [ "$1" != "--" ]; do
  case "$1" in
    --env) environment+=("$2"); shift 2 ;;
    --bind) binds+=("$2"); shift 2 ;;
    *) echo "run-rootfs.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
shift

# Mount points first (Kubernetes creates them too), then the root goes read-only.
for bind in "${binds[@]}"; do
  IFS=: read -r _ target _ <<< "$bind"
  mkdir -p "$root$target"
done
mkdir -p "$root/dev" "$root/proc"
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
for bind in "${binds[@]}"; do
  IFS=: read -r source target mode <<< "$bind"
  mount --bind "$source" "$root$target"
  if [ "${mode:-}" = ro ]; then mount -o remount,bind,ro "$root$target"; fi
done
mount -t tmpfs -o nosuid,mode=755,size=64k tmpfs "$root/dev"
for device in null zero random urandom; do
  touch "$root/dev/$device"
  mount --bind "/dev/$device" "$root/dev/$device"
done
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"

exec env -i "${environment[@]}" unshare --root="$root" --wd="$workdir" \
  --setgid "${user#*:}" --setuid "${user%%:*}" -- "$@"
