#!/usr/bin/env python3
"""Writes the malformed-input cases that need binary files or symlinks into a folder.

Usage: gen_cases.py OUT_DIR

Each case is OUT_DIR/<case>/model.json plus its files, and OUT_DIR/<case>/expect holding the
substring kiln's error must contain. Only the standard library is used, so the suite runs
anywhere Python 3 does.
"""
import json
import os
import struct
import sys


def safetensors_bytes(header, data, header_len=None):
    """u64 little-endian header length, the JSON header, then the data bytes."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    n = len(text) if header_len is None else header_len
    return struct.pack("<Q", n) + text + data


def model_json(weights, node_inputs):
    """A one-node model: y = Add(x, <node_inputs[1]>) over f32[2, 3]."""
    return json.dumps({
        "name": "m",
        "weights": weights,
        "inputs": [{"name": "x", "dtype": "f32", "shape": [2, 3]}],
        "outputs": ["y"],
        "nodes": [{"op": "Add", "name": "add", "inputs": node_inputs, "outputs": ["y"]}],
    }, indent=2) + "\n"


GOOD_HEADER = {"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}
GOOD_DATA = struct.pack("<6f", 1, 2, 3, 4, 5, 6)


def write_case(out, name, expect, weights=None, model=None, files=None):
    d = os.path.join(out, name)
    os.makedirs(d)
    with open(os.path.join(d, "model.json"), "w") as f:
        f.write(model if model is not None else model_json("w.safetensors", ["x", "w"]))
    with open(os.path.join(d, "expect"), "w") as f:
        f.write(expect)
    if weights is not None:
        with open(os.path.join(d, "w.safetensors"), "wb") as f:
            f.write(weights)
    for rel, data in (files or {}).items():
        with open(os.path.join(d, rel), "wb") as f:
            f.write(data)
    return d


def main():
    out = sys.argv[1]
    good = safetensors_bytes(GOOD_HEADER, GOOD_DATA)

    write_case(out, "missing_weight_tensor",
               "model.json: node 'add' (Add): input 'fc9.weight' is not an input, constant, "
               "earlier output or weight",
               weights=good, model=model_json("w.safetensors", ["x", "fc9.weight"]))
    write_case(out, "truncated_safetensors", "w.safetensors: tensor 'w': data_offsets [0, 24] "
               "run past the end of the data section (10 bytes)", weights=good[:-14])
    write_case(out, "safetensors_too_short", "w.safetensors: file is 5 bytes", weights=good[:5])
    write_case(out, "header_length_past_end", "runs past the end of the file",
               weights=safetensors_bytes(GOOD_HEADER, GOOD_DATA, header_len=100000))
    write_case(out, "header_length_over_cap", "more than the limit of",
               weights=safetensors_bytes(GOOD_HEADER, GOOD_DATA, header_len=1 << 62))
    write_case(out, "overlapping_safetensors", "overlap tensor 'a'",
               weights=safetensors_bytes({
                   "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
                   "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [20, 44]},
               }, GOOD_DATA + GOOD_DATA[:20]))
    write_case(out, "dtype_size_mismatch",
               "tensor 'w': shape and dtype F32 need 24 bytes but data_offsets [0, 12] hold 12",
               weights=safetensors_bytes(
                   {"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 12]}},
                   GOOD_DATA[:12]))
    write_case(out, "safetensors_trailing_bytes", "4 trailing bytes after the last tensor",
               weights=good + b"\0\0\0\0")
    write_case(out, "safetensors_gap", "tensor 'w': gap of 8 unused bytes",
               weights=safetensors_bytes(
                   {"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [8, 32]}},
                   bytes(8) + GOOD_DATA))
    write_case(out, "safetensors_unknown_dtype", "tensor 'w': unknown dtype 'F8_E4M3'",
               weights=safetensors_bytes(
                   {"w": {"dtype": "F8_E4M3", "shape": [6], "data_offsets": [0, 6]}}, bytes(6)))
    write_case(out, "safetensors_bad_json", "header is not valid JSON",
               weights=safetensors_bytes(b'{"w": {"dtype": "F32",', GOOD_DATA))
    write_case(out, "safetensors_deep_header", "header nests deeper than 64 levels",
               weights=safetensors_bytes(b"[" * 5000 + b"]" * 5000, b""))
    write_case(out, "safetensors_duplicate_tensor", "tensor 'w' appears twice",
               weights=safetensors_bytes(
                   b'{"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},'
                   b' "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [24, 48]}}',
                   GOOD_DATA + GOOD_DATA))
    write_case(out, "weight_type_mismatch",
               "node 'add' (Add): input 0 is f32 but input 1 is i32",
               weights=safetensors_bytes(
                   {"w": {"dtype": "I32", "shape": [2, 3], "data_offsets": [0, 24]}}, GOOD_DATA))

    # A symlink that leaves the model's folder; the target is a valid safetensors file, so only
    # the path check can refuse it.
    d = write_case(out, "path_symlink_outside", "outside the model's folder")
    with open(os.path.join(out, "outside.safetensors"), "wb") as f:
        f.write(good)
    os.symlink("../outside.safetensors", os.path.join(d, "w.safetensors"))

    write_case(out, "deeply_nested_json", "model.json: JSON nests deeper than 64 levels",
               model="[" * 100000)

    # the other readers and the files themselves, one module each
    import gen_files
    import gen_hf
    import gen_onnx
    import gen_text
    gen_onnx.main(out)
    gen_text.main(out)
    gen_files.main(out)
    gen_hf.main(out)


if __name__ == "__main__":
    main()
