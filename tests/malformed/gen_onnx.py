"""Malformed and hostile ONNX models for the malformed-input suite: nodes without outputs,
nodes with more inputs or outputs than kiln reads, scalars where a dim is needed, zero heads,
huge and negative sizes in shape inputs, undefined and cyclic values, attribute type confusion.
Protobuf bytes come from tests/onnx/gen_malformed.py's hand-written encoder."""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "onnx"))
from gen_malformed import ld, model, node, tensor, value_info, vint  # noqa: E402

I64 = 7
BIG = (1 << 63) - 1


def attr_int(name, v):
    return ld(5, ld(1, name) + vint(3, v) + vint(20, 2))


def attr_float(name, v):
    return ld(5, ld(1, name) + struct.pack("<B", (2 << 3) | 5) + struct.pack("<f", v) + vint(20, 1))


def attr_string(name, v):
    return ld(5, ld(1, name) + ld(4, v) + vint(20, 3))


def attr_ints(name, vs):
    return ld(5, ld(1, name) + b"".join(vint(8, v) for v in vs) + vint(20, 7))


def i64_tensor(name, values, dims=None):
    dims = [len(values)] if dims is None else dims
    return tensor(name, dims, dtype=I64, raw=struct.pack("<%dq" % len(values), *values))


def onnx_case(out, name, data, expect, files=None, legal=False):
    d = os.path.join(out, name)
    os.makedirs(d)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(data)
    with open(os.path.join(d, "legal" if legal else "expect"), "w") as f:
        f.write("" if legal else expect)
    for rel, blob in (files or {}).items():
        with open(os.path.join(d, rel), "wb") as f:
            f.write(blob)
    return d


def add_w_external(location):
    w = tensor("w", [2], external=[("location", location), ("offset", "0"), ("length", "8")])
    return model([node("Add", ["x", "w"], ["y"], "a")], [value_info("x", [2])],
                 [value_info("y", [2])], [w])


def one(op, ins, outs, extra=b"", inputs=(("x", [2, 3]),), inits=(), outputs=None, opset=17):
    """A one-node model; graph outputs default to the node's first output as f32[2, 3]."""
    g_out = outputs if outputs is not None else [value_info(outs[0] if outs else "x", [2, 3])]
    return model([node(op, ins, outs, "n") + extra], [value_info(n, s) for n, s in inputs],
                 g_out, inits, opsets=(("", opset),))


def main(out):
    # nodes without outputs (each importer read outputs[0])
    for op, ins, inits in [("Shape", ["x"], []), ("Size", ["x"], []),
                           ("Constant", [], []), ("ConstantOfShape", ["s"], [i64_tensor("s", [2])]),
                           ("Range", ["a", "b", "c"], [i64_tensor("a", [0], []),
                                                       i64_tensor("b", [4], []),
                                                       i64_tensor("c", [1], [])]),
                           ("Relu", ["x"], [])]:
        extra = ld(5, ld(1, "value") + ld(5, tensor("v", [1], raw=bytes(4))) + vint(20, 4)) \
            if op == "Constant" else b""
        onnx_case(out, "onnx_no_outputs_" + op.lower(),
                  one(op, ins, [], extra, inits=inits, outputs=[value_info("x", [2, 3])]),
                  "node 'n' (%s): the node has no outputs" % op)

    # more inputs or outputs than any real model: legal up to kiln's limits, refused beyond
    axis0 = attr_int("axis", 0)
    for k in [65, 100]:
        onnx_case(out, "onnx_concat_%d_inputs" % k,
                  one("Concat", ["x"] * k, ["y"], axis0, inputs=[("x", [2])],
                      outputs=[value_info("y", [2 * k])]), None, legal=True)
    onnx_case(out, "onnx_concat_1025_inputs",
              one("Concat", ["x"] * 1025, ["y"], axis0, inputs=[("x", [2])],
                  outputs=[value_info("y", [2050])]),
              "1025 inputs and 1 outputs: kiln reads at most 1024 inputs and 64 outputs")
    onnx_case(out, "onnx_split_65_outputs",
              one("Split", ["x"], ["o%d" % i for i in range(65)], axis0, inputs=[("x", [65])],
                  outputs=[value_info("o0", [1])]),
              "65 outputs: kiln reads at most 1024 inputs and 64 outputs")
    # a constant Concat of 70 inputs: the importer folds it (its input arrays were 64 long)
    onnx_case(out, "onnx_concat_70_constants",
              one("Concat", ["c"] * 70, ["y"], axis0, inputs=[("x", [1])],
                  inits=[i64_tensor("c", [1])], outputs=[value_info("y", [70])]),
              None, legal=True)

    # Split of a scalar (opset 18 num_outputs read dims[0] of a rank-0 type)
    onnx_case(out, "onnx_split_scalar_num_outputs",
              one("Split", ["x"], ["a", "b"], attr_int("num_outputs", 2), inputs=[("x", [])],
                  outputs=[value_info("a", [])], opset=18),
              "node 'n' (Split): input 'x' is a scalar; Split needs rank >= 1")
    onnx_case(out, "onnx_split_scalar",
              one("Split", ["x"], ["a", "b"], inputs=[("x", [])], outputs=[value_info("a", [])]),
              "node 'n' (Split): input 'x' is a scalar")
    onnx_case(out, "onnx_split_sizes_mismatch",
              one("Split", ["x", "s"], ["a", "b"], axis0, inputs=[("x", [4])],
                  inits=[i64_tensor("s", [1, 1, 2])], outputs=[value_info("a", [1])]),
              "3 split sizes for 2 outputs")

    # Attention whose 4-D K states zero heads (a division by zero)
    qkv = [("q", [1, 2, 3, 4]), ("k", [1, 0, 3, 4]), ("v", [1, 0, 3, 4])]
    onnx_case(out, "onnx_attention_zero_kv_heads",
              one("Attention", ["q", "k", "v"], ["y"], inputs=qkv,
                  outputs=[value_info("y", [1, 2, 3, 4])], opset=23),
              "node 'n' (Attention): 2 query heads cannot share 0 kv heads")
    onnx_case(out, "onnx_attention_zero_q_heads",
              one("Attention", ["q", "k", "v"], ["y"],
                  attr_int("q_num_heads", 0) + attr_int("kv_num_heads", 0),
                  inputs=[("q", [1, 2, 4]), ("k", [1, 2, 4]), ("v", [1, 2, 4])],
                  outputs=[value_info("y", [1, 2, 4])], opset=23),
              "is not a multiple of 0 heads")

    # sizes in shape inputs: INT64_MAX, negative, products that overflow
    onnx_case(out, "onnx_reshape_int64_max",
              one("Reshape", ["x", "s"], ["y"], inits=[i64_tensor("s", [BIG, 2])]),
              "node 'n' (Reshape): element count overflows")
    onnx_case(out, "onnx_reshape_negative",
              one("Reshape", ["x", "s"], ["y"], inits=[i64_tensor("s", [-5, 2])]),
              "shape[0] is -5; only -1 and 0 may be below 1")
    onnx_case(out, "onnx_constant_of_shape_overflow",
              one("ConstantOfShape", ["s"], ["y"], inits=[i64_tensor("s", [1 << 40, 1 << 40])]),
              "(ConstantOfShape): the shape is negative or too large")
    onnx_case(out, "onnx_constant_of_shape_negative",
              one("ConstantOfShape", ["s"], ["y"], inits=[i64_tensor("s", [-1])]),
              "(ConstantOfShape): the shape is negative or too large")
    onnx_case(out, "onnx_expand_huge",
              one("Expand", ["x", "s"], ["y"], inits=[i64_tensor("s", [BIG, 2, 3])]),
              "(Expand): output 0 would be f32[9223372036854775807, 2, 3], whose size in bytes "
              "overflows")
    onnx_case(out, "onnx_tile_huge",
              one("Tile", ["x", "r"], ["y"], inits=[i64_tensor("r", [BIG, 2])]),
              "(Tile): dim 0 times repeats overflows")
    onnx_case(out, "onnx_range_zero_delta",
              one("Range", ["a", "b", "c"], ["y"], inputs=[("x", [1])],
                  inits=[i64_tensor("a", [0], []), i64_tensor("b", [4], []),
                         i64_tensor("c", [0], [])], outputs=[value_info("y", [4])]),
              "(Range): delta is zero")
    onnx_case(out, "onnx_range_huge",
              one("Range", ["a", "b", "c"], ["y"], inputs=[("x", [1])],
                  inits=[i64_tensor("a", [-BIG], []), i64_tensor("b", [BIG], []),
                         i64_tensor("c", [1], [])], outputs=[value_info("y", [4])]),
              "(Range): the range is too long")
    onnx_case(out, "onnx_slice_huge_step",
              one("Slice", ["x", "s", "e", "a", "st"], ["y"],
                  inits=[i64_tensor("s", [0]), i64_tensor("e", [BIG]), i64_tensor("a", [1]),
                         i64_tensor("st", [-BIG - 1])]),
              "(Slice): slice step -9223372036854775808 is out of range")
    onnx_case(out, "onnx_slice_zero_step",
              one("Slice", ["x", "s", "e", "a", "st"], ["y"],
                  inits=[i64_tensor("s", [0]), i64_tensor("e", [2]), i64_tensor("a", [1]),
                         i64_tensor("st", [0])]),
              "(Slice): slice step 0 is out of range")
    onnx_case(out, "onnx_pad_huge",
              one("Pad", ["x", "p"], ["y"], inits=[i64_tensor("p", [0, 0, BIG, 0])]),
              "(Pad): pads of dim 0 are out of range")
    onnx_case(out, "onnx_gather_index_out_of_range",
              one("Gather", ["c", "i"], ["y"], axis0, inputs=[("x", [1])],
                  inits=[i64_tensor("c", [1, 2, 3]), i64_tensor("i", [7])],
                  outputs=[value_info("y", [1])]),
              "index 7 (element 0 of the indices) is out of range")

    # axes and permutations out of range
    onnx_case(out, "onnx_transpose_perm_out_of_range",
              one("Transpose", ["x"], ["y"], attr_ints("perm", [0, 5])), "(Transpose): perm is not a permutation of 0..1")
    onnx_case(out, "onnx_transpose_perm_repeated",
              one("Transpose", ["x"], ["y"], attr_ints("perm", [0, 0])), "(Transpose): perm is not a permutation of 0..1")
    onnx_case(out, "onnx_softmax_axis_huge",
              one("Softmax", ["x"], ["y"], attr_int("axis", BIG)), "axis 9223372036854775807 is out of range for rank 2")
    onnx_case(out, "onnx_concat_axis_out_of_range",
              one("Concat", ["x", "x"], ["y"], attr_int("axis", 9)), "(Concat): axis 9 is out of range for rank 2")
    onnx_case(out, "onnx_flatten_axis_out_of_range",
              one("Flatten", ["x"], ["y"], attr_int("axis", -9)), "(Flatten): axis -9 is out of range")
    onnx_case(out, "onnx_unsqueeze_axes_repeated",
              one("Unsqueeze", ["x", "a"], ["y"], inits=[i64_tensor("a", [0, 0])]),
              "(Unsqueeze): axis 0 is repeated")
    onnx_case(out, "onnx_reduce_axis_out_of_range",
              one("ReduceSum", ["x", "a"], ["y"], inits=[i64_tensor("a", [7])]),
              "node 'n' (Reduce): axes entry 7 is out of range for rank 2")

    # attribute type confusion
    onnx_case(out, "onnx_attr_axis_float",
              one("Softmax", ["x"], ["y"], attr_float("axis", 1.0)), "attribute 'axis' must be of type int, not float")
    onnx_case(out, "onnx_attr_axis_string",
              one("Concat", ["x", "x"], ["y"], attr_string("axis", "zero")), "attribute 'axis' must be of type int, not string")
    onnx_case(out, "onnx_attr_perm_int",
              one("Transpose", ["x"], ["y"], attr_int("perm", 1)), "attribute 'perm' must be of type ints, not int")
    onnx_case(out, "onnx_cast_unknown_dtype",
              one("Cast", ["x"], ["y"], attr_int("to", 99)), "cast to ONNX element type 99 is unsupported")

    # undefined and cyclic values, duplicate definitions
    onnx_case(out, "onnx_cycle",
              one("Add", ["x", "y"], ["y"]), "node 'n' (Add): input 'y' is not defined")
    two = model([node("Relu", ["x"], ["y"], "r1"), node("Relu", ["x"], ["y"], "r2")],
                [value_info("x", [2])], [value_info("y", [2])])
    onnx_case(out, "onnx_output_defined_twice", two,
              "node 'r2' (Relu): output 'y' is already defined by an earlier node")
    onnx_case(out, "onnx_graph_output_undefined",
              one("Relu", ["x"], ["y"], outputs=[value_info("zz", [2, 3])]),
              "graph output 'zz' is never computed")

    # convolution sizes
    conv_in = [("x", [1, 1, 4, 4])]
    w = tensor("w", [1, 1, 2, 2], raw=bytes(16))
    onnx_case(out, "onnx_conv_group_zero",
              one("Conv", ["x", "w"], ["y"], attr_int("group", 0), inputs=conv_in, inits=[w],
                  outputs=[value_info("y", [1, 1, 3, 3])]), "do not fit group 0")
    onnx_case(out, "onnx_conv_zero_stride",
              one("Conv", ["x", "w"], ["y"], attr_ints("strides", [0, 0]), inputs=conv_in,
                  inits=[w], outputs=[value_info("y", [1, 1, 3, 3])]), "strides needs one value >= 1 per spatial dim")
    onnx_case(out, "onnx_conv_huge_pads",
              one("Conv", ["x", "w"], ["y"], attr_ints("pads", [BIG, 0, BIG, 0]),
                  inputs=conv_in, inits=[w], outputs=[value_info("y", [1, 1, 3, 3])]),
              "(Conv): spatial sizes, kernel, strides, dilations or pads are out of range")
    onnx_case(out, "onnx_maxpool_zero_kernel",
              one("MaxPool", ["x"], ["y"], attr_ints("kernel_shape", [0, 0]), inputs=conv_in,
                  outputs=[value_info("y", [1, 1, 4, 4])]), "(MaxPool): spatial sizes, kernel, strides, dilations or pads are out of range")
