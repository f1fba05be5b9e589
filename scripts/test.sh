#!/usr/bin/env bash
# Runs kspy's whole test suite. Most tests need root: they create namespaces,
# cgroups, mounts and test pods on the real kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build "$@"
