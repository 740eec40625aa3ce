# The llvm backend on the tiny Hugging Face decoders of tests/hf/models: each compiled with
# --target llvm --emit so and driven by `kiln generate LIB.so` greedily from the reference
# prompt ids must give exactly the ids transformers generated (reference.json), which the C
# backend's libraries give too (tests/generate).
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"
HF="$KILN_SOURCE_DIR/tests/hf/models"

ref_ids() { # MODEL KEY: the ids of "KEY": [..] in MODEL/reference.json, space separated
    grep -o "\"$2\": \[[0-9, ]*\]" "$HF/$1/reference.json" | sed 's/.*\[//; s/\]//; s/,//g'
}

for m in glm glm4 gpt2 llama qwen2; do
    expect_ok "$m: llvm --emit so" compile "$HF/$m" --target llvm --emit so -o "$TMP/$m"
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
finish
