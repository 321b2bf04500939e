#!/usr/bin/env bash
# buildah as the image suite runs it: vfs storage (no overlay or fuse needed) under
# $CDK8S_MESH_CACHE/containers, so images and layers are cached across runs and /var stays clean.
set -euo pipefail
store="${CDK8S_MESH_CACHE:-$HOME/.cache/cdk8s-mesh}/containers"
mkdir -p "$store"
exec buildah --storage-driver vfs --root "$store/storage" --runroot "$store/run" "$@"
