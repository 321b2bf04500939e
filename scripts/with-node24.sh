#!/usr/bin/env bash
# Runs a command with Node 24 LTS first on PATH: scripts/with-node24.sh npx jest test/model
set -euo pipefail
[ "$#" -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }
node="$("$(dirname "$0")/ensure-node.sh")"
PATH="$(dirname "$node"):$PATH" exec "$@"
