#!/usr/bin/env bash
# Builds kiln twice, normally (build/) and with AddressSanitizer + UndefinedBehaviorSanitizer
# (build-asan/), and runs the whole test suite on both; then builds the libFuzzer targets
# (build-fuzz/, clang) and fuzzes each for a short fixed time (scripts/fuzz.sh all: 18 s each,
# FUZZ_SECONDS to change it, 0 to skip). Exits non-zero if anything fails or a fuzzer finds
# something (saved under fuzz-findings/).
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
fuzz_seconds=${FUZZ_SECONDS:-18}
if [ "$fuzz_seconds" -gt 0 ]; then
    echo "== build-fuzz: every fuzz target for ${fuzz_seconds}s"
    if ! bash scripts/fuzz.sh all "$fuzz_seconds"; then
        echo "== build-fuzz: a fuzz target FAILED (see fuzz-findings/)"
        status=1
    fi
fi
if [ $status -eq 0 ]; then echo "== all tests passed (normal and sanitizer builds, fuzzing)"; fi
exit $status
