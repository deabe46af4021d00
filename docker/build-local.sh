#!/usr/bin/env bash
# Build what docker/Dockerfile builds, without Docker: the web console (npm ci + vite
# build), then a static ipcc binary (CGO_ENABLED=0, -trimpath, stripped) with the console
# embedded, and check that it is static and runs. Uses only the npm registry and the Go
# module proxy (NPM_REGISTRY, GOPROXY as in the Dockerfile's build arguments).
#
#   docker/build-local.sh [-o OUT] [--skip-web] [--rootfs DIR]
#
#   -o OUT        the binary (default bin/ipcc-static)
#   --skip-web    reuse web/dist as it is (it must hold a build: index.html)
#   --rootfs DIR  also lay out the image's files under DIR, as the Dockerfile's last stage
#                 does (usr/local/bin/ipcc, etc/ipcc/ipcc.yaml, etc/passwd, var/lib/ipcc)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$root/bin/ipcc-static skip_web=0 rootfs=""
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift 2 ;;
    --skip-web) skip_web=1; shift ;;
    --rootfs) rootfs=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build-local.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $out in /*) ;; *) out=$PWD/$out ;; esac
version=${VERSION:-$(git -C "$root" describe --tags --always --dirty 2>/dev/null || echo dev)}

if [ "$skip_web" = 0 ]; then
  echo "== web console: npm ci, npm run build"
  (cd "$root/web" && npm ci --no-audit --no-fund ${NPM_REGISTRY:+--registry "$NPM_REGISTRY"} && npm run build)
fi
[ -f "$root/web/dist/index.html" ] || { echo "build-local.sh: web/dist/index.html missing: the console is not built (drop --skip-web)" >&2; exit 1; }

echo "== ipcc: static build ($version)"
mkdir -p "$(dirname "$out")"
(cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$out" ./cmd/ipcc)

# Static: the Go build settings say CGO_ENABLED=0 and the ELF file has no program
# interpreter (a dynamic executable has a PT_INTERP header naming ld-linux).
go version -m "$out" | grep -q 'CGO_ENABLED=0' || { echo "build-local.sh: $out was built with cgo" >&2; exit 1; }
if command -v readelf >/dev/null; then
  if readelf -lW "$out" | grep -q 'INTERP'; then
    echo "build-local.sh: $out is a dynamic executable (it has a program interpreter)" >&2; exit 1
  fi
else
  echo "note: readelf not found; static checked by the build settings only"
fi
"$out" version >/dev/null || { echo "build-local.sh: $out does not run" >&2; exit 1; }
echo "built $out ($(du -h "$out" | cut -f1)), static, console embedded"

if [ -n "$rootfs" ]; then
  install -D -m 0755 "$out" "$rootfs/usr/local/bin/ipcc"
  install -D -m 0644 "$root/docker/ipcc.yaml" "$rootfs/etc/ipcc/ipcc.yaml"
  echo 'ipcc:x:10001:10001:ipcc:/var/lib/ipcc:/sbin/nologin' >"$rootfs/etc/passwd"
  echo 'ipcc:x:10001:' >"$rootfs/etc/group"
  install -d -m 2775 "$rootfs/var/lib/ipcc" "$rootfs/var/lib/ipcc/media"
  install -d -m 1777 "$rootfs/tmp"
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  fi
  echo "image files laid out under $rootfs"
fi
