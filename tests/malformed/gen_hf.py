"""Malformed Hugging Face folders for the malformed-input suite: each is a copy of a test model
(tests/hf/models) with config.json, generation_config.json or the sharded index edited in one
way: duplicate keys (kiln would read the first value, transformers the last), sizes that are
zero, negative, huge or inconsistent, wrong JSON types, and index entries that leave the
folder."""
import json
import os

from gen_files import glm4_files, hf_case

QWEN = "qwen2"


def edit_json(path, fn=None, text=None):
    if text is None:
        with open(path) as f:
            c = json.load(f)
        fn(c)
        text = json.dumps(c, indent=1)
    with open(path, "w") as f:
        f.write(text)


def config_case(out, name, expect, fn=None, text=None, model=QWEN, file="config.json"):
    files = glm4_files() if model == "glm4" else ("config.json", "generation_config.json",
                                                   "model.safetensors")
    m = hf_case(out, name, expect, model=model, files=files)
    edit_json(os.path.join(m, file), fn, text)
    return m


def setter(**kv):
    def fn(c):
        c.update(kv)
    return fn


def dup_text(path, key, value):
    """The JSON text of path with `"key": value` added again before the closing brace."""
    with open(path) as f:
        text = f.read().rstrip()
    assert text.endswith("}")
    return text[:-1].rstrip() + ',\n "%s": %s\n}\n' % (key, json.dumps(value))


def main(out):
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hf", "models")
    qcfg = os.path.join(src, QWEN, "config.json")

    # duplicate keys: top level, nested, generation config, index weight_map
    config_case(out, "hf_config_duplicate_key", "config.json: field 'hidden_size' appears twice",
                text=dup_text(qcfg, "hidden_size", 4096))
    with open(qcfg) as f:
        c = json.load(f)
    nested = json.dumps(c, indent=1).replace('"rope_theta"', '"rope_scaling": {"rope_type": '
                                             '"default", "rope_type": "linear"},\n "rope_theta"')
    config_case(out, "hf_config_duplicate_nested_key",
                "rope_scaling.rope_type' appears twice", text=nested)
    config_case(out, "hf_genconfig_duplicate_key",
                "generation_config.json: field 'eos_token_id' appears twice",
                text=dup_text(os.path.join(src, QWEN, "generation_config.json"),
                              "eos_token_id", 3), file="generation_config.json")
    idx = os.path.join(src, "glm4", "model.safetensors.index.json")
    with open(idx) as f:
        itext = f.read()
    first = next(iter(json.loads(itext)["weight_map"]))
    itext_dup = itext.replace('"weight_map": {', '"weight_map": {\n  "%s": '
                              '"model-00004-of-00004.safetensors",' % first, 1)
    config_case(out, "hf_index_duplicate_tensor",
                "model.safetensors.index.json: field 'weight_map.%s' appears twice" % first,
                text=itext_dup, model="glm4", file="model.safetensors.index.json")

    # sizes
    for key, value, msg in [
            ("hidden_size", 0, "field 'hidden_size' must be an integer in 1..16777216"),
            ("hidden_size", -64, "field 'hidden_size' must be an integer in 1..16777216"),
            ("hidden_size", 1 << 40, "field 'hidden_size' must be an integer in 1..16777216"),
            ("hidden_size", 64.5, "field 'hidden_size' must be an integer in 1..16777216"),
            ("hidden_size", "64", "field 'hidden_size' must be an integer in 1..16777216"),
            ("num_attention_heads", 0, "field 'num_attention_heads' must be an integer in 1.."),
            ("num_key_value_heads", 0, "field 'num_key_value_heads' must be an integer in 1..4"),
            ("num_key_value_heads", -2, "field 'num_key_value_heads' must be an integer in 1..4"),
            ("num_hidden_layers", 0, "field 'num_hidden_layers' must be an integer in 1..4096"),
            ("num_hidden_layers", 1 << 30, "field 'num_hidden_layers' must be an integer in 1..4096"),
            ("intermediate_size", 0, "field 'intermediate_size' must be an integer in 1.."),
            ("vocab_size", 0, "field 'vocab_size' must be an integer in 1..16777216"),
            ("vocab_size", 1 << 40, "field 'vocab_size' must be an integer in 1..16777216"),
            ("head_dim", 0, "field 'head_dim' must be an integer in 1.."),
            ("head_dim", 7, "of head_dim 7 is not an even number of channels"),
            ("max_position_embeddings", 0, "field 'max_position_embeddings' must be an integer in 1.."),
            ("max_position_embeddings", -1, "field 'max_position_embeddings' must be an integer in 1.."),
            ("rms_norm_eps", -1.0, "field 'rms_norm_eps' must be a positive number"),
            ("rms_norm_eps", "tiny", "field 'rms_norm_eps' must be a positive number"),
            ("rope_theta", 0, "field 'rope_theta' must be a positive number"),
            ("rope_theta", -10000.0, "field 'rope_theta' must be a positive number"),
            ("tie_word_embeddings", "yes", "field 'tie_word_embeddings' must be true or false"),
            ("model_type", 7, "field 'model_type': '(not a string)' is not supported"),
            ("bos_token_id", "one", "field 'bos_token_id' must be an integer token id"),
    ]:
        tag = str(value).replace("-", "neg").replace(".", "_")[:12]
        config_case(out, "hf_%s_%s" % (key, tag), msg, setter(**{key: value}))
    config_case(out, "hf_config_not_object", "config.json: the top level must be a JSON object",
                text="[1, 2, 3]")
    config_case(out, "hf_config_invalid_json", "config.json: invalid JSON at line 1",
                text='{"model_type": "qwen2",')
    config_case(out, "hf_config_deep", "config.json: JSON nested too deeply",
                text='{"a": ' + "[" * 1000 + "]" * 1000 + "}")
    config_case(out, "hf_config_empty", "config.json: invalid JSON at line 1, column 1", text="")
    config_case(out, "hf_genconfig_invalid_json", "generation_config.json: invalid JSON",
                text="{", file="generation_config.json")
    config_case(out, "hf_genconfig_eos_string", "generation_config.json: field 'eos_token_id'",
                setter(eos_token_id="end"), file="generation_config.json")

    # the index: what weight_map names
    def index_case(name, expect, fn=None, text=None):
        config_case(out, name, expect, fn, text, model="glm4",
                    file="model.safetensors.index.json")

    def set_first(value):
        def fn(c):
            c["weight_map"][first] = value
        return fn

    index_case("hf_index_not_object", "field 'weight_map' is missing or not an object",
               text='{"weight_map": [1]}')
    index_case("hf_index_dotdot", "model.safetensors.index.json: weights file '../model.safetensors': '..' is not allowed", set_first("../model.safetensors"))
    index_case("hf_index_absolute", "model.safetensors.index.json: weights file '/etc/passwd': absolute paths are not allowed", set_first("/etc/passwd"))
    index_case("hf_index_missing_shard", "model.safetensors.index.json: weights file 'model-00009-of-00009.safetensors': cannot open: No such file", set_first("model-00009-of-00009.safetensors"))
    index_case("hf_index_value_number", "field 'weight_map': '%s' must name a file" % first,
               set_first(3))
    index_case("hf_index_empty_name", "model.safetensors.index.json: weights file: the path is empty", set_first(""))
    index_case("hf_index_invalid_json", "model.safetensors.index.json: invalid JSON at line 1", text="{")
