#!/usr/bin/env bash
# Screenshots of pages written by `quotekit render` (or any HTML file), taken
# with headless Chromium: one PNG per page.
#
#   scripts/screenshot.sh OUT_DIR PAGE.html [PAGE.html ...]
#
# Needs Chromium; this script installs nothing. On Debian or Ubuntu:
#   sudo apt-get install chromium        (or chromium-browser)
# Elsewhere, set CHROMIUM to the browser's path. WIDTH and HEIGHT set the
# window size in CSS pixels (default 1280 x 900).
set -euo pipefail

if [ "$#" -lt 2 ]; then
    echo "usage: $0 OUT_DIR PAGE.html [PAGE.html ...]" >&2
    exit 2
fi
out=$1
shift
browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
    for b in chromium chromium-browser google-chrome; do
        if command -v "$b" >/dev/null 2>&1; then
            browser=$b
            break
        fi
    done
fi
if [ -z "$browser" ]; then
    echo "error: no Chromium found; install it (Debian: apt-get install chromium) or set CHROMIUM" >&2
    exit 1
fi
mkdir -p "$out"
width=${WIDTH:-1280}
height=${HEIGHT:-900}
for page in "$@"; do
    if [ ! -f "$page" ]; then
        echo "error: $page: no such file" >&2
        exit 1
    fi
    name=$(echo "$page" | sed 's|^\./||; s|/|-|g; s|\.html$||')
    png="$out/$name.png"
    # --no-sandbox: headless runs as root in containers; the pages are local files.
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --window-size="$width,$height" --screenshot="$png" \
        "file://$(realpath "$page")" >/dev/null 2>&1
    echo "$png"
done
