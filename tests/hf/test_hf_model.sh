#!/bin/bash
# Compiles tests/hf/models/$1 into a library and checks it with hf_decoder_check ($2): logits
# (one-shot prefill and prefill + decode), greedy tokens, and KILN_ERR_CONTEXT at the capacity.
set -eu
model=$1
check=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$KILN" compile "$KILN_SOURCE_DIR/tests/hf/models/$model" --max-context 64 --max-prefill 16 \
    --emit so --prefix "$model" -o "$dir/out"
"$check" "$dir/out/lib$model.so" "$dir/out/$model.weights" "$KILN_SOURCE_DIR/tests/hf/models/$model"
