#!/usr/bin/env bash
# rsync, which gitlab-ci-local needs to stage a job's files (test/integration/ci-gitlab-local.test.ts
# runs the GitLab example pipeline with it). A system rsync on PATH is used as it is; otherwise
# the Debian packages rsync and libpopt0 are fetched with `apt-get download` (the Debian archive
# through its ordinary client, no root needed, nothing installed system-wide) and unpacked into
# .engine/tools/rsync/ (cached with the engine), behind a wrapper that points the loader at the unpacked library.
# Logs go to stderr; the LAST line of stdout is the directory to put first on PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="$here/.engine/tools/rsync"
log() { echo "[setup-rsync] $*" >&2; }

if command -v rsync >/dev/null 2>&1 && rsync --version >/dev/null 2>&1; then
  dirname "$(command -v rsync)"
  exit 0
fi
mkdir -p "$dir"
exec 9>"$dir/.setup.lock"
flock 9
if [ -x "$dir/bin/rsync" ] && "$dir/bin/rsync" --version >/dev/null 2>&1; then
  log "rsync already unpacked in $dir"
  echo "$dir/bin"
  exit 0
fi
for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { log "no rsync on PATH and no $tool to fetch it: install rsync"; exit 1; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# As root, apt would hand the download to its _apt user, who cannot write into our temp folder.
sandbox=(); [ "$(id -u)" = 0 ] && sandbox=(-o APT::Sandbox::User=root)
log "fetching rsync and libpopt0 with apt-get download"
if ! (cd "$work" && apt-get "${sandbox[@]}" download rsync libpopt0 >&2); then
  # A machine whose package lists were never fetched: fetch them (needs root), then retry once.
  [ "$(id -u)" = 0 ] || { log "apt-get download failed; install rsync"; exit 1; }
  apt-get update -qq >&2
  (cd "$work" && apt-get "${sandbox[@]}" download rsync libpopt0 >&2)
fi
rm -rf "$dir/root"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
lib="$(dirname "$(find "$dir/root" -name 'libpopt.so.0*' -print -quit)")"
mkdir -p "$dir/bin"
cat > "$dir/bin/rsync" <<WRAP
#!/bin/sh
LD_LIBRARY_PATH="$lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$dir/root/usr/bin/rsync" "\$@"
WRAP
chmod +x "$dir/bin/rsync"
# sed reads to the end: `head -1` would close the pipe early, and pipefail would fail on SIGPIPE.
"$dir/bin/rsync" --version | sed -n 1p >&2
echo "$dir/bin"
