# End to end on the example models: the compiled library (kiln run LIB.so) must match the
# reference interpreter (kiln run MODEL --interp) within 1e-5 x max(1, |ref|) for several
# bindings, through random inputs and through --input files; plus run's error messages.
. "$(dirname "$0")/lib.sh"
NPY_TOOL=$1
TOL=1e-5

# check_example NAME PREFIX SYMBOL VALUE: compile, run both ways, compare.
check_example() {
    local name=$1 prefix=$2 sym=$3 n=$4
    local model="$EX/$name/model.json" out="$TMP/$name-$n"
    expect_ok "$name $sym=$n: compile --emit so" compile "$model" --bind "$sym=$n" --emit so -o "$out"
    expect_ok "$name $sym=$n: run library" run "$out/lib$prefix.so" --random-inputs 7 \
        --output-dir "$out-so"
    grep -qE "^y: f32\[$n, [0-9]+\] min -?[0-9.]+ max -?[0-9.]+ mean -?[0-9.]+$" "$STDOUT" &&
        grep -qE "^run time: [0-9.]+ ms$" "$STDOUT" && ok "$name $sym=$n: summary lines" ||
        { bad "$name $sym=$n: summary lines"; show_output; }
    expect_ok "$name $sym=$n: run --interp" run "$model" --interp --bind "$sym=$n" \
        --random-inputs 7 --output-dir "$out-ref"
    check "$name $sym=$n: library matches interpreter" \
        "$NPY_TOOL" compare "$out-so/y.npy" "$out-ref/y.npy" "$TOL"
}

check_example mlp mlp batch 1
check_example mlp mlp batch 3
check_example tiny-glm tiny_glm seq 1
check_example tiny-glm tiny_glm seq 5
check_example tiny-glm tiny_glm seq 16

# A model file run without --interp is compiled into a temporary folder and run from there.
expect_ok "mlp: run model (compiled)" run "$EX/mlp/model.json" --bind batch=3 --random-inputs 7 \
    --output-dir "$TMP/mlp-3-tmp"
check "mlp: compiled run matches interpreter" \
    "$NPY_TOOL" compare "$TMP/mlp-3-tmp/y.npy" "$TMP/mlp-3-ref/y.npy" "$TOL"

# --input: tiny-glm's output has its input's shape, so feed one run's output to the next.
X="$TMP/tiny-glm-5-ref/y.npy"
expect_ok "tiny-glm: run library with --input" run "$TMP/tiny-glm-5/libtiny_glm.so" \
    --input "x=$X" --output-dir "$TMP/in-so"
expect_ok "tiny-glm: run --interp with --input (binds seq)" run "$EX/tiny-glm/model.json" \
    --interp --input "x=$X" --output-dir "$TMP/in-ref"
check "tiny-glm: --input results match" \
    "$NPY_TOOL" compare "$TMP/in-so/y.npy" "$TMP/in-ref/y.npy" "$TOL"
expect_ok "tiny-glm: run model compiled with --input" run "$EX/tiny-glm/model.json" \
    --input "x=$X" --output-dir "$TMP/in-tmp"
check "tiny-glm: compiled --input run matches" \
    "$NPY_TOOL" compare "$TMP/in-tmp/y.npy" "$TMP/in-ref/y.npy" "$TOL"

# Errors of run.
expect_fail "wrong input shape for a library" "$X: input 'x' must be f32[3, 64], but the file holds f32[5, 256]" \
    run "$TMP/mlp-3/libmlp.so" --input "x=$X"
expect_fail "wrong input shape for a model" "$TMP/mlp-3-ref/y.npy: input 'x' must be f32[3, 64], but the file holds f32[3, 10]" \
    run "$EX/mlp/model.json" --interp --input "x=$TMP/mlp-3-ref/y.npy" --bind batch=3
expect_fail "input not given" "input 'x' (f32[3, 64]) not given" run "$TMP/mlp-3/libmlp.so"
expect_fail "unknown input name" "the model has no input of that name" \
    run "$TMP/mlp-3/libmlp.so" --input "z=$X"
expect_fail "input given twice" "given twice" \
    run "$TMP/mlp-3/libmlp.so" --input "x=$X" --input "x=$X"
expect_fail "random input of unknown size" "has an unknown size" \
    run "$EX/mlp/model.json" --interp --random-inputs 1
expect_fail "--bind of a missing symbol" "the model has no symbol 'bogus'" \
    run "$EX/mlp/model.json" --interp --bind bogus=2 --random-inputs 1
expect_fail "not a .npy input" "not a .npy file" run "$TMP/mlp-3/libmlp.so" \
    --input "x=$EX/mlp/model.json"
expect_fail "not a kiln library" "cannot load the library" run "$TMP/nothing.so"
cp "$TMP/mlp-3/libmlp.so" "$TMP/moved.so"
expect_fail "weights file missing" "cannot create the model" run "$TMP/moved.so" --random-inputs 1
finish
