#!/usr/bin/env python3
"""Makes the small random-weight ONNX exports that tests/onnx_models checks kiln against.

Usage: python3 scripts/onnx/make_exports.py OUT_DIR

Writes, under OUT_DIR/<model>/: model.onnx, the fixed inputs <shape>_in_<name>.npy and
onnxruntime's CPU outputs <shape>_out_<name>.npy for each stored shape, and OUT_DIR/manifest.json
(versions, ops, shapes, sizes, and the reason for any export that failed). Everything is seeded,
so a rerun with the same package versions writes the same files.

Models (all with random weights, nothing downloaded):
  bert        transformers BertModel (hidden 64, 2 layers, 4 heads, intermediate 128, vocab 1000,
              64 positions), inputs input_ids + attention_mask, TorchScript exporter, opset 17,
              dynamic axes batch/seq
  gpt2_ts     transformers GPT2LMHeadModel (n_embd 64, 2 layers, 4 heads, vocab 1000, 64
              positions, no cache), input input_ids, output logits, TorchScript exporter
  gpt2_dynamo the same model through the dynamo exporter (torch.onnx.export(dynamo=True))
  resnet      a ResNet of torchvision BasicBlocks, layers [1,1,1,1], widths 16/32/64/128 (the
              torchvision class fixes widths 64..512, which would not fit the size budget),
              10 classes, eval mode, 1x3x32x32 input (batch dynamic)
  bert_int8   onnxruntime.quantization.quantize_dynamic of bert (weights QInt8, MatMul only)
"""
import json
import os
import sys
import traceback

import numpy as np
import torch

SEED = 1234
OPSET = 17

# Per model: the shapes stored; the first is the "static" one, the others exercise the dynamic
# axes with other bindings.
TEXT_SHAPES = [("b2s8", 2, 8), ("b1s13", 1, 13)]
IMAGE_SHAPES = [("b1", 1), ("b2", 2)]


def seed_all(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)


def jitter_norms(model, gen):
    """LayerNorm weights default to 1 and biases to 0; perturb them so that a kernel that ignores
    gamma or beta shows."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.LayerNorm):
                mod.weight.add_(0.1 * torch.randn(mod.weight.shape, generator=gen))
                mod.bias.add_(0.1 * torch.randn(mod.bias.shape, generator=gen))


def run_ort(path, feeds):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return names, sess.run(names, feeds)


def model_io(path):
    import onnx

    m = onnx.load(path)
    init = {i.name for i in m.graph.initializer}

    def dims(vi):
        out = []
        for d in vi.type.tensor_type.shape.dim:
            out.append(d.dim_param if d.HasField("dim_param") else int(d.dim_value))
        return out

    ops = {}
    for n in m.graph.node:
        key = n.op_type if n.domain in ("", "ai.onnx") else n.domain + "." + n.op_type
        ops[key] = ops.get(key, 0) + 1
    return {
        "opset": {o.domain or "ai.onnx": o.version for o in m.opset_import},
        "inputs": {i.name: dims(i) for i in m.graph.input if i.name not in init},
        "outputs": {o.name: dims(o) for o in m.graph.output},
        "ops": dict(sorted(ops.items())),
        "bytes": os.path.getsize(path),
    }


def store_case(dirpath, tag, feeds, onnx_path, torch_outs=None):
    """Saves the inputs and onnxruntime's outputs for one shape; returns a manifest entry."""
    for name, arr in feeds.items():
        np.save(os.path.join(dirpath, f"{tag}_in_{name}.npy"), arr)
    names, outs = run_ort(onnx_path, feeds)
    entry = {"inputs": {k: list(v.shape) for k, v in feeds.items()}, "outputs": {}}
    for name, arr in zip(names, outs):
        np.save(os.path.join(dirpath, f"{tag}_out_{name}.npy"), arr)
        entry["outputs"][name] = {"shape": list(arr.shape), "dtype": str(arr.dtype),
                                  "max_abs": float(np.max(np.abs(arr)))}
    if torch_outs is not None:
        # How far onnxruntime is from PyTorch: a check on the export itself.
        entry["ort_vs_torch_max_abs_diff"] = {
            n: float(np.max(np.abs(o - t))) for n, o, t in zip(names, outs, torch_outs)}
    return entry, dict(zip(names, outs))


def text_feeds(shape_tag, batch, seq, vocab, rng, with_mask):
    ids = rng.integers(0, vocab, size=(batch, seq), dtype=np.int64)
    feeds = {"input_ids": ids}
    if with_mask:
        mask = np.ones((batch, seq), dtype=np.int64)
        # Padding at the end of every row but the first, of a different length per row.
        for b in range(1, batch):
            mask[b, seq - 1 - b - (seq // 4):] = 0
        if batch == 1:
            mask[0, seq - 4:] = 0
        feeds["attention_mask"] = mask
    return feeds


# ---- BERT ---------------------------------------------------------------------------------------

class BertWrap(torch.nn.Module):
    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask):
        out = self.bert(input_ids=input_ids, attention_mask=attention_mask, return_dict=True)
        return out.last_hidden_state, out.pooler_output


def make_bert(out_dir, man):
    from transformers import BertConfig, BertModel

    seed_all(SEED)
    cfg = BertConfig(vocab_size=1000, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=128, max_position_embeddings=64, initializer_range=0.2,
                     hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    try:
        model = BertModel(cfg, attn_implementation="eager")
    except TypeError:
        cfg._attn_implementation = "eager"
        model = BertModel(cfg)
    gen = torch.Generator().manual_seed(SEED + 1)
    jitter_norms(model, gen)
    model.eval()
    wrap = BertWrap(model).eval()
    d = os.path.join(out_dir, "bert")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    rng = np.random.default_rng(SEED)
    cases = [(tag, text_feeds(tag, b, s, 1000, rng, True)) for tag, b, s in TEXT_SHAPES]
    ex = cases[0][1]
    torch.onnx.export(wrap, (torch.from_numpy(ex["input_ids"]), torch.from_numpy(ex["attention_mask"])),
                      path, dynamo=False, opset_version=OPSET,
                      input_names=["input_ids", "attention_mask"],
                      output_names=["last_hidden_state", "pooler_output"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "seq"},
                                    "attention_mask": {0: "batch", 1: "seq"},
                                    "last_hidden_state": {0: "batch", 1: "seq"},
                                    "pooler_output": {0: "batch"}},
                      do_constant_folding=True)
    entry = {"exporter": "torchscript (dynamo=False)", "config": cfg.to_diff_dict(),
             "model": model_io(path), "shapes": {}}
    for tag, feeds in cases:
        with torch.no_grad():
            t = [x.numpy() for x in wrap(*(torch.from_numpy(feeds[k]) for k in ("input_ids", "attention_mask")))]
        entry["shapes"][tag], _ = store_case(d, tag, feeds, path, t)
    man["models"]["bert"] = entry
    return path, cases


# ---- GPT-2 --------------------------------------------------------------------------------------

class Gpt2Wrap(torch.nn.Module):
    """input_ids -> logits. With ones_mask, passes an all-ones attention_mask (what None means):
    without a mask, transformers 5 looks for packed sequences in the position ids with
    torch.diff, which the TorchScript exporter cannot export (aten::diff)."""

    def __init__(self, gpt, ones_mask=False):
        super().__init__()
        self.gpt = gpt
        self.ones_mask = ones_mask

    def forward(self, input_ids):
        mask = torch.ones_like(input_ids) if self.ones_mask else None
        return self.gpt(input_ids=input_ids, attention_mask=mask, use_cache=False,
                        return_dict=True).logits


def gpt2_model(ones_mask):
    from transformers import GPT2Config, GPT2LMHeadModel

    seed_all(SEED + 2)
    cfg = GPT2Config(vocab_size=1000, n_embd=64, n_layer=2, n_head=4, n_positions=64,
                     use_cache=False, initializer_range=0.2, resid_pdrop=0.0, embd_pdrop=0.0,
                     attn_pdrop=0.0)
    try:
        model = GPT2LMHeadModel(cfg, attn_implementation="eager")
    except TypeError:
        cfg._attn_implementation = "eager"
        model = GPT2LMHeadModel(cfg)
    jitter_norms(model, torch.Generator().manual_seed(SEED + 3))
    model.eval()
    return cfg, Gpt2Wrap(model, ones_mask).eval()


def rename_dims(path, names):
    """The dynamo exporter names symbolic dims itself (s0, s1, ...); rename those of the graph's
    inputs to `names` (input -> {axis: name}) everywhere in the file so the test binds batch/seq
    like for the other models."""
    import onnx

    m = onnx.load(path)
    mapping = {}
    for i in m.graph.input:
        for axis, want in names.get(i.name, {}).items():
            d = i.type.tensor_type.shape.dim[axis]
            if d.HasField("dim_param") and d.dim_param != want:
                mapping[d.dim_param] = want
    if not mapping:
        return {}
    for vi in list(m.graph.input) + list(m.graph.output) + list(m.graph.value_info):
        for d in vi.type.tensor_type.shape.dim:
            if d.HasField("dim_param") and d.dim_param in mapping:
                d.dim_param = mapping[d.dim_param]
    onnx.save(m, path)
    return mapping


def make_gpt2(out_dir, man, dynamo):
    key = "gpt2_dynamo" if dynamo else "gpt2_ts"
    cfg, wrap = gpt2_model(ones_mask=not dynamo)
    d = os.path.join(out_dir, key)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    rng = np.random.default_rng(SEED + 4)
    cases = [(tag, text_feeds(tag, b, s, 1000, rng, False)) for tag, b, s in TEXT_SHAPES]
    ex = torch.from_numpy(cases[0][1]["input_ids"])
    entry = {"config": cfg.to_diff_dict(), "shapes": {}}
    if dynamo:
        from torch.export import Dim

        batch, seq = Dim("batch", min=1, max=16), Dim("seq", min=1, max=64)
        prog = torch.onnx.export(wrap, (ex,), None, dynamo=True, opset_version=18,
                                 input_names=["input_ids"], output_names=["logits"],
                                 dynamic_shapes={"input_ids": {0: batch, 1: seq}},
                                 external_data=False)
        prog.save(path, external_data=False)
        entry["exporter"] = "dynamo (dynamo=True), opset requested 18"
        entry["renamed_dims"] = rename_dims(path, {"input_ids": {0: "batch", 1: "seq"}})
    else:
        torch.onnx.export(wrap, (ex,), path, dynamo=False, opset_version=OPSET,
                          input_names=["input_ids"], output_names=["logits"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"},
                                        "logits": {0: "batch", 1: "seq"}},
                          do_constant_folding=True)
        entry["exporter"] = ("torchscript (dynamo=False); the wrapper passes attention_mask="
                             "ones_like(input_ids) because transformers' mask-free path uses "
                             "aten::diff, which this exporter cannot export")
    entry["model"] = model_io(path)
    for tag, feeds in cases:
        with torch.no_grad():
            t = [wrap(torch.from_numpy(feeds["input_ids"])).numpy()]
        entry["shapes"][tag], _ = store_case(d, tag, feeds, path, t)
    man["models"][key] = entry


# ---- ResNet -------------------------------------------------------------------------------------

class SmallResNet(torch.nn.Module):
    """torchvision's ResNet layout (7x7/2 stem, 3x3/2 max pool, four stages of BasicBlocks,
    global average pool, fc) at a quarter of resnet18's widths and one block per stage."""

    def __init__(self, widths=(16, 32, 64, 128), num_classes=10):
        super().__init__()
        from torchvision.models.resnet import BasicBlock, conv1x1

        nn = torch.nn
        self.conv1 = nn.Conv2d(3, widths[0], kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        stages, inplanes = [], widths[0]
        for i, w in enumerate(widths):
            stride = 1 if i == 0 else 2
            down = None
            if stride != 1 or inplanes != w:
                down = nn.Sequential(conv1x1(inplanes, w, stride), nn.BatchNorm2d(w))
            stages.append(BasicBlock(inplanes, w, stride, down))
            inplanes = w
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[-1], num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def make_resnet(out_dir, man):
    seed_all(SEED + 5)
    model = SmallResNet()
    gen = torch.Generator().manual_seed(SEED + 6)
    with torch.no_grad():
        # Non-trivial running statistics, so folding (or not folding) BatchNorm matters.
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                c = mod.num_features
                mod.running_mean.copy_(0.1 * torch.randn(c, generator=gen))
                mod.running_var.copy_(0.5 + torch.rand(c, generator=gen))
                mod.weight.copy_(1 + 0.1 * torch.randn(c, generator=gen))
                mod.bias.copy_(0.1 * torch.randn(c, generator=gen))
    model.eval()
    d = os.path.join(out_dir, "resnet")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    rng = np.random.default_rng(SEED + 7)
    cases = [(tag, {"input": rng.standard_normal((b, 3, 32, 32)).astype(np.float32)})
             for tag, b in IMAGE_SHAPES]
    torch.onnx.export(model, (torch.from_numpy(cases[0][1]["input"]),), path, dynamo=False,
                      opset_version=OPSET, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      do_constant_folding=True)
    entry = {"exporter": "torchscript (dynamo=False), eval mode", "widths": [16, 32, 64, 128],
             "model": model_io(path), "shapes": {}}
    for tag, feeds in cases:
        with torch.no_grad():
            t = [model(torch.from_numpy(feeds["input"])).numpy()]
        entry["shapes"][tag], _ = store_case(d, tag, feeds, path, t)
    man["models"]["resnet"] = entry


# ---- int8 BERT ----------------------------------------------------------------------------------

def make_bert_int8(out_dir, man, bert_path, cases):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    d = os.path.join(out_dir, "bert_int8")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    # QInt8 weights: symmetric (zero point 0), the type onnxruntime's dynamic quantization uses
    # by default and the one its CPU MatMulInteger kernels pair with uint8 activations (U8S8).
    # MatMul only, and only MatMuls whose B is a weight: activation x activation products
    # (Q.K^T, P.V) stay fp32, so every quantized product has one dynamically quantized input.
    quantize_dynamic(bert_path, path, weight_type=QuantType.QInt8, per_channel=False,
                     reduce_range=False, op_types_to_quantize=["MatMul"],
                     extra_options={"MatMulConstBOnly": True})
    entry = {"quantizer": "onnxruntime.quantization.quantize_dynamic(weight_type=QInt8, "
                          "per_channel=False, reduce_range=False, op_types_to_quantize=['MatMul'], "
                          "extra_options={'MatMulConstBOnly': True})",
             "model": model_io(path), "shapes": {}}
    for tag, feeds in cases:
        e, outs = store_case(d, tag, feeds, path)
        # The quantization error itself: int8 vs fp32 onnxruntime on the same inputs.
        ref = {n: np.load(os.path.join(out_dir, "bert", f"{tag}_out_{n}.npy")) for n in outs}
        e["int8_vs_fp32_max_abs_diff"] = {n: float(np.max(np.abs(outs[n] - ref[n]))) for n in outs}
        entry["shapes"][tag] = e
    man["models"]["bert_int8"] = entry


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_exports.py OUT_DIR")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    import onnx
    import onnxruntime
    import torchvision
    import transformers

    torch.set_num_threads(1)
    man = {"seed": SEED, "versions": {"python": sys.version.split()[0], "torch": torch.__version__,
                                      "transformers": transformers.__version__,
                                      "torchvision": torchvision.__version__,
                                      "onnx": onnx.__version__,
                                      "onnxruntime": onnxruntime.__version__,
                                      "numpy": np.__version__},
           "command": "python3 scripts/onnx/make_exports.py " + out_dir,
           "models": {}, "failures": {}}
    steps = [("bert", lambda: make_bert(out_dir, man)),
             ("gpt2_ts", lambda: make_gpt2(out_dir, man, False)),
             ("gpt2_dynamo", lambda: make_gpt2(out_dir, man, True)),
             ("resnet", lambda: make_resnet(out_dir, man))]
    bert = None
    for name, fn in steps:
        try:
            r = fn()
            if name == "bert":
                bert = r
        except Exception as e:  # record why, keep going with the other models
            traceback.print_exc()
            man["failures"][name] = f"{type(e).__name__}: {e}"[:4000]
    if bert is not None:
        try:
            make_bert_int8(out_dir, man, *bert)
        except Exception as e:
            traceback.print_exc()
            man["failures"]["bert_int8"] = f"{type(e).__name__}: {e}"[:4000]
    total = 0
    for root, _, files in os.walk(out_dir):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files if f.endswith(".onnx"))
    man["onnx_bytes_total"] = total
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1, sort_keys=True)
    print(json.dumps({k: man[k] for k in ("versions", "failures", "onnx_bytes_total")}, indent=1))


if __name__ == "__main__":
    main()
