# Helpers shared by kiln's shell tests (sourced). Needs KILN, KILN_SOURCE_DIR and KILN_BINARY_DIR
# in the environment (ctest sets them). Every check prints one line; `finish` prints
# "N passed, N failed" and exits non-zero on any failure.
set -u
: "${KILN:?KILN must name the kiln binary}" "${KILN_SOURCE_DIR:?}" "${KILN_BINARY_DIR:?}"

T_PASS=0
T_FAIL=0
mkdir -p "$KILN_BINARY_DIR/test-tmp"
TMP=$(mktemp -d "$KILN_BINARY_DIR/test-tmp/$(basename "$0" .sh)-XXXXXX")
EX="$KILN_SOURCE_DIR/examples"
STDOUT="$TMP/stdout.txt" # the last kiln run's output
STDERR="$TMP/stderr.txt"

ok() { T_PASS=$((T_PASS + 1)); echo "ok   $1"; }
bad() {
    T_FAIL=$((T_FAIL + 1))
    echo "FAIL $1"
}
show_output() {
    sed 's/^/    stdout: /' "$STDOUT" | head -20
    sed 's/^/    stderr: /' "$STDERR" | head -40
}

# Runs kiln with stdout in $TMP/out, stderr in $TMP/err and the exit status in $RC. A sanitizer
# report or an internal error counts as a crash (RC 99) whatever the status.
run_kiln() {
    "$KILN" "$@" >"$STDOUT" 2>"$STDERR"
    RC=$?
    if grep -qE "Sanitizer|runtime error|internal error|kiln: assertion" "$STDERR"; then RC=99; fi
}

# expect_ok LABEL ARGS...: kiln must exit 0.
expect_ok() {
    local label=$1
    shift
    run_kiln "$@"
    if [ "$RC" -eq 0 ]; then ok "$label"; else
        bad "$label (exit $RC): kiln $*"
        show_output
    fi
}

# expect_fail LABEL SUBSTRING ARGS...: kiln must exit exactly 1 with SUBSTRING on stderr.
expect_fail() {
    local label=$1 want=$2
    shift 2
    run_kiln "$@"
    if [ "$RC" -eq 1 ] && grep -qF -- "$want" "$STDERR"; then ok "$label"; else
        bad "$label (exit $RC, want 1 and '$want'): kiln $*"
        show_output
    fi
}

# check LABEL COMMAND...: the command must succeed.
check() {
    local label=$1
    shift
    if "$@" >"$TMP/check.log" 2>&1; then ok "$label"; else
        bad "$label: $*"
        sed 's/^/    /' "$TMP/check.log" | head -30
    fi
}

finish() {
    echo "$T_PASS passed, $T_FAIL failed"
    if [ "$T_FAIL" -eq 0 ]; then
        rm -rf "$TMP"
        exit 0
    fi
    echo "(files kept in $TMP)"
    exit 1
}
