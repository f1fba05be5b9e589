#!/usr/bin/env bash
# Regenerates Sources/kspy/Link/exec-hot-symbols.order: the functions a `kspy exec POD --
# true` runs, which the release link places next to each other (ld.lld
# --symbol-ordering-file, see Package.swift `hotCodeTogether`). A short-lived command pays
# a page fault for every 64 KiB window of the 20 MB text it touches; grouped, its code
# spans a fraction of the windows. Symbols the file names that no longer exist are
# skipped by the linker (a stale list costs speed, never correctness).
#
# Needs root, a release build (swift build -c release -Xswiftc -static-executable),
# valgrind (callgrind: every function up to pidfd_open, which valgrind does not know)
# and perf (samples of the whole run, including the spawn after pidfd_open).
# Usage: scripts/exec-hot-symbols.sh
set -euo pipefail
cd "$(dirname "$0")/.."

kspy="$(swift build -c release -Xswiftc -static-executable --show-bin-path)/kspy"
out=Sources/kspy/Link/exec-hot-symbols.order
work="$(mktemp -d)"
state="$work/state"
root="kspy-hot-$$/kubepods"
cleanup() {
    "$kspy" testpod delete --all --state-dir "$state" --cgroup-root "$root" >/dev/null 2>&1 || true
    for h in /sys/fs/cgroup/*/; do
        [ -d "$h/kspy-hot-$$" ] && find "$h/kspy-hot-$$" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/pod.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: hot-symbols, namespace: default}
spec:
  terminationGracePeriodSeconds: 0
  containers:
    - name: main
      image: /var/lib/kspy/images/busybox
      command: ["sleep", "3600"]
YAML
"$kspy" testpod apply -f "$work/pod.yaml" --state-dir "$state" --cgroup-root "$root" --network none >/dev/null
uid="$(basename "$state"/pods/*)"
run=("$kspy" exec "$uid" --kspy-state "$state" -- true)

# callgrind: every function executed (until pidfd_open).
cp "$kspy" "$work/kspy" && strip -g "$work/kspy"
valgrind --tool=callgrind --demangle=no --dump-instr=no --compress-strings=no --callgrind-out-file="$work/cg.out" \
    "$work/kspy" exec "$uid" --kspy-state "$state" -- true >/dev/null 2>&1 || true
grep '^fn=' "$work/cg.out" | sed 's/^fn=//' > "$work/callgrind.txt"

# perf: functions sampled over many whole runs (the spawn and the wait included).
perf record -q -g -F 20000 -o "$work/perf.data" -- bash -c "for i in \$(seq 300); do ${run[*]}; done" >/dev/null 2>&1
perf script -i "$work/perf.data" --comm kspy --no-demangle -F ip,sym 2>/dev/null | awk 'NF >= 2 {print $2}' \
    | grep -v '^\[unknown\]$' > "$work/perf.txt" || true

# Mangled names as the symbol table spells them, each once, sorted (the order within
# the group hardly matters; a sorted list changes only where the code did).
nm --defined-only "$kspy" | awk '$2 ~ /[tTwW]/ {print $3}' | sort -u > "$work/defined.txt"
cat "$work/callgrind.txt" "$work/perf.txt" | LC_ALL=C sort -u | grep -Fxf "$work/defined.txt" > "$out"
echo "$(wc -l < "$out") symbols in $out"
