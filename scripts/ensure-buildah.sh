#!/usr/bin/env bash
# The image builder of `test:image`: Debian's buildah package (vfs storage, chroot isolation: no
# container engine or daemon needed). Installed when missing.
set -euo pipefail
if command -v buildah > /dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
  echo "buildah is not installed: install Debian's buildah package (apt-get install buildah); test:image also needs root" >&2
  exit 1
fi
echo "installing buildah (Debian package) for the image test" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah >&2
