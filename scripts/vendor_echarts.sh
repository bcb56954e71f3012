#!/usr/bin/env bash
# Vendor Apache ECharts from its npm package into static/vendor/echarts/ (served locally: no CDN,
# within the CSP). Records the version, the tarball's integrity and the file's sha256 in VERSION.
#   scripts/vendor_echarts.sh            # the version pinned below
#   ECHARTS_VERSION=6.1.0 scripts/vendor_echarts.sh
set -euo pipefail
VERSION="${ECHARTS_VERSION:-6.1.0}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/static/vendor/echarts"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "echarts@$VERSION" >/dev/null
tar -xzf "echarts-$VERSION.tgz"
mkdir -p "$DEST"
cp package/dist/echarts.min.js "$DEST/echarts.min.js"
cp package/LICENSE "$DEST/LICENSE"
cp package/NOTICE "$DEST/NOTICE" 2>/dev/null || true
INTEGRITY="$(npm view "echarts@$VERSION" dist.integrity)"
{
  echo "package: echarts"
  echo "version: $VERSION"
  echo "source: https://registry.npmjs.org/echarts/-/echarts-$VERSION.tgz"
  echo "integrity: $INTEGRITY"
  echo "file: dist/echarts.min.js"
  echo "sha256: $(sha256sum "$DEST/echarts.min.js" | cut -d' ' -f1)"
} > "$DEST/VERSION"
cat "$DEST/VERSION"
