#!/bin/bash
# The tiny Hugging Face checkpoints of tests/hf/models compiled with weight formats
# (docs/quantization.md), checked by hf_decoder_check ($1) --rel against transformers' f32
# logits: the relative error ||got - ref|| / ||ref|| of the one-shot prefill and of prefill +
# decode must stay below the bound measured for each format (the greedy tokens are printed, not
# asserted: the models have random weights). Also: a 16-bit checkpoint's default build keeps
# its stored type (llama stores bf16, qwen2 f16: 2/3 or less of the weight bytes of
# --weights f32), and `kiln generate` runs at i8 and int4.
set -eu
check=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
models="$KILN_SOURCE_DIR/tests/hf/models"

# compile MODEL NAME ARGS...: into $dir/MODEL-NAME/lib$MODEL.so
compile() {
    local m=$1 name=$2
    shift 2
    "$KILN" compile "$models/$m" "$@" --max-context 64 --max-prefill 16 --emit so --prefix "$m" \
        -o "$dir/$m-$name" >/dev/null
}
# measure MODEL NAME BOUND
measure() {
    echo "== $1 $2"
    "$check" "$dir/$1-$2/lib$1.so" "$dir/$1-$2/$1.weights" "$models/$1" --rel "$3"
}

for m in glm glm4 llama qwen2 gpt2; do
    compile "$m" bf16 --weights bf16
    measure "$m" bf16 2e-2
    compile "$m" i8 --weights i8
    measure "$m" i8 6e-2
    # int4: groups of 128 where the input dimension allows it (the MLP's down projection,
    # K = 128), 64 elsewhere (K = 64 is the hidden size of these models)
    if [ "$m" = gpt2 ]; then down='*mlp.c_proj.weight'; else down='*down_proj.weight'; fi
    compile "$m" i4 --weights i4g64 --weights-override "$down=i4g128"
    measure "$m" i4 0.9
    compile "$m" i4a --weights i4g32a
    measure "$m" i4a 0.6
done

# 16-bit KV caches (--kv): keys and values rounded as they are stored
compile llama kvbf16 --kv bf16
measure llama kvbf16 2e-2
compile llama kvf16 --kv f16
measure llama kvf16 5e-3
if "$KILN" compile "$models/llama" --kv i8 -o "$dir/badkv" 2>"$dir/err"; then
    echo "FAIL: --kv i8 compiled"
    exit 1
fi
grep -q -- "--kv must be f32, f16 or bf16, not 'i8'" "$dir/err"

# llama stores bf16 and qwen2 f16: the default keeps it, --weights f32 doubles the projections
for m in llama qwen2; do
    compile "$m" stored
    compile "$m" f32 --weights f32
    stored=$(stat -c %s "$dir/$m-stored/$m.weights")
    f32=$(stat -c %s "$dir/$m-f32/$m.weights")
    echo "$m weights: stored type $stored bytes, --weights f32 $f32 bytes"
    [ $((stored * 3)) -lt $((f32 * 2)) ] || { echo "FAIL: $m's stored type was not kept"; exit 1; }
done

# kiln generate with quantized libraries
for name in i8 i4; do
    out=$("$KILN" generate "$dir/llama-$name/libllama.so" --tokens 1,2,3 -n 8 --ids 2>&1)
    echo "generate llama $name: $(echo "$out" | tail -1)"
    ids=$(echo "$out" | grep -E '^[0-9]+( [0-9]+)*$' | tail -1 || true)
    [ -n "$ids" ] || { echo "FAIL: generate printed no ids"; echo "$out"; exit 1; }
done

# --stats: weight bytes per storage format, summing to weights.bytes.after
"$KILN" compile "$models/llama" --weights i4g64 --weights-override 'lm_head.weight=i8' --stats \
    -o "$dir/stats" >"$dir/stats.txt"
grep '^weights.bytes' "$dir/stats.txt"
# lm_head [512, 64] at i8: 512 x (64 + 4); the embedding stays bf16: 512 x 64 x 2
grep -qx 'weights.bytes.i8: 34816' "$dir/stats.txt"
grep -qx 'weights.bytes.bf16: 65536' "$dir/stats.txt"
sum=$(awk -F': ' '/^weights.bytes.(dense|bf16|i8|i4g64):/ {s += $2} END {print s}' "$dir/stats.txt")
grep -qx "weights.bytes.after: $sum" "$dir/stats.txt"

# a group that does not divide K is an error naming the tensor, and nothing is written
if "$KILN" compile "$models/llama" --weights i4g128 -o "$dir/bad" 2>"$dir/err"; then
    echo "FAIL: i4g128 on K = 64 compiled"
    exit 1
fi
grep -q "tensor 'model.layers.0.self_attn.q_proj.weight' cannot be stored as i4g128" "$dir/err"
[ ! -e "$dir/bad" ]
echo "ok"
