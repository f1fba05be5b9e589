#!/usr/bin/env bash
# Generates shell completions (completions/) and man pages (man/) from kspy's
# ArgumentParser definitions. With --check, generates into a temporary directory and
# fails when the committed files differ (they are stale: run scripts/docs.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
[ "${1:-}" = "--check" ] && check=true

swift build --product kspy >/dev/null
swift build --product generate-manual >/dev/null
bin="$(swift build --show-bin-path)"

out_completions=completions
out_man=man
if $check; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    out_completions="$tmp/completions"
    out_man="$tmp/man"
fi
mkdir -p "$out_completions" "$out_man"
rm -f "$out_man"/*.1

"$bin/kspy" --generate-completion-script bash >"$out_completions/kspy.bash"
"$bin/kspy" --generate-completion-script zsh >"$out_completions/_kspy"
"$bin/kspy" --generate-completion-script fish >"$out_completions/kspy.fish"
# A fixed date keeps the pages reproducible, so the check compares content only.
"$bin/generate-manual" "$bin/kspy" --multi-page --date 2026-01-01 \
    --authors "the kspy developers" --output-directory "$out_man" >/dev/null

if $check; then
    if ! diff -ru completions "$out_completions" || ! diff -ru man "$out_man"; then
        echo "completions/ or man/ are stale: run scripts/docs.sh and commit the result" >&2
        exit 1
    fi
    echo "completions and man pages are current"
fi
