#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/TARGET/ from the repo's
own test inputs (and, for ONNX and the text IR, from ONNX's node tests when they have been
fetched into ~/.cache/kiln by scripts/fetch-onnx-tests.sh).

Usage: make_corpus.py KILN_BINARY [serve_request]   (with serve_request: that corpus alone)

Seeds are kept small (each corpus a few KB to ~150 KB): libFuzzer grows the corpus itself while
it runs; the seeds only need to show it each format's shape. The committed corpus is this
script's output; rerun it after adding test inputs worth seeding from."""
import glob
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")
NODE_TESTS = os.path.expanduser("~/.cache/kiln/onnx-1.22.0/node")
sys.path.insert(0, os.path.join(ROOT, "tests", "malformed"))
import gen_cases  # noqa: E402  (the malformed suite's safetensors writer)


def put(target, data, name=None):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    name = name or hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def node_tests(limit_bytes):
    """The smallest node test model of each op (the name up to its first '_' variant)."""
    if not os.path.isdir(NODE_TESTS):
        return []
    passing = set(read(os.path.join(ROOT, "tests/onnx/expected_pass.txt")).decode().split())
    best = {}
    for t in sorted(passing):
        p = os.path.join(NODE_TESTS, t, "model.onnx")
        if not os.path.exists(p):
            continue
        op = t[len("test_"):].split("_")[0]
        size = os.path.getsize(p)
        if size <= limit_bytes and (op not in best or size < best[op][0]):
            best[op] = (size, t, p)
    return [best[k] for k in sorted(best)]


def serve_request_seeds():
    """`kiln serve` request bodies: a route byte (even: chat, odd: completions), then JSON."""
    shutil.rmtree(os.path.join(CORPUS, "serve_request"), ignore_errors=True)
    chat = [
        {"model": "m", "messages": [{"role": "user", "content": "Hello!"}]},
        {"model": "m", "messages": [{"role": "system", "content": "Be brief."},
                                    {"role": "user", "content": [{"type": "text",
                                                                  "text": "Hi"}]}],
         "max_tokens": 8, "temperature": 0.7, "top_p": 0.9, "seed": 3, "stop": ["\n", "."],
         "stream": True, "stream_options": {"include_usage": True}},
        {"model": "m", "messages": [{"role": "assistant", "content": "ok"},
                                    {"role": "user", "content": "more"}],
         "max_completion_tokens": 4, "top_k": 5, "stop": "END"},
    ]
    completion = [
        {"model": "m", "prompt": "Once upon a time", "max_tokens": 5},
        {"model": "m", "prompt": [15496, 11, 995], "temperature": 0, "stream": False},
        {"model": "m", "prompt": ["one prompt"], "max_tokens": 1, "seed": 1},
    ]
    for body in chat:
        put("serve_request", b"\x00" + json.dumps(body).encode())
    for body in completion:
        put("serve_request", b"\x01" + json.dumps(body).encode())


def main():
    kiln = sys.argv[1]
    if sys.argv[2:] == ["serve_request"]:
        serve_request_seeds()
        return
    shutil.rmtree(CORPUS, ignore_errors=True)
    serve_request_seeds()

    # JSON model description: the malformed cases, the example MLP, a one-node model that
    # reads w.safetensors (which the target writes beside model.json).
    for p in sorted(glob.glob(os.path.join(ROOT, "tests/malformed/cases/*/model.json"))):
        put("json_model", read(p))
    put("json_model", read(os.path.join(ROOT, "examples/mlp/model.json")))
    put("json_model", gen_cases.model_json("w.safetensors", ["x", "w"]))

    # safetensors headers
    st = gen_cases.safetensors_bytes
    put("safetensors", st(gen_cases.GOOD_HEADER, gen_cases.GOOD_DATA))
    put("safetensors", st({"__metadata__": {"format": "pt"}, "a": {"dtype": "F16", "shape": [2],
                           "data_offsets": [0, 4]}, "b": {"dtype": "BF16", "shape": [],
                           "data_offsets": [4, 6]}}, bytes(6)))
    put("safetensors", st({"e": {"dtype": "I64", "shape": [0, 3], "data_offsets": [0, 0]},
                           "i": {"dtype": "I32", "shape": [1], "data_offsets": [0, 4]},
                           "u": {"dtype": "U8", "shape": [3], "data_offsets": [4, 7]},
                           "k": {"dtype": "BOOL", "shape": [1], "data_offsets": [7, 8]}},
                          bytes(8)))

    # ONNX: the smallest passing node test of each op, and the hand-written malformed models
    total = 0
    for size, _, p in node_tests(600):
        if total + size > 120_000:
            break
        put("onnx", read(p))
        total += size
    put("onnx", read(os.path.join(ROOT, "tests/onnx_models/dropout_training/model.onnx")))

    # Text IR: the FileCheck inputs and the node tests' models as kiln dumps them
    for p in sorted(glob.glob(os.path.join(ROOT, "tests/filecheck/*/*.kir"))):
        put("kir", read(p))
        put("pipeline", read(p))
    total = 0
    for size, _, p in node_tests(400):
        r = subprocess.run([kiln, "dump", p], capture_output=True)
        if r.returncode != 0 or b"weights_dir" in r.stdout or total > 100_000:
            continue
        total += len(r.stdout)
        put("kir", r.stdout)
        put("pipeline", r.stdout)

    # Hugging Face folders: config.json [#-- index [#-- generation_config]]
    sep = b"\n#--\n"
    for m in ["gpt2", "llama", "qwen2", "glm", "glm4"]:
        d = os.path.join(ROOT, "tests/hf/models", m)
        index = os.path.join(d, "model.safetensors.index.json")
        gen = os.path.join(d, "generation_config.json")
        put("hf_config", read(os.path.join(d, "config.json")) + sep +
            (read(index) if os.path.exists(index) else b"") + sep +
            (read(gen) if os.path.exists(gen) else b""))

    # tokenizer.json + "\n#text\n" + text
    cases = json.loads(read(os.path.join(ROOT, "tests/hf/models/tokenizer_cases_gpt2.json")))
    texts = [c["text"] if isinstance(c, dict) else str(c) for c in
             (cases if isinstance(cases, list) else cases.get("cases", []))][:3]
    texts = texts or ["Hello world, it's 2024!  \n\tdon't"]
    for m in ["gpt2", "llama"]:
        tok = read(os.path.join(ROOT, "tests/hf/models", m, "tokenizer.json"))
        put("tokenizer", tok + b"\n#text\n" + "\n".join(texts).encode())

    # .npy: the HF token ids and one small array of each dtype
    put("npy", read(os.path.join(ROOT, "tests/hf/models/gpt2/input_ids.npy")))
    for descr, size in [("<f4", 4), ("<f2", 2), ("<f8", 8), ("|i1", 1), ("|u1", 1), ("<i4", 4),
                        ("<i8", 8), ("|b1", 1)]:
        for shape in ["(2, 3)", "()", "(0,)"]:
            n = {"(2, 3)": 6, "()": 1, "(0,)": 0}[shape]
            header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
            header += " " * (63 - (10 + len(header)) % 64) + "\n"
            put("npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) +
                header.encode() + bytes(n * size))


if __name__ == "__main__":
    main()
