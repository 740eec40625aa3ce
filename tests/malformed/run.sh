#!/usr/bin/env bash
# Malformed-input suite: every case folder holds a model that is wrong in one way and a file
# `expect` with the substring kiln's error must contain. For each case `kiln compile` must exit
# with status 1, print the expected message, show no sanitizer report or internal error, and
# leave no output folder behind. Cases that need binary files or symlinks are generated into a
# temporary folder by gen_cases.py.
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
for case_dir in "$TMP"/cases/*/; do
    case_dir="${case_dir%/}"
    name="$(basename "$case_dir")"
    [ -f "$case_dir/expect" ] || continue
    expect="$(cat "$case_dir/expect")"
    rm -rf "$TMP/out"
    "$KILN" compile "$case_dir/model.json" -o "$TMP/out" >"$TMP/stdout" 2>"$TMP/stderr"
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
    if [ -z "$problem" ]; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name: $problem"
        sed 's/^/     | /' "$TMP/stderr" | head -n 20
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
