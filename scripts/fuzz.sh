#!/usr/bin/env bash
# Fuzzes one of kspy's parsers of untrusted input with libFuzzer (and AddressSanitizer).
#   scripts/fuzz.sh TARGET [SECONDS]     targets: iptables-save nft-json ipvs-netlink ipvs-proc cilium-maps xt-info
# Seeds come from Tests/KspyDataplaneTests/Fixtures/fuzz/TARGET (kept small; the tests
# replay it); new interesting inputs go to .build/fuzz-corpus/TARGET, crashes to
# .build/fuzz-crashes/. Add a crash's input to the seed directory once it is fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
target="${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}"
seconds="${2:-60}"
seeds="Tests/KspyDataplaneTests/Fixtures/fuzz/$target"
[ -d "$seeds" ] || { echo "fuzz.sh: no seed directory $seeds" >&2; exit 2; }

# Coverage instrumentation as -sanitize=fuzzer sets it, and libFuzzer without its own
# main(): SwiftPM gives the executable kspy-fuzz's main, which starts libFuzzer's driver.
fuzzer_lib="$(ls /opt/swift/usr/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -1)"
swift build --product kspy-fuzz --scratch-path .build/fuzz \
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,trace-cmp,indirect-calls,inline-8bit-counters,pc-table \
    -Xswiftc -DKSPY_LIBFUZZER -Xlinker "$fuzzer_lib" -Xlinker -lstdc++ >/dev/null
mkdir -p ".build/fuzz-corpus/$target" .build/fuzz-crashes
KSPY_FUZZ_TARGET="$target" .build/fuzz/debug/kspy-fuzz \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix=.build/fuzz-crashes/ ".build/fuzz-corpus/$target" "$seeds"
