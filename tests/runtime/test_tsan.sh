# The thread pool and the pooled Linear kernels of every table under ThreadSanitizer: builds
# test_runtime_threads.c with the runtime's sources and `cc -fsanitize=thread`, runs it, and
# fails on any data race report or failed check.
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"
SRC=$KILN_SOURCE_DIR
BIN="$TMP/threads-tsan"
if ${CC:-cc} -std=c11 -O1 -g -fsanitize=thread -D_DEFAULT_SOURCE -I"$SRC/runtime" \
    -I"$SRC/include/kiln" -I"$SRC/tests" "$SRC"/runtime/*.c "$SRC/tests/test_util.c" \
    "$SRC/tests/runtime/test_runtime_threads.c" -o "$BIN" -lm -lpthread >"$TMP/cc.log" 2>&1; then
    ok "built with -fsanitize=thread"
else
    bad "build with -fsanitize=thread"
    sed 's/^/    /' "$TMP/cc.log" | head -20
    finish
fi
"$BIN" >"$TMP/run.log" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && ! grep -q "ThreadSanitizer" "$TMP/run.log" &&
    grep -q " 0 failed" "$TMP/run.log"; then
    ok "pool and pooled Linear on every table: no race, every check passed"
else
    bad "under ThreadSanitizer (exit $rc)"
    grep -A12 -m3 "ThreadSanitizer\|FAIL" "$TMP/run.log" | sed 's/^/    /' | head -40
fi
finish
