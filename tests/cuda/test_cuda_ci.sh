# The CUDA backend without a GPU (docs/cuda.md): every example and tiny Hugging Face test model
# compiles with --target cuda --emit so (NVRTC compiles the generated CUDA for sm_90, and any
# NVRTC warning fails the compile), the library links and exports its API, and `kiln run` /
# `kiln generate` on it fail cleanly (exit 1) with the no-device error and the driver's reason;
# unsupported nodes are named before anything is written; --cuda-arch and a missing NVRTC give
# clear errors. Skipped (exit 77) where NVRTC cannot be loaded.
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"
HF="$KILN_SOURCE_DIR/tests/hf/models"
if ! { [ -n "${KILN_NVRTC:-}" ] || [ -e /usr/local/cuda/lib64/libnvrtc.so ] ||
    /sbin/ldconfig -p 2>/dev/null | grep -q libnvrtc.so; }; then
    echo "skip: NVRTC (libnvrtc.so) is not installed (scripts/install-deps.sh)"
    exit 77
fi

# compile_cuda NAME MODEL PREFIX ARGS...: compiles with --target cuda --emit so and checks the
# folder: the .cu and its runtime header, the cubin + PTX file, the library and its symbols.
compile_cuda() {
    local name=$1 model=$2 prefix=$3
    shift 3
    local out="$TMP/$name"
    expect_ok "$name: compile --target cuda --emit so" compile "$model" "$@" --target cuda \
        --emit so -o "$out"
    check "$name: the CUDA source and its device runtime are written" \
        test -s "$out/$prefix.cu" -a -s "$out/krt_cuda_kernels.cuh"
    grep -q "^/\* node '" "$out/$prefix.cu" && ok "$name: the .cu names each node's origin" ||
        bad "$name: the .cu names each node's origin"
    grep -q "const unsigned char ${prefix}_cubin\[" "$out/${prefix}_cubin.c" &&
        grep -q "const char ${prefix}_ptx\[" "$out/${prefix}_cubin.c" &&
        ok "$name: cubin and PTX are embedded" || bad "$name: cubin and PTX are embedded"
    nm -D --defined-only "$out/lib$prefix.so" >"$TMP/syms.txt" 2>&1
    for s in kiln_model "${prefix}_create" "${prefix}_device_error"; do
        grep -qw "$s" "$TMP/syms.txt" && ok "$name: the library exports $s" ||
            bad "$name: the library exports $s"
    done
    # the cubin is an ELF for the GPU: it starts with the ELF magic
    grep -q "_cubin\[[0-9]*\] = {" "$out/${prefix}_cubin.c" &&
        sed -n '/_cubin\[[0-9]/{n;p;q}' "$out/${prefix}_cubin.c" | grep -q "0x7f, 0x45, 0x4c, 0x46" &&
        ok "$name: the cubin is an ELF image" || bad "$name: the cubin is an ELF image"
}

compile_cuda mlp "$EX/mlp/model.json" mlp --bind batch=3
compile_cuda tiny-glm "$EX/tiny-glm/model.json" tiny_glm --bind seq=5
# The CUDA kernels read f32 weights only: llama (bf16) and qwen2 (f16) are compiled with their
# weights widened (--weights f32); at their stored type they are refused, naming the nodes.
for m in glm glm4 gpt2 llama qwen2; do
    compile_cuda "$m" "$HF/$m" "$m" --max-context 64 --weights f32
done
expect_fail "a bf16 checkpoint at its stored type is refused, naming the node" \
    "node 'layers.0.self_attn.q_proj' (Linear): the cuda backend does not support this" \
    compile "$HF/llama" --max-context 64 --target cuda -o "$TMP/llama-bf16"
[ ! -e "$TMP/llama-bf16" ] && ok "nothing written for the refused model" ||
    bad "nothing written for the refused model"

# No driver here: create() fails with KILN_ERR_DEVICE, and kiln says why, exit 1.
expect_fail "run on a CUDA library without a GPU" "cannot create the model: no usable GPU" \
    run "$TMP/mlp/libmlp.so" --random-inputs 1
grep -qE "libcuda\.so\.1|cuInit|CUDA_ERROR" "$STDERR" && ok "run: the driver's reason is given" ||
    { bad "run: the driver's reason is given"; show_output; }
[ ! -e "$TMP/mlp-out" ] && ok "run: no outputs written" || bad "run: no outputs written"
expect_fail "generate on a CUDA decoder without a GPU" "no usable GPU" \
    generate "$TMP/llama/libllama.so" --tokens 1,2,3 -n 2

# A node the CUDA backend cannot render yet is named, with every other such node, and nothing
# is written.
cat >"$TMP/clip.kir" <<'KIR'
kiln.ir 1 graph "clip"

input %x: f32[2, 3]

%y: f32[2, 3] = Relu(%x) name "fine"
%z: f32[2, 3] = Clip(%y) {min = -1.0, max = 1.0} name "clip1"
%w: f32[2, 3] = Clip(%z) {min = -0.5, max = 0.5} name "clip2"

output %w
KIR
expect_fail "unsupported node" \
    "node 'clip1' (Clip): the cuda backend does not support this" \
    compile "$TMP/clip.kir" --target cuda -o "$TMP/clip-out"
grep -qF "node 'clip2' (Clip): the cuda backend does not support this" "$STDERR" &&
    ok "every unsupported node is named" || bad "every unsupported node is named"
grep -q "'fine'" "$STDERR" && bad "a supported node is named" || ok "a supported node is not named"
[ ! -e "$TMP/clip-out" ] && ok "unsupported node: nothing written" || bad "unsupported: output"

# --cuda-arch: another architecture compiles; a malformed one and a non-cuda target are errors.
expect_ok "--cuda-arch sm_80" compile "$EX/mlp/model.json" --bind batch=1 --target cuda \
    --cuda-arch sm_80 -o "$TMP/sm80"
grep -q "the cubin for sm_80" "$TMP/sm80/mlp_cubin.c" && ok "--cuda-arch reaches NVRTC" ||
    bad "--cuda-arch reaches NVRTC"
expect_fail "--cuda-arch malformed" "--cuda-arch 'sm9' is not an architecture name" \
    compile "$EX/mlp/model.json" --bind batch=1 --target cuda --cuda-arch sm9 -o "$TMP/bad-arch"
[ ! -e "$TMP/bad-arch" ] && ok "--cuda-arch malformed: nothing written" || bad "bad arch: output"
expect_fail "--cuda-arch with --target c" "--cuda-arch applies to --target cuda only" \
    compile "$EX/mlp/model.json" --bind batch=1 --cuda-arch sm_90 -o "$TMP/c-arch"

# Without NVRTC: a clear error naming it, nothing written.
KILN_NVRTC=/nonexistent/libnvrtc.so expect_fail "NVRTC missing" \
    "the cuda target needs NVRTC" compile "$EX/mlp/model.json" --bind batch=1 --target cuda \
    -o "$TMP/no-nvrtc"
[ ! -e "$TMP/no-nvrtc" ] && ok "NVRTC missing: nothing written" || bad "NVRTC missing: output"

# --target list names the backend
expect_ok "--target list" compile --target list
grep -qE "^cuda +[^ ]" "$STDOUT" && ok "--target list names cuda" || bad "--target list names cuda"
finish
