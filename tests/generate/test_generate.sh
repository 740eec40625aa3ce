# `kiln generate` end to end on the tiny Hugging Face models of tests/hf/models: greedy from the
# reference prompt ids must give exactly the 24 ids transformers generated; the text prompt must
# encode to those prompt ids; sampling is reproducible from its seed; bad command lines fail
# with a message.
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"

HF="$KILN_SOURCE_DIR/tests/hf/models"

# ref_ids MODEL KEY: the ids of "KEY": [..] in MODEL/reference.json, space separated.
ref_ids() {
    grep -o "\"$2\": \[[0-9, ]*\]" "$HF/$1/reference.json" | sed 's/.*\[//; s/\]//; s/,//g'
}

# Each model is compiled once (compiling dominates the run time): glm, glm4 and qwen2 from the
# folder with prompt ids, llama from the folder with the text prompt, gpt2 as a library.
check_ids() { # LABEL WANT: the last line of stdout must be WANT
    local got
    got=$(tail -n 1 "$STDOUT")
    if [ -n "$2" ] && [ "$got" = "$2" ]; then ok "$1"; else
        bad "$1"
        echo "    want: $2"
        echo "    got:  $got"
    fi
}

for m in glm glm4 qwen2; do
    expect_ok "$m: greedy from prompt ids" generate "$HF/$m" \
        --tokens "$(ref_ids $m prompt_ids | tr ' ' ',')" -n 24 --ids
    check_ids "$m: 24 ids match transformers" "$(ref_ids $m generated_ids)"
    grep -q "generation: 24 tokens" "$STDERR" && ok "$m: speed report" || bad "$m: speed report"
done

# The text prompt through the tokenizer gives the reference prompt ids, hence the same tokens.
expect_ok "llama: greedy from the text prompt" generate "$HF/llama" --prompt "Hello, world! The " \
    -n 24 --ids
check_ids "llama: 24 ids match transformers" "$(ref_ids llama generated_ids)"
grep -q "prompt: 8 tokens" "$STDERR" && ok "llama: prompt encodes to 8 tokens" ||
    bad "llama: prompt encodes to 8 tokens"

# A compiled library, driven with prompt ids and with text (tokenizer given explicitly).
LIBDIR="$TMP/gpt2-lib"
expect_ok "compile gpt2 --emit so" compile "$HF/gpt2" --emit so -o "$LIBDIR"
LIB=$(ls "$LIBDIR"/lib*.so 2>/dev/null | head -n 1)
GPT2_PROMPT=$(ref_ids gpt2 prompt_ids | tr ' ' ',')
GPT2_WANT=$(ref_ids gpt2 generated_ids)
expect_ok "gpt2 library: greedy from prompt ids" generate "$LIB" --tokens "$GPT2_PROMPT" -n 24 --ids
check_ids "gpt2 library: 24 ids match transformers" "$GPT2_WANT"
expect_ok "gpt2 library: text prompt" generate "$LIB" --tokenizer "$HF/gpt2/tokenizer.json" \
    --prompt "Hello, world! The " -n 24 --ids
check_ids "gpt2 library: text prompt ids" "$GPT2_WANT"

# A folder compiled with small limits: the 8-token prompt is prefilled in chunks of 3, and a KV
# cache of 20 positions holds the prompt and 12 decoded tokens; the 13th token comes from the
# logits of the last position, so 13 tokens come out, the reference's first 13.
expect_ok "gpt2: chunked prefill, small cache" generate "$HF/gpt2" --tokens "$GPT2_PROMPT" -n 24 \
    --ids --max-prefill 3 --max-context 20 --ignore-eos
check_ids "gpt2: first 13 ids" "$(echo $GPT2_WANT | cut -d' ' -f1-13)"
grep -q "KV cache is full" "$STDERR" && ok "says the cache is full" || bad "says the cache is full"

# Generation stops at EOS through a compiled library, at every -O level: a copy of gpt2 whose
# eos is 134, the fifth id greedy decoding produces (its first occurrence), must stop after the
# four ids before it; --ignore-eos still gives all 24.
EOSDIR="$TMP/gpt2-eos"
cp -r "$HF/gpt2" "$EOSDIR"
sed -i 's/"eos_token_id": 0/"eos_token_id": 134/' "$EOSDIR/config.json" "$EOSDIR/generation_config.json"
for o in -O0 -O1 -O2; do
    expect_ok "gpt2 eos 134 $o: compile" compile "$EOSDIR" $o --emit so -o "$TMP/eos$o"
    grep -q "GPT2_EOS_TOKEN_ID 134 " "$TMP/eos$o/gpt2.h" && ok "gpt2 eos 134 $o: header" ||
        bad "gpt2 eos 134 $o: header says $(grep EOS_TOKEN_ID "$TMP/eos$o/gpt2.h")"
done
EOSLIB=$(ls "$TMP"/eos-O2/lib*.so | head -n 1)
expect_ok "gpt2 eos 134: greedy stops at eos" generate "$EOSLIB" --tokens "$GPT2_PROMPT" -n 24 --ids
check_ids "gpt2 eos 134: the 4 ids before eos" "$(echo "$GPT2_WANT" | cut -d' ' -f1-4)"
expect_ok "gpt2 eos 134: --ignore-eos" generate "$EOSLIB" --tokens "$GPT2_PROMPT" -n 24 --ids \
    --ignore-eos
check_ids "gpt2 eos 134 --ignore-eos: 24 ids" "$GPT2_WANT"

# Sampling: the same seed gives the same tokens; another seed (almost surely) others.
SAMPLE=(generate "$LIB" --tokenizer "$HF/gpt2/tokenizer.json" --prompt "Hi" --temp 0.9 --top-k 50
    --top-p 0.95 -n 16 --ids --ignore-eos)
expect_ok "sample seed 7" "${SAMPLE[@]}" --seed 7
a=$(tail -n 1 "$STDOUT")
expect_ok "sample seed 7 again" "${SAMPLE[@]}" --seed 7
b=$(tail -n 1 "$STDOUT")
expect_ok "sample seed 8" "${SAMPLE[@]}" --seed 8
c=$(tail -n 1 "$STDOUT")
[ -n "$a" ] && [ "$a" = "$b" ] && ok "same seed, same tokens" || bad "same seed: '$a' vs '$b'"
[ "$a" != "$c" ] && ok "other seed, other tokens" || bad "other seed gave the same tokens"
[ "$(echo $a | wc -w)" -eq 16 ] && ok "16 sampled tokens" || bad "16 sampled tokens: '$a'"

expect_ok "generate --help" generate --help
grep -q "usage: kiln generate" "$STDOUT" && ok "generate help text" || bad "generate help text"
expect_fail "no prompt" "exactly one of --prompt and --tokens" generate "$HF/llama"
expect_fail "both prompts" "exactly one of --prompt and --tokens" generate "$HF/llama" \
    --prompt a --tokens 1
expect_fail "token out of range" "token ids in [0, 512)" generate "$HF/llama" --tokens 1,512
expect_fail "bad token list" "--tokens" generate "$HF/llama" --tokens 1,,2
expect_fail "negative temperature" "--temp needs a number" generate "$HF/llama" --tokens 1 --temp -1
expect_fail "top-p zero" "--top-p must be above 0" generate "$HF/llama" --tokens 1 --top-p 0
expect_fail "unknown option" "unknown option '--frob'" generate "$HF/llama" --frob
expect_fail "no tokenizer for --prompt" "needs a tokenizer" generate "$LIB" --prompt hi
expect_ok "compile mlp --emit so" compile "$KILN_SOURCE_DIR/examples/mlp/model.json" --emit so \
    --bind batch=1 -o "$TMP/mlp-lib"
expect_fail "not a decoder" "not a decoder LLM" generate "$(ls "$TMP"/mlp-lib/lib*.so | head -n 1)" \
    --tokens 1
expect_fail "bench bad option" "unknown argument" bench --frob
finish
