#!/bin/bash
# `kiln run` on decoder LLMs (docs/llm.md): for every reference model in tests/hf/models, the
# compiled library's logits for input_ids.npy match transformers' logits.npy within
# 1e-4 x max(1, |ref|); a folder runs compiled (temporary folder) and through the interpreter
# (--interp) with the same result; i32 ids and --random-inputs; and the error cases (too many
# ids, ids outside the vocabulary, wrong dtype or rank, missing input, misplaced flags).
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"
NPY_TOOL=$1
TOL=1e-4
MODELS="$KILN_SOURCE_DIR/tests/hf/models"

# write_ids FILE DESCR ID...: a 1-D .npy of the ids; DESCR is '<i8' or '<i4'.
write_ids() {
    local file=$1 descr=$2
    shift 2
    local width=8
    [ "$descr" = "<i4" ] && width=4
    local dict="{'descr': '$descr', 'fortran_order': False, 'shape': ($#,), }"
    # magic (6) + version (2) + length (2) + dict + padding + '\n' is a multiple of 64
    local len=$(((10 + ${#dict} + 1 + 63) / 64 * 64 - 10))
    {
        printf '\x93NUMPY\x01\x00'
        printf "\\$(printf %03o $((len % 256)))\\$(printf %03o $((len / 256)))"
        printf '%s%*s\n' "$dict" $((len - ${#dict} - 1)) ''
        local v b
        for v in "$@"; do
            for ((b = 0; b < width; b++)); do
                printf "\\$(printf %03o $(((v >> (8 * b)) & 255)))"
            done
        done
    } >"$file"
}

# summary_is SHAPE LABEL: the last run printed the logits summary with SHAPE and the run time.
summary_is() {
    local shape=$1 label=$2
    if grep -qE "^logits: f32\[$shape\] min -?[0-9.]+ max -?[0-9.]+ mean -?[0-9.e+-]+$" "$STDOUT" &&
        grep -qE "^run time: [0-9.]+ ms( \(interpreter\))?$" "$STDOUT"; then ok "$label"; else
        bad "$label"
        show_output
    fi
}

for m in glm glm4 llama qwen2 gpt2; do
    out="$TMP/$m"
    expect_ok "$m: compile --emit so" compile "$MODELS/$m" --max-context 64 --max-prefill 16 \
        --emit so --prefix "$m" -o "$out"
    expect_ok "$m: run library" run "$out/lib$m.so" --input "input_ids=$MODELS/$m/input_ids.npy" \
        --output-dir "$out-run"
    summary_is "16, 512" "$m: summary lines"
    check "$m: library logits match transformers" \
        "$NPY_TOOL" compare "$out-run/logits.npy" "$MODELS/$m/logits.npy" "$TOL"
done

# Folders: compiled into a temporary folder, and through the interpreter's decoder entry.
for m in llama; do
    expect_ok "$m: run folder (compiled)" run "$MODELS/$m" --max-context 64 \
        --input "input_ids=$MODELS/$m/input_ids.npy" --output-dir "$TMP/$m-dir"
    check "$m: folder run matches transformers" \
        "$NPY_TOOL" compare "$TMP/$m-dir/logits.npy" "$MODELS/$m/logits.npy" "$TOL"
done
for m in glm qwen2 gpt2; do
    expect_ok "$m: run folder --interp" run "$MODELS/$m" --interp --max-context 32 \
        --max-prefill 16 --input "input_ids=$MODELS/$m/input_ids.npy" --output-dir "$TMP/$m-int"
    summary_is "16, 512" "$m: interpreter summary lines"
    check "$m: interpreter matches transformers" \
        "$NPY_TOOL" compare "$TMP/$m-int/logits.npy" "$MODELS/$m/logits.npy" "$TOL"
done

# Fewer ids than max_prefill, as i32 and as i64: the library and the interpreter agree.
write_ids "$TMP/ids5_i32.npy" '<i4' 503 12 475 76 68
write_ids "$TMP/ids5_i64.npy" '<i8' 503 12 475 76 68
expect_ok "glm4: run library, 5 i32 ids" run "$TMP/glm4/libglm4.so" \
    --input "input_ids=$TMP/ids5_i32.npy" --output-dir "$TMP/glm4-5"
summary_is "5, 512" "glm4: 5-row summary"
expect_ok "glm4: run --interp, 5 i64 ids" run "$MODELS/glm4" --interp --max-context 16 \
    --input "input_ids=$TMP/ids5_i64.npy" --output-dir "$TMP/glm4-5-int"
check "glm4: 5 ids, library matches interpreter" \
    "$NPY_TOOL" compare "$TMP/glm4-5/logits.npy" "$TMP/glm4-5-int/logits.npy" "$TOL"

# --random-inputs: min(16, max_prefill) seeded ids, the same for the library and a folder.
expect_ok "qwen2: run library --random-inputs" run "$TMP/qwen2/libqwen2.so" --random-inputs 9 \
    --output-dir "$TMP/qwen2-rand"
summary_is "16, 512" "qwen2: random-inputs summary"
expect_ok "qwen2: run --interp --random-inputs" run "$MODELS/qwen2" --interp --max-context 16 \
    --random-inputs 9 --output-dir "$TMP/qwen2-rand-int"
check "qwen2: random ids, library matches interpreter" \
    "$NPY_TOOL" compare "$TMP/qwen2-rand/logits.npy" "$TMP/qwen2-rand-int/logits.npy" "$TOL"
expect_ok "llama: folder --random-inputs, max-prefill 4" run "$MODELS/llama" --interp \
    --max-context 8 --max-prefill 4 --random-inputs 1
summary_is "4, 512" "llama: random-inputs takes min(16, max_prefill) ids"

# Errors.
LIB="$TMP/llama/libllama.so"
write_ids "$TMP/ids17.npy" '<i8' $(seq 1 17)
expect_fail "too many ids (library)" "17 tokens, more than max_prefill 16" \
    run "$LIB" --input "input_ids=$TMP/ids17.npy"
expect_fail "too many ids names --max-prefill" "--max-prefill" \
    run "$LIB" --input "input_ids=$TMP/ids17.npy"
expect_fail "too many ids (folder)" "more than max_prefill 4 (raise it with --max-prefill)" \
    run "$MODELS/llama" --max-context 8 --max-prefill 4 --input "input_ids=$TMP/ids5_i64.npy"
expect_fail "too many ids (folder, --interp)" "more than max_prefill 4" \
    run "$MODELS/llama" --interp --max-context 8 --max-prefill 4 \
    --input "input_ids=$TMP/ids5_i64.npy"
write_ids "$TMP/ids_big.npy" '<i8' 1 2 512 3
expect_fail "id past the vocabulary" "token id 512 at position 2 is outside the vocabulary [0, 512)" \
    run "$LIB" --input "input_ids=$TMP/ids_big.npy"
expect_fail "id past the vocabulary (--interp)" "token id 512 at position 2" \
    run "$MODELS/llama" --interp --max-context 8 --max-prefill 4 \
    --input "input_ids=$TMP/ids_big.npy"
write_ids "$TMP/ids_neg.npy" '<i4' 7 -1
expect_fail "negative id" "token id -1 at position 1" run "$LIB" --input "input_ids=$TMP/ids_neg.npy"
expect_fail "f32 ids" "must be i64[n] or i32[n] token ids, but its file holds f32[16, 512]" \
    run "$LIB" --input "input_ids=$MODELS/llama/logits.npy"
expect_fail "f32 ids (folder)" "must be i64[n] or i32[n]" \
    run "$MODELS/llama" --interp --max-context 8 --input "input_ids=$MODELS/llama/logits.npy"
write_ids "$TMP/ids0.npy" '<i8'
expect_fail "no ids" "input 'input_ids' is empty" run "$LIB" --input "input_ids=$TMP/ids0.npy"
expect_fail "missing input_ids" "input 'input_ids' is missing" run "$LIB"
expect_fail "unknown input name" "positions" run "$LIB" --input "positions=$TMP/ids5_i64.npy"
expect_fail "--max-prefill on a library" "apply to model folders" \
    run "$LIB" --max-prefill 4 --random-inputs 1
expect_fail "--max-prefill on a non-decoder model" "apply to decoder LLMs only" \
    run "$EX/mlp/model.json" --bind batch=1 --max-prefill 4 --random-inputs 1
expect_fail "--max-prefill 0" "--max-prefill" run "$MODELS/llama" --max-prefill 0
expect_fail "--bind on a decoder" "--bind does not apply to a decoder LLM" \
    run "$MODELS/llama" --interp --max-context 8 --bind seq=4 --random-inputs 1

finish
