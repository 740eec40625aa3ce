#!/bin/bash
# Each way a Hugging Face folder can be wrong gives one clear message naming the problem.
set -u
src="$KILN_SOURCE_DIR/tests/hf/models"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect NAME MESSAGE: compiling $tmp/NAME fails with MESSAGE on stderr
expect() {
    if "$KILN" compile "$tmp/$1" -o "$tmp/$1-out" >"$tmp/$1.log" 2>&1; then
        echo "FAIL $1: compiled"; fails=$((fails + 1))
    elif ! grep -qF -- "$2" "$tmp/$1.log"; then
        echo "FAIL $1: expected '$2', got:"; cat "$tmp/$1.log"; fails=$((fails + 1))
    fi
}

# variant NAME MODEL PYTHON-EXPR-ON-CONFIG: a copy of MODEL with config.json edited
variant() {
    cp -r "$src/$2" "$tmp/$1"
    python3 - "$tmp/$1/config.json" "$3" <<'PY'
import json, sys
p, expr = sys.argv[1], sys.argv[2]
c = json.load(open(p))
exec(expr)
json.dump(c, open(p, "w"))
PY
}

variant yarn glm 'c["rope_scaling"] = {"rope_type": "yarn", "factor": 2.0}'
expect yarn "yarn/config.json: field 'rope_scaling': type 'yarn' is not supported"
variant ropeparams llama 'c["rope_parameters"]["rope_type"] = "linear"'
expect ropeparams "field 'rope_parameters': type 'linear' is not supported"
variant window qwen2 'c["use_sliding_window"] = True; c["sliding_window"] = 16'
expect window "field 'use_sliding_window': sliding-window attention is not supported"
variant window2 llama 'c["sliding_window"] = 16'
expect window2 "field 'sliding_window': sliding-window attention is not supported"
variant moe llama 'c["num_local_experts"] = 8'
expect moe "field 'num_local_experts': mixture-of-experts models are not supported"
variant act llama 'c["hidden_act"] = "relu2"'
expect act "field 'hidden_act': 'relu2' is not supported"
variant gptact gpt2 'c["activation_function"] = "swish"'
expect gptact "field 'activation_function': 'swish' is not supported"
variant mtype llama 'c["model_type"] = "mamba"'
expect mtype "field 'model_type': 'mamba' is not supported"
variant heads llama 'c["num_key_value_heads"] = 3'
expect heads "field 'num_key_value_heads'"
variant layertypes qwen2 'c["layer_types"] = ["sliding_attention", "full_attention"]'
expect layertypes "field 'layer_types': only 'full_attention' layers are supported"
variant missing llama 'del c["hidden_size"]'
expect missing "field 'hidden_size' is missing"
variant partial glm 'c["partial_rotary_factor"] = 0.1; c["rope_parameters"]["partial_rotary_factor"] = 0.1'
expect partial "field 'partial_rotary_factor'"

# mismatched tensor shapes: a config whose sizes disagree with the weights
variant shape llama 'c["intermediate_size"] = 96'
expect shape "tensor 'model.layers.0.mlp.down_proj.weight' has shape [64, 128], but config.json implies [64, 96]"

# a missing shard
cp -r "$src/glm4" "$tmp/noshard"
rm "$tmp/noshard/model-00003-of-00004.safetensors"
expect noshard "weights file 'model-00003-of-00004.safetensors': cannot open"

# a shard index naming a file outside the folder
cp -r "$src/glm4" "$tmp/escape"
sed -i 's|"model-00002-of-00004.safetensors"|"../glm4/model-00002-of-00004.safetensors"|' \
    "$tmp/escape/model.safetensors.index.json"
expect escape "'..' is not allowed"
cp -r "$src/glm4" "$tmp/abs"
sed -i "s|\"model-00002-of-00004.safetensors\"|\"/etc/passwd\"|" "$tmp/abs/model.safetensors.index.json"
expect abs "absolute paths are not allowed"

# gpt2's learned positions bound the context
if "$KILN" compile "$src/gpt2" --max-context 512 -o "$tmp/g-out" >"$tmp/g.log" 2>&1 ||
    ! grep -qF "exceeds n_positions 256" "$tmp/g.log"; then
    echo "FAIL gpt2 max-context"; cat "$tmp/g.log"; fails=$((fails + 1))
fi
[ "$fails" -eq 0 ] && echo "all malformed cases rejected"
exit "$fails"
