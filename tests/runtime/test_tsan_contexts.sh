# Concurrency (issue 14): two threads drive two contexts of one compiled model, each context
# with its own two-thread pool, under ThreadSanitizer: a plain model (the mlp example) and a
# decoder (the tiny Llama checkpoint). tsan_two_contexts.c is the driver; any race report or
# output that differs from a context run alone fails.
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"

cc=${CC:-cc}
echo 'int main(void) { return 0; }' >"$TMP/probe.c"
if ! $cc -fsanitize=thread "$TMP/probe.c" -o "$TMP/probe" 2>"$TMP/probe.log" || ! "$TMP/probe"; then
    echo "$cc cannot build or run -fsanitize=thread programs:"
    cat "$TMP/probe.log"
    exit 1
fi
driver="$KILN_SOURCE_DIR/tests/runtime/tsan_two_contexts.c"
for spec in "mlp:$EX/mlp/model.json:--bind batch=3" "llama:$KILN_SOURCE_DIR/tests/hf/models/llama:"; do
    IFS=: read -r name model flags <<<"$spec"
    out="$TMP/$name"
    # shellcheck disable=SC2086
    expect_ok "$name: compile" compile "$model" $flags -o "$out"
    if ! $cc -std=c11 -Wall -Wextra -Werror -O1 -g -fsanitize=thread -I"$out" -DKM_PREFIX="$name" \
        -DKM_HEADER="\"$name.h\"" "$driver" "$out"/*.c -o "$out/tsan" -lm -lpthread \
        >"$TMP/cc.log" 2>&1; then
        bad "$name: the driver builds with -fsanitize=thread"
        sed 's/^/    /' "$TMP/cc.log" | head -20
        continue
    fi
    if TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$out/tsan" "$out/$name.weights" \
        >"$TMP/run.log" 2>&1; then
        ok "$name: $(tail -n 1 "$TMP/run.log")"
    else
        bad "$name: two contexts under ThreadSanitizer"
        sed 's/^/    /' "$TMP/run.log" | head -40
    fi
done
finish
