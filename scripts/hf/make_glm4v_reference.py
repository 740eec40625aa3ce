#!/usr/bin/env python3
"""Make the tiny glm4v (GLM-4.1V / AutoGLM-Phone-9B architecture) reference folder
tests/hf/models/glm4v/ with transformers (issue 11).

Needs torch, transformers (>= 5), tokenizers, numpy and Pillow: run it on the GPU machine,
where they are installed (it computes on the CPU, in float32, deterministically):

  python3 scripts/hf/make_glm4v_reference.py --out tests/hf/models

The model is Glm4vForConditionalGeneration with GLM-4-sized-down widths (text: hidden 64,
2 layers, 4/2 heads, head_dim 16, partial rotary 0.5 with mrope_section [2, 1, 1]; vision:
depth 2, hidden 32, 2 heads, out_hidden 64, merger width 128, patch 14, 24x24 position
table). Its tokenizer is the repo's llama3-variant test BPE (tests/hf/models/glm4) with GLM's
special tokens added ([gMASK], <sop>, roles, image and video markers), so every token id the
model needs comes from the tokenizer and the config, as in real glm4v folders.

Written, beside config.json / model.safetensors / tokenizer.json / generation_config.json:
- the text-only reference in the same format as the other test models (reference.json
  "logits" and "generation": input_ids.npy, logits.npy, hidden_states.npy,
  generate_logits.npy), so the HF test scripts check glm4v like glm4;
- the image reference under reference.json "image": a synthetic phone screenshot
  (image.png, drawn here: status bar, list rows, buttons), the processor's pixel_values.npy and
  image_grid_thw.npy, the expanded prompt image_input_ids.npy, its logits image_logits.npy and
  16 greedy tokens (the model's generate() with its KV cache).
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_reference_models as base  # noqa: E402  (the other test models' helpers)

SEED = 1006
SPECIALS = ["[MASK]", "[gMASK]", "[sMASK]", "<sop>", "<eop>", "<|system|>", "<|user|>",
            "<|assistant|>", "<|observation|>", "<|begin_of_image|>", "<|end_of_image|>",
            "<|begin_of_video|>", "<|end_of_video|>", "<|image|>", "<|video|>"]
IMAGE_NEW = 16


def make_tokenizer(out):
    from tokenizers import AddedToken, Tokenizer

    tok = Tokenizer.from_file(os.path.join(out, "glm4", "tokenizer.json"))
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in SPECIALS])
    return tok


def draw_screenshot(path, width, height):
    """A flat phone-GUI picture: status bar, title, list rows with icons, two buttons."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), (245, 245, 247))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, width, 14], fill=(30, 30, 30))
    d.rectangle([width - 30, 4, width - 8, 10], fill=(120, 220, 120))
    d.rectangle([0, 15, width, 42], fill=(0, 122, 255))
    d.text((8, 20), "Settings", fill=(255, 255, 255))
    for i in range(5):
        y = 50 + i * 30
        d.rectangle([6, y, 26, y + 20], fill=(255, 149 - 20 * i, 0))
        d.text((34, y + 4), "Row %d" % (i + 1), fill=(20, 20, 20))
        d.line([34, y + 26, width - 6, y + 26], fill=(200, 200, 200))
    d.rounded_rectangle([10, height - 40, width // 2 - 5, height - 12], 6, fill=(52, 199, 89))
    d.rounded_rectangle([width // 2 + 5, height - 40, width - 10, height - 12], 6,
                        outline=(0, 122, 255), width=2)
    img.save(path)
    return img


def photo(path, width, height, seed):
    """A smooth-plus-noise RGB picture, JPEG or PNG by the name: the photographic case."""
    from PIL import Image

    rs = np.random.RandomState(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack([128 + 100 * np.sin(x / 9.0 + c) * np.cos(y / 13.0 - c) for c in range(3)], -1)
    rgb += rs.normal(0, 18, rgb.shape)
    img = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    img.save(path, quality=92) if path.endswith(".jpg") else img.save(path)
    return img


def preprocess_references(folder):
    """pixel_values and image_grid_thw of Glm4vImageProcessor (and of the PIL-backed one where
    this transformers has it) for GUI and photographic images at sizes that need resizing
    up and down; kiln preprocess is compared with them."""
    import transformers
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    for f in os.listdir(folder):
        os.remove(os.path.join(folder, f))
    kw = dict(size={"shortest_edge": 12544, "longest_edge": 9633792}, patch_size=14,
              temporal_patch_size=2, merge_size=2,
              image_mean=[0.48145466, 0.4578275, 0.40821073],
              image_std=[0.26862954, 0.26130258, 0.27577711])
    procs = {"default": transformers.Glm4vImageProcessor(**kw)}
    for name in ["Glm4vImageProcessorPil", "Glm4vImageProcessorSlow"]:
        cls = getattr(transformers, name, None)
        if cls is not None:
            procs[name] = cls(**kw)
    cases = []
    draw_screenshot(os.path.join(folder, "gui_150x320.png"), 150, 320)
    photo(os.path.join(folder, "photo_250x180.jpg"), 250, 180, 7)
    photo(os.path.join(folder, "photo_60x45.png"), 60, 45, 8)
    for f in ["gui_150x320.png", "photo_250x180.jpg", "photo_60x45.png"]:
        img = Image.open(os.path.join(folder, f)).convert("RGB")
        case = {"image": f, "size_wh": list(img.size), "outputs": {}}
        for pname, proc in procs.items():
            out = proc(images=[img], return_tensors="np")
            stem = "%s.%s" % (f.rsplit(".", 1)[0], pname)
            np.save(os.path.join(folder, stem + ".pixel_values.npy"),
                    np.asarray(out["pixel_values"], dtype=np.float32))
            case["outputs"][pname] = {
                "class": type(proc).__name__,
                "pixel_values_file": stem + ".pixel_values.npy",
                "pixel_values_shape": list(np.asarray(out["pixel_values"]).shape),
                "image_grid_thw": np.asarray(out["image_grid_thw"]).tolist()}
        cases.append(case)
        print("preprocess %s: %s" % (f, {k: v["image_grid_thw"] for k, v in
                                         case["outputs"].items()}))
    base.write_json(os.path.join(folder, "reference.json"),
                    {"transformers": transformers.__version__, "processor_kwargs": kw,
                     "cases": cases})


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="tests/hf/models")
    a = ap.parse_args()

    import torch
    import transformers
    from transformers import (Glm4vConfig, Glm4vForConditionalGeneration, GenerationConfig,
                              PreTrainedTokenizerFast)

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    folder = os.path.join(a.out, "glm4v")
    os.makedirs(folder, exist_ok=True)
    tok = make_tokenizer(a.out)
    vocab = tok.get_vocab_size()
    ids = {s: tok.token_to_id(s) for s in SPECIALS}
    eos_id = tok.token_to_id(base.EOS_TOKEN)

    text_config = dict(vocab_size=vocab, hidden_size=base.HIDDEN, intermediate_size=base.INTER,
                       num_hidden_layers=base.LAYERS, num_attention_heads=base.HEADS,
                       num_key_value_heads=base.KV_HEADS, max_position_embeddings=base.MAX_POS,
                       rms_norm_eps=1e-05, hidden_act="silu", tie_word_embeddings=False,
                       rope_parameters={"rope_type": "default", "rope_theta": 10000.0,
                                        "partial_rotary_factor": 0.5,
                                        "mrope_section": [2, 1, 1]},
                       eos_token_id=[eos_id, ids["<|user|>"], ids["<|observation|>"]],
                       pad_token_id=eos_id, bos_token_id=None)
    vision_config = dict(depth=2, hidden_size=32, num_heads=2, intermediate_size=128,
                         out_hidden_size=base.HIDDEN, patch_size=14, temporal_patch_size=2,
                         spatial_merge_size=2, image_size=336, in_channels=3, rms_norm_eps=1e-05,
                         hidden_act="silu", attention_bias=False)
    config = Glm4vConfig(text_config=text_config, vision_config=vision_config,
                         image_token_id=ids["<|image|>"], video_token_id=ids["<|video|>"],
                         image_start_token_id=ids["<|begin_of_image|>"],
                         image_end_token_id=ids["<|end_of_image|>"],
                         video_start_token_id=ids["<|begin_of_video|>"],
                         video_end_token_id=ids["<|end_of_video|>"], tie_word_embeddings=False)
    torch.manual_seed(SEED)
    model = Glm4vForConditionalGeneration(config).to(torch.float32).eval()
    base.init_weights(torch, model, SEED)
    model.generation_config = GenerationConfig(do_sample=False, max_new_tokens=base.N_NEW,
                                               eos_token_id=text_config["eos_token_id"],
                                               pad_token_id=eos_id)
    for f in os.listdir(folder):
        os.remove(os.path.join(folder, f))
    model.save_pretrained(folder, max_shard_size="100MB")
    tok.save(os.path.join(folder, "tokenizer.json"))
    base.write_json(os.path.join(folder, "tokenizer_config.json"), {
        "tokenizer_class": "PreTrainedTokenizerFast", "eos_token": base.EOS_TOKEN,
        "pad_token": base.EOS_TOKEN, "bos_token": None, "add_bos_token": False,
        "add_eos_token": False, "clean_up_tokenization_spaces": False,
        "model_max_length": base.MAX_POS})

    ref = Glm4vForConditionalGeneration.from_pretrained(folder, dtype=torch.float32,
                                                        attn_implementation="eager").eval()
    sd_mem = model.state_dict()
    for k, v in ref.state_dict().items():
        assert torch.equal(v, sd_mem[k]), k
    from safetensors import safe_open
    with safe_open(os.path.join(folder, "model.safetensors"), "pt") as f:
        names = sorted(f.keys())
    print("tensors:", len(names), names[:3], "...", [n for n in names if "lm_head" in n])

    # ---- text only: the same checks as the other test models ----
    lm = ref.model.language_model
    rs = np.random.RandomState(SEED)
    input_ids = rs.randint(0, base.VOCAB_SIZE, size=base.N_LOGIT_TOKENS).astype(np.int64)
    captured = []
    layers = list(lm.layers)

    def pre_hook(_m, args, kwargs):
        captured.append((args[0] if args else kwargs["hidden_states"]).detach().clone())

    def hook(_m, _i, o):
        captured.append((o[0] if isinstance(o, (tuple, list)) else o).detach().clone())

    handles = [layers[0].register_forward_pre_hook(pre_hook, with_kwargs=True)]
    handles += [m.register_forward_hook(hook) for m in layers + [lm.norm]]
    with torch.no_grad():
        logits = ref(input_ids=torch.from_numpy(input_ids)[None]).logits[0].float().numpy()
    for h in handles:
        h.remove()
    hidden = np.stack([c[0].float().numpy() for c in captured]).astype(np.float32)
    assert hidden.shape == (base.LAYERS + 2, base.N_LOGIT_TOKENS, base.HIDDEN), hidden.shape
    np.save(os.path.join(folder, "input_ids.npy"), input_ids)
    np.save(os.path.join(folder, "logits.npy"), logits.astype(np.float32))
    np.save(os.path.join(folder, "hidden_states.npy"), hidden)

    prompt_text = None
    for n in range(1, len(base.PROMPT_BASE) + 1):
        if len(tok.encode(base.PROMPT_BASE[:n], add_special_tokens=False).ids) == base.N_PROMPT:
            prompt_text = base.PROMPT_BASE[:n]
    prompt_ids = list(tok.encode(prompt_text, add_special_tokens=False).ids)
    seq, step_logits, margins = list(prompt_ids), [], []
    with torch.no_grad():
        for _ in range(base.N_NEW):
            lg = ref(input_ids=torch.tensor([seq])).logits[0, -1].float()
            step_logits.append(lg.numpy().copy())
            top2 = torch.topk(lg, 2).values
            margins.append(float(top2[0] - top2[1]))
            seq.append(int(torch.argmax(lg)))
    gen_ids = seq[len(prompt_ids):]
    np.save(os.path.join(folder, "generate_logits.npy"), np.stack(step_logits).astype(np.float32))
    gc = GenerationConfig(do_sample=False, max_new_tokens=base.N_NEW, min_new_tokens=base.N_NEW,
                          eos_token_id=None, bos_token_id=None, pad_token_id=0, num_beams=1)
    with torch.no_grad():
        g = ref.generate(input_ids=torch.tensor([prompt_ids]), generation_config=gc,
                         attention_mask=torch.ones(1, len(prompt_ids), dtype=torch.long))
    gen_hf = [int(x) for x in g[0, len(prompt_ids):]]

    info = {
        "model_type": "glm4v", "config_class": "Glm4vConfig", "storage_dtype": "float32",
        "sharded": False, "seed": SEED,
        "init": "norm weights 1+0.1*N(0,1); biases 0.1*N(0,1); matrices/embeddings 0.2*N(0,1)",
        "compute": "float32, CPU, eval(), attn_implementation=eager, weights reloaded from this "
                   "folder",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "tokenizers": base._version("tokenizers"), "numpy": np.__version__,
                     "python": sys.version.split()[0]},
        "tokenizer_variant": "llama3 + GLM special tokens",
        "special_token_ids": ids,
        "logits": {"input_ids": input_ids.tolist(), "input_ids_file": "input_ids.npy",
                   "logits_file": "logits.npy", "shape": list(logits.shape),
                   "argmax": [int(x) for x in logits.argmax(-1)],
                   "hidden_states_file": "hidden_states.npy",
                   "hidden_states_note": "[L+2, 16, hidden]: embedding output, output of each "
                                         "decoder layer, final norm output"},
        "generation": base.generation_info(tok, prompt_text, prompt_ids, gen_ids, gen_hf,
                                           margins),
        "config": {k: v for k, v in ref.config.to_dict().items() if k != "_name_or_path"},
    }
    print("text: gen %s hf_match %s margin %.4f" % (gen_ids, gen_hf == gen_ids, min(margins)))

    # ---- with an image: the processor's arrays and the model's logits ----
    try:
        from transformers import Glm4vImageProcessor, Glm4vProcessor

        img = draw_screenshot(os.path.join(folder, "image.png"), 100, 210)
        ip = Glm4vImageProcessor(size={"shortest_edge": 12544, "longest_edge": 9633792},
                                 patch_size=14, temporal_patch_size=2, merge_size=2,
                                 image_mean=[0.48145466, 0.4578275, 0.40821073],
                                 image_std=[0.26862954, 0.26130258, 0.27577711])
        ip.save_pretrained(folder)
        hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=base.EOS_TOKEN,
                                         pad_token=base.EOS_TOKEN)
        proc = Glm4vProcessor(image_processor=ip, tokenizer=hf_tok)
        text = ("[gMASK]<sop><|user|>\n<|begin_of_image|><|image|><|end_of_image|>"
                "Tap the green button.<|assistant|>\n")
        inputs = proc(text=[text], images=[img], return_tensors="pt")
        pv = inputs["pixel_values"].float().numpy()
        thw = inputs["image_grid_thw"].numpy().astype(np.int64)
        img_ids = inputs["input_ids"][0].numpy().astype(np.int64)
        np.save(os.path.join(folder, "pixel_values.npy"), pv)
        np.save(os.path.join(folder, "image_grid_thw.npy"), thw)
        np.save(os.path.join(folder, "image_input_ids.npy"), img_ids)
        with torch.no_grad():
            out = ref(**inputs)
        img_logits = out.logits[0].float().numpy()
        np.save(os.path.join(folder, "image_logits.npy"), img_logits)
        gc_img = GenerationConfig(do_sample=False, max_new_tokens=IMAGE_NEW,
                                  min_new_tokens=IMAGE_NEW, eos_token_id=None, pad_token_id=0,
                                  num_beams=1)
        with torch.no_grad():
            g = ref.generate(**inputs, generation_config=gc_img)
        img_gen = [int(x) for x in g[0, len(img_ids):]]
        pos, deltas = None, None
        try:
            pos, deltas = ref.model.get_rope_index(input_ids=inputs["input_ids"],
                                                   image_grid_thw=inputs["image_grid_thw"],
                                                   attention_mask=inputs.get("attention_mask"))
        except Exception as e:  # the signature moves between versions; positions are optional
            print("note: get_rope_index: %r" % (e,))
        if pos is not None:
            np.save(os.path.join(folder, "image_position_ids.npy"),
                    pos[:, 0].numpy().astype(np.int64))
        info["image"] = {
            "image_file": "image.png", "image_size_wh": [100, 210],
            "prompt_text": text, "input_ids_file": "image_input_ids.npy",
            "n_tokens": int(len(img_ids)),
            "n_image_tokens": int((img_ids == ids["<|image|>"]).sum()),
            "pixel_values_file": "pixel_values.npy", "pixel_values_shape": list(pv.shape),
            "image_grid_thw_file": "image_grid_thw.npy", "image_grid_thw": thw.tolist(),
            "position_ids_file": "image_position_ids.npy" if pos is not None else None,
            "rope_deltas": deltas.tolist() if deltas is not None else None,
            "logits_file": "image_logits.npy", "logits_shape": list(img_logits.shape),
            "generated_ids": img_gen, "max_new_tokens": IMAGE_NEW,
            "processor": type(ip).__name__, "processor_keys": sorted(inputs.keys()),
        }
        print("image: grid %s, %d tokens, %d image tokens, gen %s" % (
            thw.tolist(), len(img_ids), info["image"]["n_image_tokens"], img_gen))
    except Exception as e:
        import traceback
        traceback.print_exc()
        info["image"] = {"skipped": repr(e)}
    try:
        preprocess_references(os.path.join(a.out, "glm4v_images"))
    except Exception:
        import traceback
        traceback.print_exc()
    base.write_json(os.path.join(folder, "reference.json"), info)
    size = base.dir_size(folder)
    print("glm4v: %d bytes, files %s" % (size, sorted(os.listdir(folder))))
    assert size <= 4 * 1024 * 1024, size


if __name__ == "__main__":
    main()
