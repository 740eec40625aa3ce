#!/usr/bin/env python3
"""Independent numpy (float64) re-implementation of the five reference models.

Needs only numpy.  Reads config.json and the safetensors files (single or
sharded, F32/BF16/F16, upcast exactly to float64) of each folder under
tests/hf/models/, recomputes the 16-token logits, the hidden states and the
24-token greedy continuation, and compares them with logits.npy,
hidden_states.npy and reference.json.  It documents the math a reader of these
folders has to implement, and checks that the reference files agree with it.

Usage: python3 scripts/hf/check_reference_numpy.py [tests/hf/models]
"""
import json
import math
import os
import struct
import sys

import numpy as np


def load_safetensors(folder):
    idx = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(idx):
        files = sorted(set(json.load(open(idx))["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    out = {}
    for fn in files:
        raw = open(os.path.join(folder, fn), "rb").read()
        hl = struct.unpack("<Q", raw[:8])[0]
        header = json.loads(raw[8:8 + hl])
        data = raw[8 + hl:]
        for name, t in header.items():
            if name == "__metadata__":
                continue
            a, b = t["data_offsets"]
            buf = data[a:b]
            if t["dtype"] == "F32":
                arr = np.frombuffer(buf, "<f4")
            elif t["dtype"] == "F16":
                arr = np.frombuffer(buf, "<f2")
            elif t["dtype"] == "BF16":
                arr = (np.frombuffer(buf, "<u2").astype(np.uint32) << 16).view(np.float32)
            else:
                raise ValueError(t["dtype"])
            out[name] = arr.astype(np.float64).reshape(t["shape"])
    return out


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, -1, keepdims=True) + eps) * w


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def silu(x):
    return x / (1.0 + np.exp(-x))


def gelu_new(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def attention(q, k, v):
    """q [T, H, D], k/v [T, KV, D]; causal; GQA by repeating each kv head H/KV times."""
    T, H, D = q.shape
    rep = H // k.shape[1]
    k = np.repeat(k, rep, axis=1)
    v = np.repeat(v, rep, axis=1)
    s = np.einsum("thd,shd->hts", q, k) / math.sqrt(D)
    s = s + np.triu(np.full((T, T), -np.inf), 1)[None]
    s = np.exp(s - s.max(-1, keepdims=True))
    p = s / s.sum(-1, keepdims=True)
    return np.einsum("hts,shd->thd", p, v).reshape(T, H * D)


def rope(x, pos, theta, partial, interleaved):
    """x [T, H, D].  llama/qwen2: rotate_half on the first rot dims (pairs i, i+rot/2).
    glm/glm4: interleaved pairs (2i, 2i+1) on the first rot = D*partial dims."""
    D = x.shape[-1]
    rot = int(D * partial)
    inv = 1.0 / (theta ** (np.arange(0, rot, 2, dtype=np.float64) / rot))
    f = pos[:, None] * inv[None]                      # [T, rot/2]
    cos, sin = np.cos(f)[:, None], np.sin(f)[:, None]  # [T, 1, rot/2]
    xr, xp = x[..., :rot], x[..., rot:]
    if interleaved:
        a, b = xr[..., 0::2], xr[..., 1::2]
        ra = a * cos - b * sin
        rb = b * cos + a * sin
        out = np.stack([ra, rb], -1).reshape(xr.shape)
    else:
        a, b = xr[..., :rot // 2], xr[..., rot // 2:]
        out = np.concatenate([a * cos - b * sin, b * cos + a * sin], -1)
    return np.concatenate([out, xp], -1)


def forward(mtype, cfg, W, ids):
    T = len(ids)
    pos = np.arange(T, dtype=np.float64)
    hidden = []
    if mtype == "gpt2":
        H = cfg["n_head"]
        eps = cfg["layer_norm_epsilon"]
        x = W["transformer.wte.weight"][ids] + W["transformer.wpe.weight"][:T]
        hidden.append(x)
        for i in range(cfg["n_layer"]):
            p = "transformer.h.%d." % i
            h = layer_norm(x, W[p + "ln_1.weight"], W[p + "ln_1.bias"], eps)
            qkv = h @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]   # Conv1D: [in, out]
            q, k, v = np.split(qkv, 3, -1)
            D = q.shape[-1] // H
            a = attention(q.reshape(T, H, D), k.reshape(T, H, D), v.reshape(T, H, D))
            x = x + a @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]
            h = layer_norm(x, W[p + "ln_2.weight"], W[p + "ln_2.bias"], eps)
            h = gelu_new(h @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"])
            x = x + h @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"]
            hidden.append(x)
        x = layer_norm(x, W["transformer.ln_f.weight"], W["transformer.ln_f.bias"], eps)
        hidden.append(x)
        return x @ W["transformer.wte.weight"].T, hidden

    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D = cfg.get("head_dim") or cfg["hidden_size"] // H
    eps = cfg["rms_norm_eps"]
    rp = cfg.get("rope_parameters") or {}
    theta = rp.get("rope_theta", cfg.get("rope_theta", 10000.0))
    partial = rp.get("partial_rotary_factor", cfg.get("partial_rotary_factor", 1.0))
    interleaved = mtype in ("glm", "glm4")

    def lin(h, name):
        y = h @ W[name + ".weight"].T                  # nn.Linear: [out, in]
        if name + ".bias" in W:
            y = y + W[name + ".bias"]
        return y

    x = W["model.embed_tokens.weight"][ids]
    hidden.append(x)
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        h = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q = rope(lin(h, p + "self_attn.q_proj").reshape(T, H, D), pos, theta, partial, interleaved)
        k = rope(lin(h, p + "self_attn.k_proj").reshape(T, KV, D), pos, theta, partial, interleaved)
        v = lin(h, p + "self_attn.v_proj").reshape(T, KV, D)
        a = lin(attention(q, k, v), p + "self_attn.o_proj")
        if mtype == "glm4":
            a = rms_norm(a, W[p + "post_self_attn_layernorm.weight"], eps)
        x = x + a
        h = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        if mtype in ("glm", "glm4"):
            gate, up = np.split(lin(h, p + "mlp.gate_up_proj"), 2, -1)
        else:
            gate, up = lin(h, p + "mlp.gate_proj"), lin(h, p + "mlp.up_proj")
        m = lin(up * silu(gate), p + "mlp.down_proj")
        if mtype == "glm4":
            m = rms_norm(m, W[p + "post_mlp_layernorm.weight"], eps)
        x = x + m
        hidden.append(x)
    x = rms_norm(x, W["model.norm.weight"], eps)
    hidden.append(x)
    lm = W["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else W["lm_head.weight"]
    return x @ lm.T, hidden


def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "tests/hf/models"
    ok = True
    for mtype in ["glm", "glm4", "llama", "qwen2", "gpt2"]:
        folder = os.path.join(root, mtype)
        cfg = json.load(open(os.path.join(folder, "config.json")))
        ref = json.load(open(os.path.join(folder, "reference.json")))
        W = load_safetensors(folder)
        ids = np.load(os.path.join(folder, "input_ids.npy"))
        logits, hidden = forward(mtype, cfg, W, ids)
        e_log = rel(logits, np.load(os.path.join(folder, "logits.npy")))
        e_hid = rel(np.stack(hidden), np.load(os.path.join(folder, "hidden_states.npy")))
        seq = list(ref["generation"]["prompt_ids"])
        for _ in range(ref["generation"]["max_new_tokens"]):
            seq.append(int(forward(mtype, cfg, W, np.array(seq))[0][-1].argmax()))
        gen = seq[len(ref["generation"]["prompt_ids"]):]
        gen_ok = gen == ref["generation"]["generated_ids"]
        good = e_log < 1e-5 and e_hid < 1e-5 and gen_ok
        ok &= good
        print("%-6s logits rel err %.2e  hidden rel err %.2e  greedy %s  %s" % (
            mtype, e_log, e_hid, "match" if gen_ok else "MISMATCH", "ok" if good else "FAIL"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
