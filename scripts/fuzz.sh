#!/usr/bin/env bash
# Runs kiln's libFuzzer targets (tests/fuzz/, docs/reliability.md).
#
#   scripts/fuzz.sh TARGET [SECONDS]   fuzz one target (default 60 s)
#   scripts/fuzz.sh all [SECONDS]      fuzz every target in turn (default 18 s each: the CI run)
#   scripts/fuzz.sh list               the target names
#
# Builds build-fuzz/ (clang, -DKILN_FUZZ=ON) when needed. Each target starts from its committed
# seeds (tests/fuzz/corpus/TARGET) plus what earlier runs here found (build-fuzz/fuzz-work/,
# never committed). A finding (crash, sanitizer report, leak, timeout, out-of-memory) is
# minimized and saved under fuzz-findings/TARGET/ (ignored by git), and the script exits 1.
# Replay one with: build-fuzz/fuzz_TARGET fuzz-findings/TARGET/FILE
# Every run appends "TARGET SECONDS EXECS" to build-fuzz/fuzz-work/time.log, which is where the
# CPU time figures of docs/reliability.md come from. FUZZ_JOBS=N runs N workers (-fork=N).
set -uo pipefail
cd "$(dirname "$0")/.."

targets=(json_model safetensors onnx kir hf_config tokenizer npy pipeline serve_request)
build=build-fuzz
work=$build/fuzz-work
findings=fuzz-findings

usage() {
    echo "usage: scripts/fuzz.sh TARGET|all|list [SECONDS]" >&2
    echo "targets: ${targets[*]}" >&2
    exit 2
}

[ $# -ge 1 ] || usage
what=$1
if [ "$what" = list ]; then printf '%s\n' "${targets[@]}"; exit 0; fi
if [ "$what" = all ]; then seconds=${2:-18}; else seconds=${2:-60}; fi
[[ "$seconds" =~ ^[0-9]+$ ]] || usage
if [ "$what" != all ] && [[ " ${targets[*]} " != *" $what "* ]]; then usage; fi

configure() {
    if [ ! -f "$build/CMakeCache.txt" ]; then
        CC=${FUZZ_CC:-clang} cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DKILN_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null || exit 1
    fi
}

# fuzz TARGET SECONDS: 0 when the target ran clean, 1 on a finding.
fuzz() {
    local t=$1 secs=$2
    local corpus=$work/$t/corpus out=$findings/$t
    mkdir -p "$corpus" "$out" "$work/$t/artifacts"
    cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
    local args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$work/$t/artifacts/")
    [ -f "tests/fuzz/$t.dict" ] && args+=(-dict="tests/fuzz/$t.dict")
    [ -n "${FUZZ_JOBS:-}" ] && args+=(-fork="$FUZZ_JOBS" -ignore_crashes=0)
    local log=$work/$t/last.log
    echo "== fuzz $t: ${secs}s"
    "$build/fuzz_$t" "${args[@]}" "$corpus" >"$log" 2>&1
    local rc=$?
    local execs
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    echo "$t $secs ${execs:-?}" >>"$work/time.log"
    local found=()
    for f in "$work/$t/artifacts"/*; do [ -f "$f" ] && found+=("$f"); done
    if [ $rc -eq 0 ] && [ ${#found[@]} -eq 0 ]; then
        echo "   ok: ${execs:-?} inputs, no finding"
        return 0
    fi
    echo "   FINDING in $t (exit $rc); the report:"
    grep -E "ERROR|SUMMARY|runtime error|assertion|internal error|Test unit written" "$log" |
        head -n 12 | sed 's/^/   | /'
    for f in "${found[@]}"; do
        local name
        name=$(basename "$f")
        # Minimize for at most 30 s; keep the original when that fails (a timeout or leak does
        # not always reproduce under -minimize_crash).
        if "$build/fuzz_$t" -minimize_crash=1 -max_total_time=30 -timeout=10 \
            -exact_artifact_path="$out/$name.min" "$f" >"$out/$name.minimize.log" 2>&1 ||
            [ -s "$out/$name.min" ]; then :; fi
        mv "$f" "$out/$name"
        echo "   saved $out/$name${out:+ (minimized: $out/$name.min when it reproduced)}"
    done
    cp "$log" "$out/last.log"
    return 1
}

configure
if [ "$what" = all ]; then
    cmake --build "$build" -j"${FUZZ_BUILD_JOBS:-2}" --target fuzz_all >/dev/null || exit 1
    status=0
    for t in "${targets[@]}"; do fuzz "$t" "$seconds" || status=1; done
    [ $status -eq 0 ] && echo "== fuzz: every target ran ${seconds}s with no finding"
    exit $status
fi
cmake --build "$build" -j"${FUZZ_BUILD_JOBS:-2}" --target "fuzz_$what" >/dev/null || exit 1
fuzz "$what" "$seconds"
