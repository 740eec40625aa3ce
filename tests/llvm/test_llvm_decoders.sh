# The llvm backend on the tiny Hugging Face decoders of tests/hf/models: each compiled with
# --target llvm --emit so and driven by `kiln generate LIB.so` greedily from the reference
# prompt ids must give exactly the ids transformers generated (reference.json), which the C
# backend's libraries give too (tests/generate); and gpt2 through `kiln generate MODEL_DIR --jit`.
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"
HF="$KILN_SOURCE_DIR/tests/hf/models"

ref_ids() { # MODEL KEY: the ids of "KEY": [..] in MODEL/reference.json, space separated
    grep -o "\"$2\": \[[0-9, ]*\]" "$HF/$1/reference.json" | sed 's/.*\[//; s/\]//; s/,//g'
}

# The llvm backend reads f32 weights only: llama (bf16) and qwen2 (f16) are compiled with their
# weights widened (--weights f32); at their stored type they are refused, naming the nodes.
for m in glm glm4 gpt2 llama qwen2; do
    expect_ok "$m: llvm --emit so" compile "$HF/$m" --target llvm --weights f32 --emit so \
        -o "$TMP/$m"
    lib=$(ls "$TMP/$m"/lib*.so 2>/dev/null | head -n 1)
    expect_ok "$m: generate" generate "$lib" --tokens "$(ref_ids $m prompt_ids | tr ' ' ',')" \
        -n 24 --ids
    want=$(ref_ids $m generated_ids)
    got=$(tail -n 1 "$STDOUT")
    if [ -n "$want" ] && [ "$got" = "$want" ]; then ok "$m: 24 ids match transformers"; else
        bad "$m: 24 ids match transformers"
        echo "    want: $want"
        echo "    got:  $got"
    fi
done

expect_fail "a bf16 checkpoint at its stored type is refused" \
    "the llvm backend does not support this" compile "$HF/llama" --target llvm -o "$TMP/bf16"
[ ! -e "$TMP/bf16" ] && ok "nothing written for the refused model" ||
    bad "nothing written for the refused model"

# --jit: the folder compiled in-process into ORC LLJIT, no library; the same ids.
expect_ok "gpt2: generate --jit" generate "$HF/gpt2" --jit \
    --tokens "$(ref_ids gpt2 prompt_ids | tr ' ' ',')" -n 24 --ids
got=$(tail -n 1 "$STDOUT")
[ "$got" = "$(ref_ids gpt2 generated_ids)" ] && ok "gpt2: --jit ids match transformers" ||
    bad "gpt2: --jit ids match transformers (got $got)"
expect_fail "generate --jit refuses a library" "--jit compiles a model folder" generate \
    "$(ls "$TMP/gpt2"/lib*.so | head -n 1)" --jit --tokens 1,2 -n 2
finish
