#!/usr/bin/env python3
"""Writes a glm4v (GLM-4.1V) folder whose text decoder is the glm4 test model, in the config
layout of transformers 4.5x ("v4": rope_theta, partial_rotary_factor and rope_scaling with
mrope_section inside text_config, some fields duplicated at the top level) or 5.x ("v5":
text_config.rope_parameters). The tensors are renamed to the vision-language prefixes
(model.layers.* -> model.language_model.layers.*); the data is untouched.

glm4v's text decoder is GLM-4's layer and, for text tokens, GLM-4's rotary (all three M-RoPE
position streams are equal), so the folder must give glm4's reference logits and tokens
(tests/hf/models/glm4/reference.json), which are copied beside it. The transformers-made glm4v
reference (scripts/hf/make_glm4v_reference.py) checks the same claim against the real class.

Usage: glm4v_from_glm4.py GLM4_DIR OUT_DIR v4|v5 [EDIT]
EDIT is a Python statement run on the config dict `c` before writing (for the error tests)."""
import json
import os
import shutil
import struct
import sys

src, out, layout = sys.argv[1], sys.argv[2], sys.argv[3]
edit = sys.argv[4] if len(sys.argv) > 4 else ""
os.makedirs(out, exist_ok=True)


def rename(name):
    return "model.language_model." + name[len("model."):] if name.startswith("model.") else name


for f in sorted(os.listdir(src)):
    p = os.path.join(src, f)
    if f.endswith(".safetensors"):
        with open(p, "rb") as fh:
            n = struct.unpack("<Q", fh.read(8))[0]
            header = json.loads(fh.read(n))
            data = fh.read()
        header = {(k if k == "__metadata__" else rename(k)): v for k, v in header.items()}
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        with open(os.path.join(out, f), "wb") as fh:
            fh.write(struct.pack("<Q", len(text)) + text + data)
    elif f == "model.safetensors.index.json":
        index = json.load(open(p))
        index["weight_map"] = {rename(k): v for k, v in index["weight_map"].items()}
        json.dump(index, open(os.path.join(out, f), "w"), indent=2)
    elif f != "config.json":
        shutil.copy(p, os.path.join(out, f))

g = json.load(open(os.path.join(src, "config.json")))
text = {k: g[k] for k in ["attention_bias", "attention_dropout", "hidden_act", "hidden_size",
                          "intermediate_size", "max_position_embeddings",
                          "num_attention_heads", "num_hidden_layers", "num_key_value_heads",
                          "rms_norm_eps", "vocab_size", "eos_token_id", "pad_token_id"]}
text["model_type"] = "glm4v_text"
rotary_pairs = int(g["head_dim"] * g["partial_rotary_factor"]) // 2  # 4 for the test model
section = [rotary_pairs - 2, 1, 1]
if layout == "v5":
    text["rope_parameters"] = {"rope_type": "default", "rope_theta": g["rope_theta"],
                               "partial_rotary_factor": g["partial_rotary_factor"],
                               "mrope_section": section}
else:
    text["rope_theta"] = g["rope_theta"]
    text["partial_rotary_factor"] = g["partial_rotary_factor"]
    text["rope_scaling"] = {"type": "default", "mrope_section": section}
c = {"architectures": ["Glm4vForConditionalGeneration"], "model_type": "glm4v",
     "text_config": text,
     "vision_config": {"model_type": "glm4v", "depth": 2, "hidden_size": 32, "num_heads": 2,
                       "intermediate_size": 128, "out_hidden_size": g["hidden_size"],
                       "patch_size": 14, "temporal_patch_size": 2, "spatial_merge_size": 2,
                       "image_size": 336, "in_channels": 3, "rms_norm_eps": 1e-05},
     "image_token_id": 500, "video_token_id": 501, "image_start_token_id": 502,
     "image_end_token_id": 503, "video_start_token_id": 504, "video_end_token_id": 505,
     "tie_word_embeddings": False}
if layout == "v4":  # older files duplicate text fields at the top level; text_config's win
    c["rope_theta"] = 2 * g["rope_theta"]  # (a different value shows which one is used)
    c["partial_rotary_factor"] = 0.25
    c["vocab_size"] = g["vocab_size"]
exec(edit)
json.dump(c, open(os.path.join(out, "config.json"), "w"), indent=2)
