#!/usr/bin/env bash
# Every malformed ONNX model must make `kiln compile` exit 1 with its expected message, write no
# output folder, and trigger no sanitizer report.
set -u
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$KILN_SOURCE_DIR/tests/onnx/gen_malformed.py" "$work/cases" || exit 1
fail=0
n=0
while IFS=$'\t' read -r model expect; do
    n=$((n + 1))
    out="$work/out_$n"
    "$KILN" compile "$model" -o "$out" >"$work/stdout" 2>"$work/stderr"
    rc=$?
    if [ "$rc" -ne 1 ]; then
        echo "FAIL $model: exit $rc, expected 1"; cat "$work/stderr"; fail=1
    elif ! grep -qF -- "$expect" "$work/stderr"; then
        echo "FAIL $model: message lacks '$expect':"; cat "$work/stderr"; fail=1
    elif [ -e "$out" ]; then
        echo "FAIL $model: an output folder was written"; fail=1
    elif grep -q "Sanitizer\|runtime error" "$work/stderr"; then
        echo "FAIL $model: sanitizer report"; cat "$work/stderr"; fail=1
    fi
done <"$work/cases/cases.txt"
echo "$n malformed models checked"
exit $fail
