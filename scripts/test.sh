#!/usr/bin/env bash
# Builds kiln twice, normally (build/) and with AddressSanitizer + UndefinedBehaviorSanitizer
# (build-asan/), and runs the whole test suite on both. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

status=0
for variant in "build" "build-asan -DKILN_SANITIZE=ON"; do
    set -- $variant
    dir=$1
    shift
    echo "== $dir: configure and build"
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
    cmake --build "$dir" -j2
    echo "== $dir: tests"
    if ! ctest --test-dir "$dir" --output-on-failure -j2; then
        echo "== $dir: tests FAILED"
        status=1
    fi
done
if [ $status -eq 0 ]; then echo "== all tests passed (normal and sanitizer builds)"; fi
exit $status
