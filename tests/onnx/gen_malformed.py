#!/usr/bin/env python3
"""Writes malformed ONNX models into OUT_DIR, each with the message kiln must print, as
OUT_DIR/cases.txt lines "FILE<TAB>EXPECTED SUBSTRING". Protobuf bytes are written by hand
(no third-party modules)."""
import os
import struct
import sys


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint((field << 3) | wire)


def vint(field, n):
    return key(field, 0) + varint(n)


def ld(field, data):
    if isinstance(data, str):
        data = data.encode()
    return key(field, 2) + varint(len(data)) + data


def tensor(name, dims, dtype=1, raw=None, external=None):
    b = b"".join(vint(1, d) for d in dims) + vint(2, dtype) + ld(8, name)
    if raw is not None:
        b += ld(9, raw)
    if external is not None:
        for k, v in external:
            b += ld(13, ld(1, k) + ld(2, v))
        b += vint(14, 1)
    return b


def value_info(name, dims, dtype=1):
    shape = b"".join(ld(1, vint(1, d)) for d in dims)
    return ld(1, name) + ld(2, ld(1, vint(1, dtype) + ld(2, shape)))


def node(op, ins, outs, name):
    return b"".join(ld(1, i) for i in ins) + b"".join(ld(2, o) for o in outs) + ld(3, name) + ld(4, op)


def model(nodes, inputs, outputs, inits=(), opsets=(("", 17),)):
    g = b"".join(ld(1, n) for n in nodes) + ld(2, "g")
    g += b"".join(ld(5, t) for t in inits)
    g += b"".join(ld(11, v) for v in inputs) + b"".join(ld(12, v) for v in outputs)
    m = vint(1, 8) + ld(7, g)
    for dom, ver in opsets:
        m += ld(8, ld(1, dom) + vint(2, ver))
    return m


def relu_model(x_dims=(2, 3), inits=(), extra_in=()):
    return model([node("Relu", ["x"], ["y"], "r")], [value_info("x", x_dims)] + list(extra_in),
                 [value_info("y", x_dims)], inits)


def add_w_model(w):
    return model([node("Add", ["x", "w"], ["y"], "a")], [value_info("x", [2])],
                 [value_info("y", [2])], [w])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    cases = []

    def case(name, data, expect, files=None):
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "model.onnx"), "wb") as f:
            f.write(data)
        for fname, content in (files or {}).items():
            with open(os.path.join(d, fname), "wb") as f:
                f.write(content)
        cases.append((os.path.join(d, "model.onnx"), expect))

    good = relu_model()
    case("truncated", good[: len(good) // 2], "malformed protobuf")
    case("wire_type", vint(7, 5) + good, "malformed protobuf")  # graph as a varint
    case("random", bytes((i * 7919 + 13) % 256 for i in range(300)), "malformed protobuf")
    case("negative_dim", relu_model(x_dims=(2, -3)), "dim 1 is negative")
    big = (1 << 62)
    case("dims_product", relu_model(x_dims=(big, big)), "element count overflows")
    case("init_dim_overflow", add_w_model(tensor("w", [big, 4], raw=b"")), "element count overflows")
    case("raw_len", add_w_model(tensor("w", [2], raw=b"\0" * 5)), "raw_data has 5 bytes, expected 8")
    ext = lambda loc, off="0", ln="8": [("location", loc), ("offset", off), ("length", ln)]
    case("ext_abs", add_w_model(tensor("w", [2], external=ext("/etc/passwd"))), "absolute")
    case("ext_dotdot", add_w_model(tensor("w", [2], external=ext("../w.bin"))), "..")
    d = os.path.join(out, "ext_symlink")
    os.makedirs(d, exist_ok=True)
    link = os.path.join(d, "w.bin")
    if not os.path.lexists(link):
        os.symlink("/etc/hostname", link)
    case("ext_symlink", add_w_model(tensor("w", [2], external=ext("w.bin"))), "outside")
    case("ext_past_end", add_w_model(tensor("w", [2], external=ext("w.bin", "4"))),
         "past the end", {"w.bin": b"\0" * 8})
    case("ext_length", add_w_model(tensor("w", [2], external=ext("w.bin", "0", "4"))),
         "does not match the tensor's 8 bytes", {"w.bin": b"\0" * 8})
    case("ext_offset_overflow",
         add_w_model(tensor("w", [2], external=ext("w.bin", str((1 << 63) - 4)))),
         "past the end", {"w.bin": b"\0" * 8})
    case("opset_domain", model([node("Relu", ["x"], ["y"], "r")], [value_info("x", [2])],
                               [value_info("y", [2])], opsets=(("", 17), ("ai.onnx.ml", 3))),
         "operator set domain 'ai.onnx.ml' is unsupported")
    case("two_unsupported",
         model([node("NonMaxSuppressionX", ["x"], ["t"], "nms_1"), node("LoopX", ["t"], ["y"], "loop")],
               [value_info("x", [2])], [value_info("y", [2])]),
         "unsupported ops (opset 17): NonMaxSuppressionX (node 'nms_1'), LoopX (node 'loop')")
    case("string_init", add_w_model(tensor("w", [2], dtype=8)), "string tensors are unsupported")
    # Dropout's training_mode decides the import only when it is one known value.
    ratio = tensor("ratio", [], raw=struct.pack("<f", 0.5))
    dropout = lambda inputs, inits: model([node("Dropout", ["x", "ratio", "tm"], ["y"], "drop")],
                                          [value_info("x", [2])] + inputs,
                                          [value_info("y", [2])], [ratio] + inits)
    case("dropout_mode_input", dropout([value_info("tm", [], dtype=9)], []),
         "node 'drop' (Dropout): input 'tm' (training_mode) must be a compile-time constant")
    case("dropout_mode_two", dropout([], [tensor("tm", [2], dtype=9, raw=b"\1\0")]),
         "node 'drop' (Dropout): input 'tm' (training_mode) must hold one value, not 2")
    with open(os.path.join(out, "cases.txt"), "w") as f:
        for p, e in cases:
            f.write(p + "\t" + e + "\n")


if __name__ == "__main__":
    main()
