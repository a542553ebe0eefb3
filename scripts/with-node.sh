#!/usr/bin/env bash
# Runs a command under the project's Node.js (package.json "node", installed by setup-node.sh),
# first on PATH: every npm script goes through it, so tsx, mocha, tsc, npm ci, and what the Pulumi
# engine spawns as `node` from PATH (the language host's program, the dynamic-provider plugin)
# all run under that one version, whichever node started `npm run`.
#   bash scripts/with-node.sh <command> [args...]
set -euo pipefail
bin="$(bash "$(dirname "$0")/setup-node.sh" | tail -1)"
export PATH="$bin:$PATH"
exec "$@"
