#!/bin/sh
# Regenerate tests/data/kramdown_math/*.json from the posts in tests/corpus/.
#
#   sh tests/tools/record_kramdown_math.sh        (from anywhere in the repository)
#
# Needs ruby with kramdown 2.4.0 and kramdown-parser-gfm 1.1.0 (the versions
# GitHub Pages uses; on Debian/Ubuntu: apt-get install ruby-kramdown
# ruby-kramdown-parser-gfm). Old JSON files are removed first so that a post
# deleted from tests/corpus/ does not leave stale data behind. Diagnostics
# (per-post counts, kramdown warnings, Liquid/code notes) go to stderr.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
out="$tests/data/kramdown_math"
mkdir -p "$out"
rm -f "$out"/*.json
# Sorted, so the diagnostics come out in a stable order.
find "$tests/corpus" -mindepth 2 -maxdepth 2 -name '*.md' | LC_ALL=C sort |
    tr '\n' '\0' | xargs -0 ruby "$here/kramdown_math.rb" -o "$out"
