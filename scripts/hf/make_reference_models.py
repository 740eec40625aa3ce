#!/usr/bin/env python3
"""Make the Hugging Face reference data under tests/hf/models/.

Deterministic (fixed seeds, CPU, float32).  Two stages:

  tokenizer  (needs: tokenizers, numpy)
      Trains one small byte-level BPE tokenizer on the built-in CORPUS below and
      writes it in two pre-tokenizer variants:
        gpt2    ByteLevel(use_regex=True) pre-tokenizer, as GPT-2 has
        llama3  Sequence[Split(LLAMA3_PATTERN, isolated), ByteLevel(use_regex=False)],
                as Llama-3 / Qwen2 / GLM-4 have
      Both variants share the same vocab and merges.  Also writes
      tokenizer_cases_<variant>.json (encode and decode cases).

  models     (needs: torch, transformers, tokenizers, numpy)
      Builds a tiny random-weight model for glm, glm4, llama, qwen2 and gpt2,
      saves it with save_pretrained (safetensors), reloads it from disk in
      float32 with eager attention, and writes input_ids.npy, logits.npy,
      hidden_states.npy, generate_logits.npy and reference.json.

Usage (from the repository root):
  python3 scripts/hf/make_reference_models.py [--out tests/hf/models] [--stage all|tokenizer|models]
"""
import argparse
import hashlib
import inspect
import json
import os
import sys

import numpy as np

# ---------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------

VOCAB_SIZE = 512
EOS_TOKEN = "<|endoftext|>"

LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# Small built-in multilingual training text: English prose, code, digits,
# punctuation, CJK, emoji, other scripts.
CORPUS = r"""
The quick brown fox jumps over the lazy dog. The dog was not amused, and the fox ran into the forest.
It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness.
We are compiling neural networks ahead of time, so that the model runs without the framework that trained it.
She said: "I'm sure they'll come back; they've done it before, and we'd wait for them." Isn't that so?
In 1969, 600 million people watched the landing. The price rose from $3.50 to $12.75 (an increase of 264%).
Call 555-0123 or write to info@example.com before 2024-12-31 at 23:59:59; reference #A-42/7.
Numbers: 0 1 2 3 4 5 6 7 8 9 10 11 12 100 256 1024 4096 65536 3.14159 2.71828 1,000,000 -42 +7 1e-5

def greet(name):
    # Return a friendly greeting.
    if not name:
        return "Hello, world!"
    return f"Hello, {name}!"

for i in range(10):
    print(i, i * i, greet(str(i)))

int main(int argc, char **argv) {
    for (int i = 0; i < argc; ++i) {
        printf("%d: %s\n", i, argv[i]);
    }
    return 0;
}

const x = [1, 2, 3].map((v) => v * 2); // [2, 4, 6]
SELECT id, name FROM users WHERE age >= 18 ORDER BY name;
{"key": "value", "list": [true, false, null], "n": 12.5}

你好，世界！今天天气很好，我们去公园散步吧。机器学习和神经网络正在改变世界。
这是一个测试句子，用来训练分词器。中文、日本語、한국어都在这里。
日本語のテキストです。ひらがなとカタカナと漢字を使います。東京は大きな都市です。
한국어 문장입니다. 안녕하세요, 만나서 반갑습니다.
Привет, мир! Как дела? Всё хорошо, спасибо.
Γειά σου Κόσμε! Ελληνικά γράμματα: α β γ δ ε.
مرحبا بالعالم. هذه جملة عربية قصيرة.
Café, naïve, résumé, façade, jalapeño, Ångström, über, straße, Øresund, Łódź.
Emoji: 😀 😃 😄 🎉 👍 👍🏽 ❤️ 🚀 🔥 ✨ 🐍 🦀 👨‍👩‍👧 🇩🇪 🇯🇵
Mixed: English中文123日本語! version v2.0.1-beta, file_name.txt, CamelCaseName, snake_case_name.
Tabs	and	spaces    and
newlines

end.
"""


def _bytes_to_unicode():
    """GPT-2's byte -> printable character table (as tokenizers' ByteLevel uses)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + \
        list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_TO_CHAR = _bytes_to_unicode()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}


def train_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=[EOS_TOKEN],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # Repeat the corpus a few times with a different line order so merges have
    # enough frequent pairs; deterministic.
    lines = CORPUS.split("\n")
    text = lines + lines[::-1] + lines + lines[::-1]
    tok.train_from_iterator(["\n".join(text)], trainer=trainer)
    return tok


def make_variant(base, variant):
    from tokenizers import Regex, Tokenizer, pre_tokenizers

    tok = Tokenizer.from_str(base.to_str())
    if variant == "gpt2":
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    elif variant == "llama3":
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    else:
        raise ValueError(variant)
    return tok


ENCODE_STRINGS = [
    "Hello, world!",
    " leading space",
    "trailing space ",
    "  leading two and trailing two  ",
    "multiple   spaces   between    words",
    "   ",
    " ",
    "",
    "a",
    "line one\nline two\n\nline four",
    "\n\n\n",
    "\r\n windows line ending\r\n",
    "tabs\tand\t\tmore tabs\t",
    "mixed \t \n whitespace  \r\n end",
    "1234567890",
    "Pi is 3.14159265358979 and e is 2.71828",
    "Year 2024, 1,000,000 dollars, agent 007, 12345678901234567890",
    "I'm sure you'll see they've done it, isn't it? He'd say WE'RE ok. IT'S",
    "'s 't 're 've 'm 'll 'd at the start",
    "Punctuation!!! ??? ... --- (brackets) [x] {y} <z> @#$%^&*",
    "def f(x):\n    return x * 2  # comment\n",
    "for (int i = 0; i < n; ++i) { sum += a[i]; }",
    "你好，世界！这是一个测试。",
    "日本語のテキストとカタカナ",
    "한국어 문장입니다",
    "emoji 😀🎉👍🏽 and family 👨‍👩‍👧 flag 🇯🇵",
    "Café naïve résumé façade Ångström straße",
    "combining e\u0301 versus precomposed \u00e9",
    "Привет, мир! Ελληνικά",
    "مرحبا بالعالم",
    "mixed: English中文123日本語!",
    "CJK numbers: 第123章 and fullwidth ２０２４",
    "\u00a0non-breaking\u00a0space and zero\u200bwidth",
    "URL https://example.com/path?q=1&r=2#frag",
    "CamelCaseIdentifier snake_case_name kebab-case",
    "end" + EOS_TOKEN + "start",
]


def _token_bytes(tok, tid):
    """Raw bytes a token id decodes to (before UTF-8 validation)."""
    s = tok.id_to_token(tid)
    added = {t.content for t in tok.get_added_tokens_decoder().values()} \
        if hasattr(tok, "get_added_tokens_decoder") else {EOS_TOKEN}
    if s in added:
        return s.encode("utf-8")
    return bytes(CHAR_TO_BYTE[c] for c in s)


def tokenizer_cases(tok, variant, used_by):
    vocab = tok.get_vocab()
    byte_id = {b: vocab[BYTE_TO_CHAR[b]] for b in range(256)}
    eos_id = tok.token_to_id(EOS_TOKEN)

    enc_cases = []
    for s in ENCODE_STRINGS:
        e = tok.encode(s, add_special_tokens=False)
        ids = list(e.ids)
        dec = tok.decode(ids, skip_special_tokens=False)
        enc_cases.append({
            "text": s,
            "ids": ids,
            "tokens": list(e.tokens),
            "decoded": dec,
            "roundtrip": dec == s,
        })

    def B(*bs):
        return [byte_id[b] for b in bs]

    def E(s):
        return list(tok.encode(s, add_special_tokens=False).ids)

    dec_inputs = [
        ("lone 0xFF byte", B(0xFF)),
        ("lone continuation byte 0x80", B(0x80)),
        ("truncated 3-byte sequence E4 BD (prefix of U+4F60)", B(0xE4, 0xBD)),
        ("truncated 3-byte sequence then ASCII", B(0xE4, 0xBD) + E(" ok")),
        ("valid U+4F60 from single-byte tokens", B(0xE4, 0xBD, 0xA0)),
        ("overlong encoding C0 AF", B(0xC0, 0xAF)),
        ("UTF-16 surrogate ED A0 80", B(0xED, 0xA0, 0x80)),
        ("code point above U+10FFFF: F4 90 80 80", B(0xF4, 0x90, 0x80, 0x80)),
        ("truncated 4-byte emoji F0 9F 98 then 'A'", B(0xF0, 0x9F, 0x98) + E("A")),
        ("valid emoji U+1F600 from single-byte tokens", B(0xF0, 0x9F, 0x98, 0x80)),
        ("a FF b FE FE c", E("a") + B(0xFF) + E("b") + B(0xFE, 0xFE) + E("c")),
        ("two lead bytes in a row E4 E4 BD A0", B(0xE4, 0xE4, 0xBD, 0xA0)),
        ("bytes F5..FF never valid", B(0xF5, 0xF8, 0xFC, 0xFE)),
        ("0x00 and 0x7F control bytes", B(0x00, 0x41, 0x7F)),
        ("encoded CJK text", E("你好，世界")),
        ("encoded emoji text", E("👍🏽🎉")),
        ("encoded text with spaces and newlines", E("  a  b\n\tc ")),
        ("encoded text ending in a partial emoji", E("hi 😀")[:-1] if len(E("hi 😀")) > 1 else E("hi")),
        ("eos token alone", [eos_id]),
        ("text, eos, text", E("end") + [eos_id] + E(" start")),
        ("every byte token 0x20..0x7E in order", B(*range(0x20, 0x7F))),
        ("first 16 ids of the vocabulary", list(range(16))),
        ("last 16 ids of the vocabulary", list(range(tok.get_vocab_size() - 16, tok.get_vocab_size()))),
    ]
    dec_cases = []
    for name, ids in dec_inputs:
        raw = b"".join(_token_bytes(tok, i) for i in ids)
        for skip in (False, True):
            if skip and eos_id not in ids:
                continue
            dec_cases.append({
                "name": name,
                "ids": ids,
                "skip_special_tokens": skip,
                "text": tok.decode(ids, skip_special_tokens=skip),
                "bytes_hex": raw.hex(),
                "valid_utf8": _valid_utf8(raw),
            })

    return {
        "variant": variant,
        "tokenizer_json": "%s/tokenizer.json" % used_by[0],
        "used_by": used_by,
        "vocab_size": tok.get_vocab_size(),
        "eos_token": EOS_TOKEN,
        "eos_token_id": eos_id,
        "note": ("encode: Tokenizer.encode(text, add_special_tokens=False); added tokens such as "
                 "<|endoftext|> are still matched inside text. decode: Tokenizer.decode(ids, "
                 "skip_special_tokens=...); bytes_hex is the concatenation of the tokens' raw bytes "
                 "before UTF-8 validation; invalid UTF-8 comes out as U+FFFD (Rust "
                 "String::from_utf8_lossy)."),
        "tokenizers_version": _version("tokenizers"),
        "encode": enc_cases,
        "decode": dec_cases,
    }


def _dumps(obj, ind=0):
    """JSON with indent 1, but lists of scalars on one line."""
    pad, pad1 = " " * ind, " " * (ind + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = ["%s%s: %s" % (pad1, json.dumps(str(k), ensure_ascii=False), _dumps(v, ind + 1))
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(not isinstance(x, (dict, list, tuple)) for x in obj):
            return "[" + ", ".join(_dumps(x, ind + 1) for x in obj) + "]"
        return "[\n" + ",\n".join(pad1 + _dumps(x, ind + 1) for x in obj) + "\n" + pad + "]"
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return json.dumps(obj, ensure_ascii=False)
    return json.dumps(str(obj), ensure_ascii=False)


def write_json(path, obj):
    text = _dumps(obj)
    assert json.loads(text) == json.loads(json.dumps(obj, default=str))
    with open(path, "w") as f:
        f.write(text + "\n")


def _valid_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _version(mod):
    try:
        return __import__(mod).__version__
    except Exception:
        return None


MODEL_TOKENIZER = {"gpt2": "gpt2", "llama": "llama3", "qwen2": "llama3", "glm": "llama3", "glm4": "llama3"}
MODEL_TYPES = ["glm", "glm4", "llama", "qwen2", "gpt2"]


def stage_tokenizer(out):
    base = train_tokenizer()
    toks = {}
    for variant in ("gpt2", "llama3"):
        tok = make_variant(base, variant)
        toks[variant] = tok
        used_by = [m for m in MODEL_TYPES if MODEL_TOKENIZER[m] == variant]
        for m in used_by:
            os.makedirs(os.path.join(out, m), exist_ok=True)
            tok.save(os.path.join(out, m, "tokenizer.json"))
            with open(os.path.join(out, m, "tokenizer_config.json"), "w") as f:
                json.dump({
                    "tokenizer_class": "PreTrainedTokenizerFast",
                    "eos_token": EOS_TOKEN,
                    "bos_token": None,
                    "pad_token": None,
                    "add_bos_token": False,
                    "add_eos_token": False,
                    "clean_up_tokenization_spaces": False,
                    "model_max_length": 256,
                }, f, indent=2)
                f.write("\n")
        cases = tokenizer_cases(tok, variant, used_by)
        write_json(os.path.join(out, "tokenizer_cases_%s.json" % variant), cases)
        h = hashlib.sha256(tok.to_str().encode()).hexdigest()[:16]
        print("tokenizer %s: vocab %d, sha256 %s" % (variant, tok.get_vocab_size(), h))
    return toks


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

HIDDEN = 64
LAYERS = 2
HEADS = 4
KV_HEADS = 2
INTER = 128
MAX_POS = 256
N_LOGIT_TOKENS = 16
N_PROMPT = 8
N_NEW = 24
PROMPT_BASE = "Hello, world! The quick brown fox 你好 😀 and more text to make it long enough."


def model_specs(vocab, eos_id):
    """(config class name, kwargs, storage dtype, max_shard_size or None, seed, legacy keys)."""
    common = dict(vocab_size=vocab, max_position_embeddings=MAX_POS, bos_token_id=None,
                  eos_token_id=eos_id, pad_token_id=None)
    return {
        "glm": ("GlmConfig", dict(common, hidden_size=HIDDEN, intermediate_size=INTER,
                                  num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                                  num_key_value_heads=KV_HEADS, head_dim=16,
                                  partial_rotary_factor=0.5, rope_theta=10000.0,
                                  rms_norm_eps=1.5625e-07, attention_bias=True,
                                  hidden_act="silu", tie_word_embeddings=False),
                "float32", None, 1001,
                {"rope_theta": 10000.0, "partial_rotary_factor": 0.5}),
        "glm4": ("Glm4Config", dict(common, hidden_size=HIDDEN, intermediate_size=INTER,
                                    num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                                    num_key_value_heads=KV_HEADS, head_dim=16,
                                    partial_rotary_factor=0.5, rope_theta=10000.0,
                                    rms_norm_eps=1e-05, attention_bias=True,
                                    hidden_act="silu", tie_word_embeddings=False),
                 "float32", "200KB", 1002,
                 {"rope_theta": 10000.0, "partial_rotary_factor": 0.5}),
        "llama": ("LlamaConfig", dict(common, hidden_size=HIDDEN, intermediate_size=INTER,
                                      num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                                      num_key_value_heads=KV_HEADS, head_dim=32,
                                      rope_theta=500000.0, rms_norm_eps=1e-05,
                                      attention_bias=False, mlp_bias=False,
                                      hidden_act="silu", tie_word_embeddings=False),
                  "bfloat16", None, 1003, {"rope_theta": 500000.0}),
        "qwen2": ("Qwen2Config", dict(common, hidden_size=HIDDEN, intermediate_size=INTER,
                                      num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                                      num_key_value_heads=KV_HEADS, rope_theta=1000000.0,
                                      rms_norm_eps=1e-06, use_sliding_window=False,
                                      hidden_act="silu", tie_word_embeddings=True),
                  "float16", None, 1004, {"rope_theta": 1000000.0}),
        "gpt2": ("GPT2Config", dict(vocab_size=vocab, n_positions=MAX_POS, n_embd=HIDDEN,
                                    n_layer=LAYERS, n_head=HEADS, n_inner=INTER,
                                    activation_function="gelu_new", layer_norm_epsilon=1e-05,
                                    resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                                    bos_token_id=eos_id, eos_token_id=eos_id, pad_token_id=None,
                                    tie_word_embeddings=True),
                 "float32", None, 1005, {}),
    }


def init_weights(torch, model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            shape = tuple(p.shape)
            if p.ndim == 1 and name.endswith("weight"):          # norm scales
                v = 1.0 + 0.1 * torch.randn(shape, generator=g)
            elif p.ndim == 1:                                     # biases
                v = 0.1 * torch.randn(shape, generator=g)
            else:                                                 # matrices, embeddings
                v = 0.2 * torch.randn(shape, generator=g)
            p.copy_(v.to(p.dtype))


def dir_size(path):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(path) for f in fs)


def generation_info(tok, prompt_text, prompt_ids, gen_ids, gen_hf, margins):
    """reference.json's "generation" record: the greedy tokens and how they were checked."""
    return {"prompt_text": prompt_text, "prompt_ids": prompt_ids,
            "max_new_tokens": N_NEW, "do_sample": False, "eos_stopping": False,
            "generated_ids": gen_ids,
            "generated_text": tok.decode(gen_ids, skip_special_tokens=False),
            "hf_generate_ids": gen_hf, "hf_generate_matches": gen_hf == gen_ids,
            "distinct_generated": len(set(gen_ids)),
            "min_top1_top2_margin": min(margins),
            "step_logits_file": "generate_logits.npy",
            "step_logits_note": "[24, vocab]: last-position logits at each greedy step "
                                "(full recompute)"}


def make_model(out, mtype, tok, spec):
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, GenerationConfig

    cls_name, kw, dtype_name, shard, seed, legacy = spec
    cls = getattr(transformers, cls_name, None)
    if cls is None:
        print("SKIP %s: transformers %s has no %s" % (mtype, transformers.__version__, cls_name))
        return {"model_type": mtype, "skipped": "no %s in transformers %s" % (cls_name, transformers.__version__)}
    folder = os.path.join(out, mtype)
    os.makedirs(folder, exist_ok=True)
    for f in os.listdir(folder):
        if f.startswith("model") and (f.endswith(".safetensors") or f.endswith(".json")):
            os.remove(os.path.join(folder, f))

    torch.manual_seed(seed)
    config = cls(**kw)
    config.architectures = None
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager").to(torch.float32).eval()
    init_weights(torch, model, seed)
    if kw.get("tie_word_embeddings"):
        assert model.get_output_embeddings().weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()

    store_dtype = getattr(torch, dtype_name)
    model = model.to(store_dtype)   # round FIRST; the reference is computed from these values
    model.generation_config = GenerationConfig(do_sample=False, max_new_tokens=N_NEW,
                                               bos_token_id=config.bos_token_id,
                                               eos_token_id=config.eos_token_id)
    save_kw = {}
    params = inspect.signature(model.save_pretrained).parameters
    if "safe_serialization" in params:
        save_kw["safe_serialization"] = True
    if shard:
        save_kw["max_shard_size"] = shard
    else:
        save_kw["max_shard_size"] = "100MB"
    model.save_pretrained(folder, **save_kw)

    # Add the v4-style top-level keys that Hub checkpoints carry (rope_theta,
    # partial_rotary_factor) next to transformers 5's rope_parameters.
    cfg_path = os.path.join(folder, "config.json")
    with open(cfg_path) as f:
        cfg_json = json.load(f)
    for k, v in legacy.items():
        cfg_json.setdefault(k, v)
    with open(cfg_path, "w") as f:
        json.dump(cfg_json, f, indent=2, sort_keys=True)
        f.write("\n")

    # Reload from disk in float32 (upcasts the stored half-precision weights exactly).
    ref = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32,
                                               attn_implementation="eager").eval()
    # the reloaded weights must equal the rounded in-memory weights
    sd_mem = {k: v.float() for k, v in model.state_dict().items()}
    for k, v in ref.state_dict().items():
        assert torch.equal(v, sd_mem[k]), k
    assert ref.dtype == torch.float32
    if hasattr(config, "rope_parameters"):
        assert dict(ref.config.rope_parameters) == dict(config.rope_parameters), \
            (ref.config.rope_parameters, config.rope_parameters)

    vocab = config.vocab_size
    rs = np.random.RandomState(seed)
    input_ids = rs.randint(0, vocab, size=N_LOGIT_TOKENS).astype(np.int64)

    # hidden states via hooks: [embedding output, layer 0..L-1 outputs, final norm output]
    captured = []

    def hook(_m, _i, o):
        captured.append((o[0] if isinstance(o, (tuple, list)) else o).detach().clone())

    if mtype == "gpt2":
        layers, fnorm = list(ref.transformer.h), ref.transformer.ln_f
    else:
        layers, fnorm = list(ref.model.layers), ref.model.norm

    def pre_hook(_m, args, kwargs):
        captured.append((args[0] if args else kwargs["hidden_states"]).detach().clone())

    handles = [layers[0].register_forward_pre_hook(pre_hook, with_kwargs=True)]
    handles += [m.register_forward_hook(hook) for m in layers + [fnorm]]
    with torch.no_grad():
        logits = ref(torch.from_numpy(input_ids)[None]).logits[0].float().numpy()
    for h in handles:
        h.remove()
    hidden = np.stack([c[0].float().numpy() for c in captured]).astype(np.float32)
    assert hidden.shape == (LAYERS + 2, N_LOGIT_TOKENS, config.hidden_size if mtype != "gpt2" else HIDDEN)
    # the final-norm output times lm_head must reproduce the logits
    with torch.no_grad():
        chk = ref.get_output_embeddings()(torch.from_numpy(hidden[-1])).numpy()
    assert np.allclose(chk, logits, atol=1e-4, rtol=1e-4)

    np.save(os.path.join(folder, "input_ids.npy"), input_ids)
    np.save(os.path.join(folder, "logits.npy"), logits.astype(np.float32))
    np.save(os.path.join(folder, "hidden_states.npy"), hidden)

    # prompt: longest prefix of PROMPT_BASE that encodes to exactly N_PROMPT tokens
    prompt_text = None
    for n in range(1, len(PROMPT_BASE) + 1):
        if len(tok.encode(PROMPT_BASE[:n], add_special_tokens=False).ids) == N_PROMPT:
            prompt_text = PROMPT_BASE[:n]
    assert prompt_text is not None
    prompt_ids = list(tok.encode(prompt_text, add_special_tokens=False).ids)

    # greedy, full recompute each step, pure argmax over the whole vocabulary
    seq = list(prompt_ids)
    step_logits = []
    margins = []
    with torch.no_grad():
        for _ in range(N_NEW):
            lg = ref(torch.tensor([seq])).logits[0, -1].float()
            step_logits.append(lg.numpy().copy())
            top2 = torch.topk(lg, 2).values
            margins.append(float(top2[0] - top2[1]))
            seq.append(int(torch.argmax(lg)))
    gen_ids = seq[len(prompt_ids):]
    np.save(os.path.join(folder, "generate_logits.npy"), np.stack(step_logits).astype(np.float32))

    # transformers' generate() with KV cache, eos disabled, must agree
    gc = GenerationConfig(do_sample=False, max_new_tokens=N_NEW, min_new_tokens=N_NEW,
                          eos_token_id=None, bos_token_id=None, pad_token_id=0,
                          num_beams=1, temperature=None, top_p=None, top_k=None)
    ref.generation_config = gc
    try:
        with torch.no_grad():
            g = ref.generate(torch.tensor([prompt_ids]), generation_config=gc,
                             attention_mask=torch.ones(1, len(prompt_ids), dtype=torch.long))
        gen_hf = [int(x) for x in g[0, len(prompt_ids):]]
    except Exception as e:  # keep the manual reference even if generate() changes API
        print("WARNING %s: generate() failed: %r" % (mtype, e))
        gen_hf = None
    if gen_hf != gen_ids:
        print("WARNING %s: generate() %s != manual greedy %s" % (mtype, gen_hf, gen_ids))

    info = {
        "model_type": mtype,
        "config_class": cls_name,
        "storage_dtype": dtype_name,
        "sharded": bool(shard),
        "seed": seed,
        "init": "norm weights 1+0.1*N(0,1); biases 0.1*N(0,1); matrices/embeddings 0.2*N(0,1); "
                "then rounded to storage_dtype",
        "compute": "float32, CPU, eval(), attn_implementation=eager, weights reloaded from this folder",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "tokenizers": _version("tokenizers"), "numpy": np.__version__,
                     "python": sys.version.split()[0]},
        "tokenizer_variant": MODEL_TOKENIZER[mtype],
        "logits": {"input_ids": input_ids.tolist(), "input_ids_file": "input_ids.npy",
                   "logits_file": "logits.npy", "shape": list(logits.shape),
                   "argmax": [int(x) for x in logits.argmax(-1)],
                   "hidden_states_file": "hidden_states.npy",
                   "hidden_states_note": "[L+2, 16, hidden]: embedding output (gpt2: wte+wpe), "
                                         "output of each decoder layer, final norm output"},
        "generation": generation_info(tok, prompt_text, prompt_ids, gen_ids, gen_hf, margins),
        "config": {k: v for k, v in ref.config.to_dict().items() if k != "_name_or_path"},
    }
    write_json(os.path.join(folder, "reference.json"), info)
    for f in os.listdir(folder):
        os.chmod(os.path.join(folder, f), 0o644)
    size = dir_size(folder)
    files = sorted(os.listdir(folder))
    print("%-6s %-9s %7d bytes  logits std %.3f  gen %s  distinct %d  margin %.4f  hf_match %s  files %s" % (
        mtype, dtype_name, size, float(logits.std()), gen_ids, len(set(gen_ids)), min(margins),
        gen_hf == gen_ids, files))
    assert size <= 2 * 1024 * 1024, "%s is %d bytes" % (folder, size)
    return info


def stage_models(out, toks=None):
    import torch
    from tokenizers import Tokenizer

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    if toks is None:
        toks = {}
        for m in MODEL_TYPES:
            v = MODEL_TOKENIZER[m]
            if v not in toks:
                toks[v] = Tokenizer.from_file(os.path.join(out, m, "tokenizer.json"))
    any_tok = toks["gpt2"]
    vocab = any_tok.get_vocab_size()
    eos_id = any_tok.token_to_id(EOS_TOKEN)
    specs = model_specs(vocab, eos_id)
    for m in MODEL_TYPES:
        make_model(out, m, toks[MODEL_TOKENIZER[m]], specs[m])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="tests/hf/models")
    ap.add_argument("--stage", default="all", choices=["all", "tokenizer", "models"])
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    toks = None
    if a.stage in ("all", "tokenizer"):
        toks = stage_tokenizer(a.out)
    if a.stage in ("all", "models"):
        stage_models(a.out, toks)


if __name__ == "__main__":
    main()
