#!/usr/bin/env bash
# Base images for docker/Dockerfile where no image registry is reachable (only Debian's
# packages, the Go module proxy and the npm registry): a Debian bookworm minbase made with
# debootstrap, plus this host's Go (GOROOT) and Node (node, npm), committed with buildah
# into local storage. Then build ipcc with them:
#
#   docker/local-bases.sh [--ca FILE]
#   buildah bud --isolation chroot --network host \
#     --build-arg GO_IMAGE=localhost/go-local:bookworm --build-arg NODE_IMAGE=localhost/node-local:bookworm \
#     --build-arg DEBIAN_IMAGE=localhost/deb-local:bookworm -f docker/Dockerfile -t localhost/ipcc:dev .
#
# --ca FILE puts FILE in the images as /etc/ssl/certs/ca-certificates.crt (and
# NODE_EXTRA_CA_CERTS) for networks whose HTTPS goes through an inspecting proxy: npm and
# the Go proxy are reached over HTTPS from inside the build. Needs root, debootstrap and
# buildah (Debian packages); BUILDAH_ARGS defaults to "--storage-driver vfs", which works
# without overlay support. WORK (default /tmp/ipcc-local-bases) keeps the rootfs.
set -euo pipefail
ca=""
while [ $# -gt 0 ]; do
  case $1 in
    --ca) ca=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "local-bases.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
for t in debootstrap buildah go node; do
  command -v "$t" >/dev/null || { echo "local-bases.sh: $t not found" >&2; exit 1; }
done
[ -z "$ca" ] || [ -f "$ca" ] || { echo "local-bases.sh: --ca $ca: no such file" >&2; exit 1; }
read -r -a B <<<"buildah ${BUILDAH_ARGS:---storage-driver vfs}"
work=${WORK:-/tmp/ipcc-local-bases}
mkdir -p "$work"
cd "$work"

if [ ! -x rootfs/bin/sh ]; then
  echo "== debootstrap bookworm (minbase) into $work/rootfs"
  debootstrap --variant=minbase --include=ca-certificates bookworm rootfs http://deb.debian.org/debian
fi
tar --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -C rootfs -cf deb.tar .
extra=()
if [ -n "$ca" ]; then
  mkdir -p ca/etc/ssl/certs && cp "$ca" ca/etc/ssl/certs/ca-certificates.crt
  tar -C ca -cf ca.tar etc
  extra=(ca.tar)
fi

# image NAME FROM TAR... [-- CONFIG ARGS]: FROM plus the tar files, committed as NAME
image() {
  local name=$1 from=$2; shift 2
  local tars=() cfg=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do tars+=("$1"); shift; done
  [ $# -gt 0 ] && { shift; cfg=("$@"); }
  local c
  c=$("${B[@]}" from "$from")
  for t in "${tars[@]}"; do "${B[@]}" add "$c" "$t" /; done
  [ ${#cfg[@]} -eq 0 ] || "${B[@]}" config "${cfg[@]}" "$c"
  "${B[@]}" commit -q "$c" "$name" >/dev/null
  "${B[@]}" rm "$c" >/dev/null
  echo "built $name"
}

path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
image localhost/deb-local:bookworm scratch deb.tar ${extra[@]+"${extra[@]}"} -- --env PATH=$path --cmd /bin/bash

goroot=$(go env GOROOT)
tar -C "$(dirname "$goroot")" -cf go.tar --transform "s,^$(basename "$goroot"),usr/local/go," "$(basename "$goroot")"
image localhost/go-local:bookworm localhost/deb-local:bookworm go.tar -- --env PATH=/usr/local/go/bin:$path

node=$(readlink -f "$(command -v node)")
npmdir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)   # .../node_modules/npm
mkdir -p nodefs/usr/bin nodefs/usr/lib/node_modules
cp "$node" nodefs/usr/bin/node
rm -rf nodefs/usr/lib/node_modules/npm && cp -a "$npmdir" nodefs/usr/lib/node_modules/npm
ln -sf ../lib/node_modules/npm/bin/npm-cli.js nodefs/usr/bin/npm
ln -sf ../lib/node_modules/npm/bin/npx-cli.js nodefs/usr/bin/npx
tar -C nodefs -cf node.tar usr
image localhost/node-local:bookworm localhost/deb-local:bookworm node.tar -- --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
"${B[@]}" images
