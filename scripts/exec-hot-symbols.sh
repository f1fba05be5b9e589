#!/usr/bin/env bash
# Regenerates Sources/kspy/Link/exec-hot-symbols.order: the functions a `kspy exec POD --
# true` runs, then the variables it writes, which the release link places next to each
# other (ld.lld --symbol-ordering-file, see Package.swift `hotCodeTogether`). A
# short-lived command pays a page fault for every 64 KiB window of the 20 MB text it
# touches, and one or two (read, then copy-on-write) for every page of .data and .bss
# it writes: the runtime's lazy metadata caches and once-tokens sit in hundreds of
# objects' sections, a few bytes each. Grouped, both span a fraction of the pages.
# Symbols the file names that no longer exist are skipped by the linker (a stale list
# costs speed, never correctness). Rebuild afterwards: SwiftPM does not relink when only
# the list changed (rm the kspy binary first).
#
# Needs root, a release build (swift build -c release -Xswiftc -static-executable),
# valgrind (callgrind: every function up to pidfd_open, which valgrind does not know),
# perf (samples of the whole run, including the spawn after pidfd_open; and the data
# addresses of page faults) and python3.
# Usage: scripts/exec-hot-symbols.sh
set -euo pipefail
cd "$(dirname "$0")/.."

kspy="$(swift build -c release -Xswiftc -static-executable --show-bin-path)/kspy"
out=Sources/kspy/Link/exec-hot-symbols.order
work="$(mktemp -d)"
state="$work/state"
root="kspy-hot-$$/kubepods"
pods="$work/kspy-pods"  # a copy that manages the test pod while the data rounds relink kspy
cp "$kspy" "$pods"
cleanup() {
    "$pods" testpod delete --all --state-dir "$state" --cgroup-root "$root" >/dev/null 2>&1 || true
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
"$pods" testpod apply -f "$work/pod.yaml" --state-dir "$state" --cgroup-root "$root" --network none >/dev/null
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
cat "$work/callgrind.txt" "$work/perf.txt" | LC_ALL=C sort -u | grep -Fxf "$work/defined.txt" > "$work/text.order"
echo "$(wc -l < "$work/text.order") functions"

# Variables: the symbol at each .data/.bss address a run faults on. Only a page's first
# touch faults, so the list grows over relinks until packing them reveals no new one;
# it starts from the previous list's variables that still exist.
nm --defined-only "$kspy" | awk '$2 ~ /[bBdD]/ {print $3}' | sort -u > "$work/variables.txt"
LC_ALL=C sort -u "$out" | grep -Fxf "$work/variables.txt" > "$work/data.order" || true
for round in 1 2 3 4 5 6 7 8 9 10; do
    cat "$work/text.order" "$work/data.order" > "$out"
    rm -f "$kspy"
    swift build -c release -Xswiftc -static-executable --product kspy >/dev/null
    for i in 1 2 3; do
        perf record -q -e page-faults -c 1 -d -o "$work/faults.data" -- "${run[@]}" >/dev/null 2>&1
        perf script -i "$work/faults.data" --comm kspy -F addr 2>/dev/null
    done > "$work/faults.txt"
    before=$(wc -l < "$work/data.order")
    python3 - "$kspy" "$work/faults.txt" "$work/data.order" <<'PY'
import bisect, subprocess, sys
binary, faults, listed = sys.argv[1:4]
sections = []
for line in subprocess.run(["readelf", "-S", "-W", binary], capture_output=True, text=True).stdout.splitlines():
    fields = line.replace("[ ", "[").split()
    if len(fields) > 6 and fields[1] in (".data", ".bss"):
        start = int(fields[3], 16)
        sections.append((start, start + int(fields[5], 16)))
symbols = []
for line in subprocess.run(["nm", "-n", "--defined-only", binary], capture_output=True, text=True).stdout.splitlines():
    fields = line.split(None, 2)
    if len(fields) == 3 and fields[1] in "bBdD":
        symbols.append((int(fields[0], 16), fields[2]))
addresses = [address for address, _ in symbols]
names = set(open(listed).read().split())
for line in open(faults):
    if not line.strip():
        continue
    address = int(line.split()[0], 16)
    if any(start <= address < end for start, end in sections):
        names.add(symbols[bisect.bisect_right(addresses, address) - 1][1])
open(listed, "w").write("".join(name + "\n" for name in sorted(names)))
PY
    [ "$(wc -l < "$work/data.order")" -eq "$before" ] && break
done
cat "$work/text.order" "$work/data.order" > "$out"
echo "$(wc -l < "$work/text.order") functions and $(wc -l < "$work/data.order") variables in $out"
