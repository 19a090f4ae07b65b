#!/usr/bin/env bash
# Install what mathpress's browser tests need: Debian's Chromium (plus npm and
# a Java runtime for vnu.jar, if missing) and tests/node_modules from the lock
# file; and what the parity tool (tests/tools/parity.py) needs: Debian's Jekyll
# 4.3, the GitHub Pages plugins Debian packages, minima and kramdown's GFM parser.
# Idempotent: safe to run on every CI run, from any directory.
set -euo pipefail

tests_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
# Real Jekyll for tests/test_parity.py (jekyll_render.rb loads the plugins a site lists, when installed).
jekyll_packages=(jekyll ruby-kramdown-parser-gfm jekyll-theme-minima
    ruby-jekyll-paginate ruby-jekyll-feed ruby-jekyll-seo-tag ruby-jekyll-sitemap
    ruby-jekyll-redirect-from ruby-jekyll-gist ruby-jekyll-include-cache
    ruby-jekyll-relative-links ruby-jekyll-optional-front-matter
    ruby-jekyll-titles-from-headings ruby-jekyll-default-layout
    ruby-jekyll-readme-index ruby-jekyll-mentions ruby-jekyll-avatar
    ruby-jekyll-archives)
for package in "${jekyll_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
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
