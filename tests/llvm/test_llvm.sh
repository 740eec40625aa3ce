# The llvm backend (docs/llvm.md) end to end through the kiln command: every example compiled
# with --target llvm --emit so runs (kiln run LIB.so) to the C backend's outputs and the
# interpreter's within the examples' tolerance; embedded weights live in a 64-byte aligned
# read-only section of the object and the library runs without a weights file; a library
# builds with no C compiler on PATH; --emit llvm-ir writes the model with its nodes' origins;
# an aarch64 object is produced for --triple aarch64-linux-gnu; `kiln run MODEL --jit` matches the
# interpreter; an unsupported node is named before anything is written.
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"
NPY_TOOL=$1
TOL=1e-5

# check_example NAME PREFIX SYMBOL VALUE [FLAGS...]: the llvm library against the C library and
# the interpreter on the same random inputs.
check_example() {
    local name=$1 prefix=$2 sym=$3 n=$4
    shift 4
    local model="$EX/$name/model.json" out="$TMP/$name-$n"
    expect_ok "$name $sym=$n: llvm --emit so $*" compile "$model" --bind "$sym=$n" --target llvm \
        --emit so -o "$out-llvm" "$@"
    expect_ok "$name $sym=$n: c --emit so" compile "$model" --bind "$sym=$n" --emit so -o "$out-c"
    for t in llvm c; do
        expect_ok "$name $sym=$n: run the $t library" run "$out-$t/lib$prefix.so" --random-inputs 7 \
            --output-dir "$out-$t-y"
    done
    expect_ok "$name $sym=$n: interpreter" run "$model" --interp --bind "$sym=$n" \
        --random-inputs 7 --output-dir "$out-ref"
    check "$name $sym=$n: llvm matches c" "$NPY_TOOL" compare "$out-llvm-y/y.npy" "$out-c-y/y.npy" "$TOL"
    check "$name $sym=$n: llvm matches the interpreter" \
        "$NPY_TOOL" compare "$out-llvm-y/y.npy" "$out-ref/y.npy" "$TOL"
}

check_example mlp mlp batch 1
check_example mlp mlp batch 3 --llvm-opt 0
check_example tiny-glm tiny_glm seq 5
check_example tiny-glm tiny_glm seq 16 --llvm-opt 3 --embed-weights

# --jit: the model file compiled by the llvm backend and run in-process in ORC LLJIT.
expect_ok "tiny-glm seq=5: run --jit" run "$EX/tiny-glm/model.json" --bind seq=5 --jit \
    --random-inputs 7 --output-dir "$TMP/jit-y"
check "tiny-glm seq=5: --jit matches the interpreter" \
    "$NPY_TOOL" compare "$TMP/jit-y/y.npy" "$TMP/tiny-glm-5-ref/y.npy" "$TOL"
expect_fail "--jit refuses a library" "--jit compiles a model file" run \
    "$TMP/tiny-glm-5-llvm/libtiny_glm.so" --jit --random-inputs 7

# Embedded weights: no weights file, a read-only 64-byte aligned section, runs from anywhere.
E="$TMP/tiny-glm-16-llvm"
check "embedded: no weights file written" test ! -e "$E/tiny_glm.weights"
readelf -SW "$E/tiny_glm.o" >"$TMP/sections.txt"
grep -E '\.rodata\.kiln_weights +PROGBITS' "$TMP/sections.txt" >"$TMP/wsec.txt"
check "embedded: the weights section is allocated, not writable" \
    awk '{ f = $(NF-3); a = $NF; exit !(f == "A" && a == 64) }' "$TMP/wsec.txt"

# A C compiler is not needed: PATH holds only the linker.
mkdir -p "$TMP/bin"
ln -s "$(command -v ld.lld-14 || command -v ld)" "$TMP/bin/"
check "no cc on the reduced PATH" sh -c "! PATH='$TMP/bin' command -v cc"
PATH="$TMP/bin" "$KILN" compile "$EX/mlp/model.json" --bind batch=2 --target llvm --emit so \
    -o "$TMP/nocc" >"$STDOUT" 2>"$STDERR" && ok "llvm --emit so without cc" ||
    { bad "llvm --emit so without cc"; show_output; }
expect_ok "the library built without cc runs" run "$TMP/nocc/libmlp.so" --random-inputs 3

# --emit llvm-ir: the model before the runtime is linked, each node's origin as metadata.
expect_ok "--emit llvm-ir" compile "$EX/mlp/model.json" --bind batch=2 --target llvm \
    --emit llvm-ir -o "$TMP/ir"
check "the .ll names the node functions" grep -q "define internal i32 @node_0(" "$TMP/ir/mlp.ll"
check "the .ll has the nodes' origins" grep -qF "(Linear) from $EX/mlp/model.json" "$TMP/ir/mlp.ll"
check "the .ll defines kiln_model" grep -q "^@kiln_model = constant" "$TMP/ir/mlp.ll"
check "--emit llvm-ir writes no object" test ! -e "$TMP/ir/mlp.o"

# Another architecture: the embedded runtime is x86-64 bitcode with x86 SIMD kernels, so an
# aarch64 object is refused with that reason (it was produced before the SIMD runtime landed);
# --emit so refuses a foreign triple.
expect_fail "--triple aarch64-linux-gnu --emit obj is refused" "the runtime kiln embeds is x86-64" \
    compile "$EX/tiny-glm/model.json" --bind seq=4 --target llvm --triple aarch64-linux-gnu \
    --emit obj -o "$TMP/arm"
check "nothing written for the refused triple" test ! -e "$TMP/arm"
expect_fail "--emit so with --triple" "with --triple use --emit obj" compile "$EX/mlp/model.json" \
    --bind batch=2 --target llvm --triple aarch64-linux-gnu --emit so -o "$TMP/arm-so"
expect_fail "an unknown triple" "--triple nonsense-cpu-os" compile "$EX/mlp/model.json" \
    --bind batch=2 --target llvm --triple nonsense-cpu-os --emit obj -o "$TMP/bad-triple"
[ ! -e "$TMP/bad-triple" ] && ok "unknown triple: nothing written" || bad "unknown triple: output"
expect_fail "llvm flags need --target llvm" "need --target llvm" compile "$EX/mlp/model.json" \
    --bind batch=2 --emit obj -o "$TMP/c-obj"

# A node the llvm backend does not render is named with the reason, and nothing is written.
cat >"$TMP/f64.kir" <<'KIR'
kiln.ir 1 graph "f64"

input %x: f64[2, 3]

%y: f64[2, 3] = Softmax(%x) name "sm"

output %y
KIR
expect_fail "unsupported node" \
    "$TMP/f64.kir: node 'sm' (Softmax): the llvm backend does not support this: dtype f64" \
    compile "$TMP/f64.kir" --target llvm --emit so -o "$TMP/f64-out"
[ ! -e "$TMP/f64-out" ] && ok "unsupported node: nothing written" || bad "unsupported: output"
finish
