#!/usr/bin/env bash
# The image tools of `test:image`, Debian packages installed when missing: buildah (vfs storage,
# chroot isolation: no container engine or daemon needed) builds the images, and debootstrap makes
# the Debian base the proxy-init image builds FROM when no registry is reachable.
set -euo pipefail
missing=()
for tool in buildah debootstrap; do
  command -v "$tool" > /dev/null || missing+=("$tool")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
  echo "missing ${missing[*]}: install Debian's packages (apt-get install ${missing[*]}); test:image also needs root" >&2
  exit 1
fi
echo "installing ${missing[*]} (Debian packages) for the image test" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
