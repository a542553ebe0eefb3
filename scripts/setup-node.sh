#!/usr/bin/env bash
# Installs the Node.js the project runs on, package.json's "node" field, into .node/v<version>/bin
# (git-ignored), from the npm registry: the package node-<os>-<cpu> is the official binary as
# `bin/node` and nothing else (no npm: the machine's npm, a plain JS program, runs under it).
# Whatever node is on PATH only bootstraps this (it reads package.json and runs `npm pack`).
#   - Idempotent and fast: a `node` that already reports the version (in .node/ or on PATH) is reused.
#   - Only linux x64/arm64 are served at the pinned version; elsewhere put that version on PATH.
# Logs go to stderr; the LAST line of stdout is the folder holding that `node`.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="$(node -p "require('$here/package.json').node")"
dir="$here/.node/v$VERSION"

log() { echo "[setup-node] $*" >&2; }
node_ok() { [ -x "$1/node" ] && [ "$("$1/node" --version 2>/dev/null)" = "v$VERSION" ]; }

if node_ok "$dir/bin"; then echo "$dir/bin"; exit 0; fi
onpath="$(command -v node || true)"
if [ -n "$onpath" ] && node_ok "$(dirname "$onpath")"; then echo "$(dirname "$onpath")"; exit 0; fi

case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os="$(uname -s)" ;; esac
case "$(uname -m)" in x86_64 | amd64) cpu=x64 ;; aarch64 | arm64) cpu=arm64 ;; *) cpu="$(uname -m)" ;; esac
pkg="node-$os-$cpu"

mkdir -p "$here/.node"
# The demo, tests and CI may run this at the same moment: one installs, the others wait and reuse it.
exec 9>"$here/.node/.setup.lock"
flock 9
if node_ok "$dir/bin"; then echo "$dir/bin"; exit 0; fi

log "installing Node.js v$VERSION ($pkg@$VERSION from the npm registry)"
w="$(mktemp -d "$here/.node/.install.XXXXXX")"
trap 'rm -rf "$w"' EXIT
npm pack --loglevel=error --pack-destination "$w" "$pkg@$VERSION" >/dev/null \
  || { log "npm pack $pkg@$VERSION failed: no such package for this platform? Put Node.js v$VERSION on PATH instead."; exit 1; }
tar -xzf "$w/$pkg-$VERSION.tgz" -C "$w" package/bin/node package/LICENSE
node_ok "$w/package/bin" || { log "$pkg@$VERSION's bin/node does not report v$VERSION"; exit 1; }
# Moved into place whole, so an interrupted install never leaves a half-written node behind.
rm -rf "$dir"
mv "$w/package" "$dir"
echo "$dir/bin"
