#!/usr/bin/env bash
# Installs actionlint (the GitHub Actions workflow linter) from Go modules into .engine/tools,
# cached: skipped when the binary already reports the pinned version. Prints the binary path on
# its last line. Used by test/integration/ci-workflows-actionlint.test.ts to lint ci/examples/github/*.yml.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="${ACTIONLINT_VERSION:-1.7.12}"
tools="$here/.engine/tools"
bin="$tools/actionlint"
log() { echo "[setup-actionlint] $*" >&2; }

if [ -x "$bin" ] && "$bin" -version 2>/dev/null | head -1 | grep -qx "v\{0,1\}$VERSION"; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { log "go is required to build actionlint"; exit 1; }
mkdir -p "$tools"
log "building actionlint v$VERSION from Go modules"
GOBIN="$tools" go install "github.com/rhysd/actionlint/cmd/actionlint@v$VERSION" >&2
"$bin" -version 2>/dev/null | head -1 | grep -qx "v\{0,1\}$VERSION" || { log "built actionlint does not report $VERSION"; exit 1; }
echo "$bin"
