#!/usr/bin/env bash
# Install what mathpress's browser tests need: Debian's Chromium (plus npm and
# a Java runtime for vnu.jar, if missing) and tests/node_modules from the lock
# file. Idempotent: safe to run on every CI run, from any directory.
set -euo pipefail

tests_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "install_deps: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
fi

# npm ci only when package.json / package-lock.json changed since the last
# install (the stamp lives inside node_modules, so deleting it forces a redo).
cd "$tests_dir"
stamp="node_modules/.mathpress-install-stamp"
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "install_deps: tests/node_modules is up to date"
else
    # --ignore-scripts: vnu-jar's postinstall would try to download a JRE from
    # GitHub when no java is on PATH; we use the system java instead.
    npm ci --no-audit --no-fund --ignore-scripts
    echo "$want" >"$stamp"
fi
