# The embedding example (examples/embed/main.c) built exactly as its README says, run, and its
# printed outputs compared with the reference interpreter on the same input.
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"
NPY_TOOL=$1
CC=${CC:-cc}

cd "$TMP"
expect_ok "compile the mlp for the embed example" compile "$EX/mlp/model.json" --bind batch=2 -o mlp-out
check "build the embed example" $CC -O2 -std=c11 -Wall -Wextra -Werror -Imlp-out \
    "$EX/embed/main.c" mlp-out/*.c -lm -o embed
if ./embed mlp-out/mlp.weights >embed.txt 2>embed.err; then ok "embed runs"; else
    bad "embed runs"
    cat embed.err
fi
check "embed prints two rows" test "$(grep -c '^y\[[01]\]:' embed.txt)" = 2
sed 's/^y\[[0-9]*\]://' embed.txt >embed-values.txt
check "make the embed input" "$NPY_TOOL" pattern x.npy 2 64
expect_ok "interpreter on the same input" run "$EX/mlp/model.json" --interp --input x=x.npy --output-dir ref
check "embed output matches the interpreter" "$NPY_TOOL" compare-text embed-values.txt ref/y.npy 1e-5
check "embed without the generic descriptor" $CC -O2 -Imlp-out "$EX/embed/main.c" \
    $(ls mlp-out/*.c | grep -v '/mlp_model\.c$') -lm -o embed-min
check "embed without the descriptor runs" ./embed-min mlp-out/mlp.weights
check "embed refuses a wrong weights file" sh -c "! ./embed '$EX/mlp/model.json' 2>/dev/null"
cd - >/dev/null
finish
