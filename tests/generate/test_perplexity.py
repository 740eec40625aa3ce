"""`kiln perplexity` (issue 9) against transformers: for each Hugging Face test model, the mean
negative log-likelihood of its 16 reference ids computed from transformers' logits
(tests/hf/models/*/logits.npy: row i scores id i + 1) must equal kiln's within 1e-5 relative,
from a folder and from a compiled library, in one prefill and in chunks of 5 (prefill then
cache), one row or several. Then the error cases."""
import ast
import math
import os
import re
import struct
import subprocess
import sys
import tempfile

KILN = os.environ["KILN"]
MODELS = os.path.join(os.environ["KILN_SOURCE_DIR"], "tests", "hf", "models")
failures = []


def check(what, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond else ": " + detail))
    if not cond:
        failures.append(what)


def read_npy(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<H", data[8:10])[0]
    header = ast.literal_eval(data[10:10 + n].decode())
    fmt = {"<f4": "f", "<i8": "q", "<i4": "i"}[header["descr"]]
    shape = header["shape"]
    count = 1
    for s in shape:
        count *= s
    return shape, list(struct.unpack("<%d%s" % (count, fmt), data[10 + n:10 + n + count *
                                                                   struct.calcsize(fmt)]))


def write_npy(path, descr, shape, values):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, repr(tuple(shape)))
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    fmt = {"<i8": "q", "<i4": "i", "<f4": "f"}[descr]
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%d%s" % (len(values), fmt), *values))


def reference_nll(model):
    (_, vocab), logits = read_npy(os.path.join(MODELS, model, "logits.npy"))
    _, ids = read_npy(os.path.join(MODELS, model, "input_ids.npy"))
    total = 0.0
    for i in range(len(ids) - 1):
        row = logits[i * vocab:(i + 1) * vocab]
        m = max(row)
        total += math.log(sum(math.exp(x - m) for x in row)) + m - row[ids[i + 1]]
    return total / (len(ids) - 1), ids


def perplexity(*args):
    r = subprocess.run([KILN, "perplexity", *args], capture_output=True, text=True, timeout=600)
    m = re.search(r"^mean_nll: (\S+)\nperplexity: (\S+)\n\Z", r.stdout, re.M)
    return r, (float(m.group(1)) if m else None), (float(m.group(2)) if m else None)


tmp = tempfile.mkdtemp(prefix="kiln-ppl.")
for model in ["gpt2", "llama", "qwen2", "glm", "glm4"]:
    want, ids = reference_nll(model)
    one = os.path.join(tmp, model + "-1.npy")
    three = os.path.join(tmp, model + "-3.npy")
    write_npy(one, "<i8", [len(ids)], ids)
    write_npy(three, "<i4", [3, len(ids)], ids * 3)
    folder = os.path.join(MODELS, model)
    for label, args in [("folder", [folder, "--ids", one, "--max-context", "64"]),
                        ("folder, chunks of 5, 3 rows of i32",
                         [folder, "--ids", three, "--max-context", "64", "--max-prefill", "5"])]:
        r, nll, ppl = perplexity(*args)
        ok = nll is not None and abs(nll - want) <= 1e-5 * max(1.0, abs(want))
        check("%s %s: mean_nll %s vs transformers %.6f" % (model, label, nll, want), ok,
              r.stderr[-500:])
        if nll is not None:
            check("%s %s: perplexity is exp(mean_nll)" % (model, label),
                  abs(ppl - math.exp(nll)) <= 1e-3 * ppl, "%s %s" % (ppl, nll))

# a compiled library, and the errors
lib_dir = os.path.join(tmp, "lib")
subprocess.run([KILN, "compile", os.path.join(MODELS, "llama"), "--max-context", "8",
                "--max-prefill", "4", "--emit", "so", "-o", lib_dir], check=True,
               capture_output=True)
lib = os.path.join(lib_dir, "libllama.so")
want, ids = reference_nll("llama")
short = os.path.join(tmp, "short.npy")
write_npy(short, "<i8", [2, 8], ids[:8] * 2)
r, nll, _ = perplexity(lib, "--ids", short, "--quiet")
want8 = None
(_, vocab), logits = read_npy(os.path.join(MODELS, "llama", "logits.npy"))
total = 0.0
for i in range(7):
    row = logits[i * vocab:(i + 1) * vocab]
    m = max(row)
    total += math.log(sum(math.exp(x - m) for x in row)) + m - row[ids[i + 1]]
want8 = total / 7
check("library, 2 rows of 8 in chunks of 4: mean_nll %s vs %.6f" % (nll, want8),
      nll is not None and abs(nll - want8) <= 1e-5 * max(1.0, want8), r.stderr[-500:])
check("--quiet prints no row lines", r.stderr.strip() == "", r.stderr)


def fails(label, args, message):
    r = subprocess.run([KILN, "perplexity", *args], capture_output=True, text=True, timeout=120)
    check(label, r.returncode == 1 and message in r.stderr and "mean_nll" not in r.stdout,
          "exit %d, stderr %r" % (r.returncode, r.stderr[-400:]))


long_ids = os.path.join(tmp, "long.npy")
write_npy(long_ids, "<i8", [10], ids[:10])
fails("rows longer than the cache", [lib, "--ids", long_ids],
      "long.npy: rows of 10 tokens need a KV cache of 9 tokens; the model holds 8")
bad_id = os.path.join(tmp, "bad_id.npy")
write_npy(bad_id, "<i8", [3], [1, 99999, 2])
fails("a token outside the vocabulary", [lib, "--ids", bad_id],
      "bad_id.npy: token 1 of row 0 is 99999, outside the vocabulary [0, 512)")
one_tok = os.path.join(tmp, "one.npy")
write_npy(one_tok, "<i8", [1], [3])
fails("a row of one token", [lib, "--ids", one_tok], "needs at least one row of at least 2 tokens")
floats = os.path.join(tmp, "floats.npy")
write_npy(floats, "<f4", [4], [1.0, 2.0, 3.0, 4.0])
fails("float ids", [lib, "--ids", floats], "token ids must be i64 or i32, not f32")
fails("no --ids", [lib], "--ids IDS.npy is required")
fails("--max-context on a library", [lib, "--ids", short, "--max-context", "9"],
      "--max-context and --max-prefill apply to model folders")
r = subprocess.run([KILN, "perplexity", "--help"], capture_output=True, text=True)
check("--help", r.returncode == 0 and "mean_nll: X" in r.stdout)
subprocess.run(["rm", "-rf", tmp])
print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
