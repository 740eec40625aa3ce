#!/usr/bin/env bash
# Malformed-input suite: every case folder holds a model that is wrong in one way and a file
# `expect` with the substring kiln's error must contain. The model is the case's model.json,
# model.onnx or model.kir, or its folder model/ (a Hugging Face folder), whichever exists. For
# each case `kiln compile` must exit with status 1, print the expected message, show no
# sanitizer report or internal error, and leave no output folder behind. A case with the file
# `legal` instead is a hostile but valid model (a Concat of 100 inputs): it must compile, with
# no sanitizer report. Cases that need binary files, symlinks, hard links or FIFOs are
# generated into a temporary folder by gen_cases.py. Each compile gets 60 s (a reader that
# blocks on a FIFO fails the case instead of hanging the suite).
set -u

: "${KILN:?KILN must name the kiln binary}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/kiln-malformed.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

mkdir "$TMP/cases"
cp -R "$here/cases/." "$TMP/cases/"
python3 "$here/gen_cases.py" "$TMP/cases" || { echo "gen_cases.py failed"; exit 1; }

passed=0
failed=0
# report NAME PROBLEM: counts the case (PROBLEM empty: it passed)
report() {
    if [ -z "$2" ]; then
        passed=$((passed + 1))
        echo "ok   $1"
    else
        failed=$((failed + 1))
        echo "FAIL $1: $2"
        sed 's/^/     | /' "$TMP/stderr" | head -n 20
    fi
}
for case_dir in "$TMP"/cases/*/; do
    case_dir="${case_dir%/}"
    name="$(basename "$case_dir")"
    model=""
    for m in model.json model.onnx model.kir model; do
        if [ -e "$case_dir/$m" ]; then
            model="$case_dir/$m"
            break
        fi
    done
    rm -rf "$TMP/out"
    if [ -f "$case_dir/legal" ]; then
        timeout 120 "$KILN" compile "$model" -o "$TMP/out" >"$TMP/stdout" 2>"$TMP/stderr"
        status=$?
        problem=""
        if [ "$status" -ne 0 ]; then
            problem="exit status $status, expected 0 (a legal model)"
        elif grep -qE "Sanitizer|runtime error|internal error" "$TMP/stderr"; then
            problem="sanitizer report or internal error"
        fi
        report "$name" "$problem"
        continue
    fi
    [ -f "$case_dir/expect" ] || continue
    expect="$(cat "$case_dir/expect")"
    if [ -z "$expect" ]; then
        report "$name" "the expect file is empty (it would match any message)"
        continue
    fi
    timeout 60 "$KILN" compile "$model" -o "$TMP/out" >"$TMP/stdout" 2>"$TMP/stderr"
    status=$?
    problem=""
    if [ "$status" -ne 1 ]; then
        problem="exit status $status, expected 1"
    elif ! grep -qF -- "$expect" "$TMP/stderr"; then
        problem="stderr lacks: $expect"
    elif grep -qE "Sanitizer|runtime error|internal error" "$TMP/stderr"; then
        problem="sanitizer report or internal error"
    elif [ -e "$TMP/out" ]; then
        problem="output folder left behind"
    fi
    report "$name" "$problem"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
