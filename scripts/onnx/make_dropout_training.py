#!/usr/bin/env python3
"""Writes tests/onnx_models/dropout_training/: a small MLP shaped like an ONNX export of a model
left in training mode (Dropout nodes whose training_mode input is a constant true), with fixed
inputs and onnxruntime's inference outputs.

kiln imports such a Dropout as identity, with a warning: it compiles for inference. onnxruntime
is not consistent about it (checked with onnxruntime 1.32, CPU): a Dropout it executes drops at
random when training_mode is true (scaled by 1/(1-ratio)), but its default graph optimizations
(ORT_ENABLE_BASIC and above) remove a Dropout whose mask is unused and whose input is not a graph
input, whatever training_mode says, so in a typical export the training-mode Dropouts vanish and
the model runs as at inference; with optimizations disabled, or where the node cannot be removed,
it stays random. The stored outputs come from the model with training_mode set to false (what
kiln must match); the script checks and records in reference.json that the training-mode model
gives the same outputs in a default session and different, varying ones with optimizations off.

Usage: python3 scripts/onnx/make_dropout_training.py [OUT_DIR]
(default tests/onnx_models/dropout_training; needs numpy, onnx, onnxruntime). Deterministic:
fixed seed, CPU, one thread.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

SEED = 20261203
OPSET = 17
SHAPES = {"b2": 2, "b3": 3}  # tag -> batch


def build(training):
    """The model; training sets the value of both training_mode constants."""
    rng = np.random.RandomState(SEED)
    w1 = (0.5 * rng.randn(8, 16)).astype(np.float32)
    b1 = (0.1 * rng.randn(16)).astype(np.float32)
    w2 = (0.5 * rng.randn(16, 4)).astype(np.float32)
    inits = [
        numpy_helper.from_array(w1, "w1"),
        numpy_helper.from_array(b1, "b1"),
        numpy_helper.from_array(w2, "w2"),
        numpy_helper.from_array(np.array(0.5, np.float32), "ratio"),
        numpy_helper.from_array(np.array(training), "training_mode"),
    ]
    mode2 = numpy_helper.from_array(np.array(training), "mode2")
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h0"], name="fc1.matmul"),
        helper.make_node("Add", ["h0", "b1"], ["h1"], name="fc1.add"),
        # As torch's exporter writes it: ratio and training_mode as initializers, mask unused.
        helper.make_node("Dropout", ["h1", "ratio", "training_mode"], ["d1", ""],
                         name="fc1.dropout"),
        helper.make_node("Relu", ["d1"], ["r"], name="act"),
        # training_mode from a Constant node, and no node name (kiln names it Dropout_5).
        helper.make_node("Constant", [], ["mode2_value"], value=mode2, name="mode2.const"),
        helper.make_node("Dropout", ["r", "ratio", "mode2_value"], ["d2"]),
        # An inference Dropout (no training_mode): not part of the warning.
        helper.make_node("Dropout", ["d2", "ratio"], ["d3"], name="eval.dropout"),
        helper.make_node("MatMul", ["d3", "w2"], ["y"], name="fc2.matmul"),
    ]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])
    g = helper.make_graph(nodes, "dropout_training", [x], [y], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)],
                          producer_name="kiln scripts/onnx/make_dropout_training.py")
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    return m


def session(model, level=ort.GraphOptimizationLevel.ORT_ENABLE_ALL):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.graph_optimization_level = level
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/onnx_models/dropout_training"
    os.makedirs(out, exist_ok=True)
    train, infer = build(True), build(False)
    onnx.save(train, os.path.join(out, "model.onnx"))
    s_infer, s_train = session(infer), session(train)
    s_raw = session(train, ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    rng = np.random.RandomState(SEED + 1)
    observed = {}
    for tag, batch in SHAPES.items():
        x = rng.randn(batch, 8).astype(np.float32)
        (y,) = s_infer.run(None, {"x": x})
        (t,) = s_train.run(None, {"x": x})
        (r1,) = s_raw.run(None, {"x": x})
        (r2,) = s_raw.run(None, {"x": x})
        observed[tag] = {
            "default_session_equals_inference": bool(np.array_equal(t, y)),
            "unoptimized_differs_from_inference": bool(not np.array_equal(r1, y)),
            "unoptimized_runs_differ": bool(not np.array_equal(r1, r2)),
        }
        np.save(os.path.join(out, f"{tag}_in_x.npy"), x)
        np.save(os.path.join(out, f"{tag}_out_y.npy"), y)
    for what, v in observed.items():
        assert all(v.values()), f"onnxruntime behaved otherwise than recorded ({what}: {v})"
    ref = {
        "command": "python3 scripts/onnx/make_dropout_training.py",
        "seed": SEED,
        "opset": OPSET,
        "outputs_are": "onnxruntime on the model with training_mode false (inference)",
        "onnxruntime_training_mode": "random dropout where the node runs (optimizations off); "
        "the default optimizer removes these Dropouts (mask unused), so a default session "
        "gives the inference outputs",
        "observed": observed,
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                     "onnx": onnx.__version__, "onnxruntime": ort.__version__},
    }
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps(ref, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
