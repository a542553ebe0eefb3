#!/usr/bin/env bash
# Builds the Pulumi engine offline from Go modules (no get.pulumi.com, no release pages):
#   - the CLI from github.com/pulumi/pulumi/pkg/v3 at PULUMI_CLI_VERSION;
#   - the Node language host from github.com/pulumi/pulumi/sdk/v3 at PULUMI_NODE_HOST_VERSION
#     (the last sdk/v3 release that still carried it as a package; its own module is not served);
#   - the dynamic-provider plugin script `pulumi-resource-pulumi-nodejs` beside them.
# Cached and idempotent: a second run only checks the versions the binaries report.
# Prints the bin folder on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
versions() { node -p "require('$here/package.json').engine.$1"; }
CLI_VERSION="${PULUMI_CLI_VERSION:-$(versions pulumiCli)}"
HOST_VERSION="${PULUMI_NODE_HOST_VERSION:-$(versions nodeLanguageHost)}"
bin="$here/.engine/cli-v$CLI_VERSION-host-v$HOST_VERSION/bin"
mkdir -p "$bin"

log() { echo "[setup-engine] $*" >&2; }

cli_ok() { [ -x "$1" ] && [ "$("$1" version 2>/dev/null)" = "v$CLI_VERSION" ]; }
host_ok() { [ -x "$bin/pulumi-language-nodejs" ] && [ -f "$bin/.host-v$HOST_VERSION" ]; }

if ! cli_ok "$bin/pulumi"; then
  onpath="$(command -v pulumi || true)"
  if [ -n "$onpath" ] && cli_ok "$onpath"; then
    log "reusing pulumi v$CLI_VERSION from $onpath"
    ln -sf "$onpath" "$bin/pulumi"
  else
    log "building pulumi CLI v$CLI_VERSION from Go modules (cold: ~5 min)"
    w="$(mktemp -d)"
    trap 'rm -rf "$w"' EXIT
    cat > "$w/go.mod" <<MOD
module vaultmigration/enginebuild

go 1.24

require (
	github.com/pulumi/pulumi/pkg/v3 v$CLI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$CLI_VERSION
)

// pkg/v3's own go.mod carries this replace; go does not inherit replaces from dependencies.
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
    cat > "$w/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
    (cd "$w" && go mod tidy >&2 && go build -o "$bin/pulumi" \
      -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$CLI_VERSION" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2)
    rm -rf "$w"; trap - EXIT
    cli_ok "$bin/pulumi" || { log "built CLI does not report v$CLI_VERSION"; exit 1; }
  fi
fi

if ! host_ok; then
  log "building pulumi-language-nodejs from sdk/v3 v$HOST_VERSION (~1 min)"
  w="$(mktemp -d)"
  trap 'rm -rf "$w"' EXIT
  cat > "$w/go.mod" <<MOD
module vaultmigration/hostbuild

go 1.24

require github.com/pulumi/pulumi/sdk/v3 v$HOST_VERSION
MOD
  cat > "$w/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
GO
  (cd "$w" && go mod tidy >&2 && go build -o "$bin/pulumi-language-nodejs" \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$HOST_VERSION" \
    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs >&2)
  rm -rf "$w"; trap - EXIT
  touch "$bin/.host-v$HOST_VERSION"
fi

# The dynamic-provider plugin is the SDK's own four-line script (nodejs/dist/ in sdk/v3).
if [ ! -x "$bin/pulumi-resource-pulumi-nodejs" ]; then
  dist="$(cd "$(mktemp -d)" && printf 'module x\ngo 1.24\nrequire github.com/pulumi/pulumi/sdk/v3 v%s\n' "$HOST_VERSION" > go.mod \
    && go mod download -json github.com/pulumi/pulumi/sdk/v3@v$HOST_VERSION | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')/nodejs/dist"
  cp "$dist/pulumi-resource-pulumi-nodejs" "$bin/pulumi-resource-pulumi-nodejs"
fi
chmod +x "$bin/pulumi-resource-pulumi-nodejs"
echo "$bin"
