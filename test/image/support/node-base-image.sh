#!/usr/bin/env bash
# Makes the base image the reconciler Dockerfile builds FROM when no registry is reachable: a
# minimal Debian-like root filesystem taken from this (Debian bookworm) host — the shared libraries
# `ldd` names, a POSIX shell and the few tools npm scripts call, CA certificates — plus Node 24 from
# scripts/ensure-node.sh and this host's npm. Prints the image's tag. The image carries a digest of
# everything it is made of, and is made again only when that changes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
buildah="$here/buildah.sh"
node="$("$here/../../../scripts/ensure-node.sh")"
version="$("$node" --version)"
version="${version#v}"
tag="localhost/node:$version-bookworm-slim"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"

# What npm and its scripts run: a shell, `env` (for #! lines), and what package scripts commonly call.
tools=(sh dash env mkdir rm cp mv ln ls cat chmod chown true)
tool_paths=()
for tool in "${tools[@]}"; do tool_paths+=("$(readlink -f "$(type -P "$tool")")"); done
libraries=()
for binary in "$node" "${tool_paths[@]}"; do
  while read -r library; do libraries+=("$library"); done < <(ldd "$binary" | grep -oE '/[^ ]+' | sort -u)
done
mapfile -t libraries < <(printf '%s\n' "${libraries[@]}" | sort -u)
host_files=(/etc/ssl/certs/ca-certificates.crt /etc/nsswitch.conf)

digest="$( { cat "$0"; echo "$npm_dir"; sha256sum "$node" "${tool_paths[@]}" "${libraries[@]}" "${host_files[@]}";
  (cd "$npm_dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum); } | sha256sum | cut -c1-16)"
label=cdk8s-mesh.base-digest
if [ "$("$buildah" inspect --type image --format "{{index .OCIv1.Config.Labels \"$label\"}}" "$tag" 2>/dev/null)" = "$digest" ]; then
  echo "$tag"; exit 0
fi

echo "making $tag from this host's files and Node $version" >&2
container="$("$buildah" from scratch)"
trap '"$buildah" rm "$container" >/dev/null' EXIT
root="$("$buildah" mount "$container")"
# Debian's merged /usr: /bin, /lib and /lib64 are links into /usr.
mkdir -p "$root"/usr/{bin,lib,lib64,local/bin,local/lib/node_modules} "$root"/{etc/ssl/certs,tmp,root,home/node,var/lib}
for dir in bin lib lib64 sbin; do [ -e "$root/$dir" ] || ln -s "usr/${dir/sbin/bin}" "$root/$dir"; done
chmod 1777 "$root/tmp"
for file in "${libraries[@]}" "${tool_paths[@]}" "${host_files[@]}"; do
  mkdir -p "$root$(dirname "$file")"
  cp -L "$file" "$root$file"
done
for tool in "${tools[@]}"; do
  [ -e "$root/usr/bin/$tool" ] || ln -s "$(readlink -f "$(type -P "$tool")")" "$root/usr/bin/$tool"
done
cp "$node" "$root/usr/local/bin/node"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# The users of the official node images: root and node (1000).
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n' > "$root/etc/group"
chown 1000:1000 "$root/home/node"
"$buildah" umount "$container" >/dev/null
"$buildah" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env NODE_VERSION="$version" \
  --cmd node --label "$label=$digest" "$container"
"$buildah" commit --quiet --rm "$container" "$tag" >/dev/null
trap - EXIT
echo "$tag"
