#!/usr/bin/env bash
# Makes the base image the proxy-init Dockerfile builds FROM when no registry is reachable: Debian
# bookworm's minimal base system, installed by debootstrap from the Debian archive this host's apt
# uses, then thinned as the official slim image is (no documentation, manuals, locales or package
# lists). Prints the image's tag. The image is made again only when this script changes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
buildah="$here/buildah.sh"
suite=bookworm
tag="localhost/debian:$suite-slim"
mirror="$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
mirror="${mirror:-http://deb.debian.org/debian}"

digest="$( { cat "$0"; echo "$mirror"; } | sha256sum | cut -c1-16)"
label=cdk8s-mesh.base-digest
if [ "$("$buildah" inspect --type image --format "{{index .OCIv1.Config.Labels \"$label\"}}" "$tag" 2>/dev/null)" = "$digest" ]; then
  echo "$tag"; exit 0
fi

echo "making $tag with debootstrap from $mirror" >&2
container="$("$buildah" from scratch)"
trap '"$buildah" rm "$container" >/dev/null' EXIT
root="$("$buildah" mount "$container")"
debootstrap --variant=minbase "$suite" "$root" "$mirror" > "$root.debootstrap.log" 2>&1 \
  || { cat "$root.debootstrap.log" >&2; exit 1; }
rm -f "$root.debootstrap.log"
rm -rf "$root"/usr/share/{doc,man,info,locale}/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
"$buildah" umount "$container" >/dev/null
"$buildah" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash --label "$label=$digest" "$container"
"$buildah" commit --quiet --rm "$container" "$tag" >/dev/null
trap - EXIT
echo "$tag"
