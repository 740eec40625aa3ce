#!/usr/bin/env python3
"""Writes the weights of kiln's example models: examples/<name>/model.safetensors.

The values are deterministic (a seeded splitmix64 generator), so every machine produces the
same bytes. Linear weights and biases are uniform in [-1, 1) scaled by 1/sqrt(fan_in), as
torch.nn.Linear initialises them; norm scales are 1 plus a small uniform perturbation.
Python 3 standard library only.

usage: make_example_weights.py [REPO_ROOT]   (default: the folder above this script)
"""

import json
import math
import os
import struct
import sys

MASK64 = (1 << 64) - 1


class SplitMix64:
    """The splitmix64 generator: small, seedable, identical everywhere."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def uniform(self):
        """A double in [-1, 1)."""
        return -1.0 + 2.0 * (self.next_u64() >> 11) / float(1 << 53)


def linear(rng, out_features, in_features):
    """A torch-layout [out, in] weight scaled by 1/sqrt(in)."""
    scale = 1.0 / math.sqrt(in_features)
    return [out_features, in_features], [rng.uniform() * scale for _ in range(out_features * in_features)]


def bias(rng, out_features, in_features):
    scale = 1.0 / math.sqrt(in_features)
    return [out_features], [rng.uniform() * scale for _ in range(out_features)]


def norm_scale(rng, n):
    return [n], [1.0 + 0.1 * rng.uniform() for _ in range(n)]


def mlp_tensors():
    rng = SplitMix64(0x6D6C70)  # "mlp"
    t = {}
    for name, (n_in, n_out) in (("fc1", (64, 128)), ("fc2", (128, 128)), ("fc3", (128, 10))):
        t[name + ".weight"] = linear(rng, n_out, n_in)
        t[name + ".bias"] = bias(rng, n_out, n_in)
    return t


def tiny_glm_tensors():
    rng = SplitMix64(0x676C6D)  # "glm"
    hidden, kv, ffn = 256, 64, 512
    p = "layers.0."
    t = {}
    t[p + "input_layernorm.weight"] = norm_scale(rng, hidden)
    for proj, n_out in (("q_proj", hidden), ("k_proj", kv), ("v_proj", kv)):
        t[p + "self_attn." + proj + ".weight"] = linear(rng, n_out, hidden)
        t[p + "self_attn." + proj + ".bias"] = bias(rng, n_out, hidden)
    t[p + "self_attn.o_proj.weight"] = linear(rng, hidden, hidden)
    t[p + "post_attention_layernorm.weight"] = norm_scale(rng, hidden)
    t[p + "mlp.gate_proj.weight"] = linear(rng, ffn, hidden)
    t[p + "mlp.up_proj.weight"] = linear(rng, ffn, hidden)
    t[p + "mlp.down_proj.weight"] = linear(rng, hidden, ffn)
    return t


def safetensors_bytes(tensors):
    """Serialises {name: (shape, float values)} as f32 safetensors, tensors in name order."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        shape, values = tensors[name]
        assert len(values) == math.prod(shape), name
        blob = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    text += b" " * (-len(text) % 8)  # data starts 8-byte aligned
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def write_if_changed(path, data):
    """Writes atomically (two builds may run this at once) and only when the bytes differ."""
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    except OSError:
        pass
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return True


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    for name, make in (("mlp", mlp_tensors), ("tiny-glm", tiny_glm_tensors)):
        path = os.path.join(root, "examples", name, "model.safetensors")
        changed = write_if_changed(path, safetensors_bytes(make()))
        print("%s %s" % ("wrote" if changed else "up to date:", os.path.relpath(path, root)))


if __name__ == "__main__":
    main()
