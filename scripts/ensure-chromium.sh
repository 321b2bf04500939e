#!/usr/bin/env bash
# The browser of the observatory's browser test: Debian's chromium package (playwright-core drives
# it; no browser is downloaded). Installed when missing; CHROMIUM_BIN names another binary.
set -euo pipefail
chromium="${CHROMIUM_BIN:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  exit 0
fi
if [ -n "${CHROMIUM_BIN:-}" ] || [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
  echo "no Chromium at $chromium: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_BIN" >&2
  exit 1
fi
echo "installing chromium (Debian package) for the observatory's browser test" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
