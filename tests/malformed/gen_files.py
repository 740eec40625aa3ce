"""Malformed-input cases about the files themselves: FIFOs, directories, sockets, hard links and
symlinks out of the model's folder, for every file kiln opens (model, weights, external data,
text-IR constant files, Hugging Face config, generation config, index and shards).

Each case is what a hostile download could hold. A FIFO must be refused before it is opened
for a blocking read (the suite's timeout catches a hang), a hard link because its other name
may be outside the folder (docs/reliability.md gives the rule)."""
import os
import shutil
import socket

import gen_onnx
from gen_cases import GOOD_DATA, GOOD_HEADER, model_json, safetensors_bytes, write_case

GOOD = safetensors_bytes(GOOD_HEADER, GOOD_DATA)
HF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hf", "models")
KIR = ('kiln.ir 1 graph "m"\ninput %x: f32[2, 3]\n'
       'const %w: f32[2, 3] = load "w.safetensors" "w"\n'
       '%y: f32[2, 3] = Add(%x, %w) name "add"\noutput %y\n')


def outside(out, name, data):
    """A file beside the case folders: outside every model's folder."""
    p = os.path.join(out, name)
    with open(p, "wb") as f:
        f.write(data)
    return p


def socket_at(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()


def hf_case(out, name, expect, model="qwen2", files=("config.json", "generation_config.json",
                                                    "model.safetensors")):
    """A copy of a test model's folder as the case's model/ (files copied, never linked)."""
    d = os.path.join(out, name)
    m = os.path.join(d, "model")
    os.makedirs(m)
    for f in files:
        shutil.copyfile(os.path.join(HF, model, f), os.path.join(m, f))
    with open(os.path.join(d, "expect"), "w") as f:
        f.write(expect)
    return m


def glm4_files():
    return ["config.json", "generation_config.json", "model.safetensors.index.json"] + [
        "model-%05d-of-00004.safetensors" % i for i in range(1, 5)]


def replace(path, how, target=None):
    """Replaces path by a FIFO, a directory, a socket, a hard link or a symlink to target."""
    if os.path.exists(path):
        os.remove(path)
    if how == "fifo":
        os.mkfifo(path)
    elif how == "dir":
        os.mkdir(path)
    elif how == "socket":
        socket_at(path)
    elif how == "hardlink":
        os.link(target, path)
    elif how == "symlink":
        os.symlink(target, path)


def main(out):
    passwd_like = outside(out, "outside-secret.safetensors", GOOD)
    secret = outside(out, "outside-secret.bin", bytes(range(8)))
    secret_json = outside(out, "outside-secret.json", b'{"bos_token_id": 1}')
    kinds = {"fifo": "not a regular file (a FIFO)", "dir": "not a regular file (a directory)",
             "socket": "not a regular file (a socket)",
             "hardlink": "a file with more than one hard link"}
    kinds_msg = {k: "cannot open: " + v for k, v in kinds.items()}

    # JSON model: its weights, and model.json itself (named by the user: any regular file)
    for how, msg in kinds_msg.items():
        d = write_case(out, "json_weights_" + how, "w.safetensors: " + msg, weights=GOOD)
        replace(os.path.join(d, "w.safetensors"), how, passwd_like)
    d = write_case(out, "json_weights_dev_zero", "outside the model's folder")
    replace(os.path.join(d, "w.safetensors"), "symlink", "/dev/zero")
    for how in ["fifo", "dir"]:
        d = write_case(out, "json_model_" + how, "model.json: " + kinds_msg[how],
                       weights=GOOD)
        replace(os.path.join(d, "model.json"), how)

    # ONNX: external data, and the model file
    ext = gen_onnx.add_w_external("w.bin")
    for how, msg in kinds_msg.items():
        d = gen_onnx.onnx_case(out, "onnx_external_" + how, ext,
                               "w.bin: " + msg, files={"w.bin": bytes(8)})
        replace(os.path.join(d, "w.bin"), how, secret)
    d = gen_onnx.onnx_case(out, "onnx_model_fifo", ext, "model.onnx: cannot open: " + kinds["fifo"])
    replace(os.path.join(d, "model.onnx"), "fifo")

    # Text IR: a `load` constant file, and the .kir itself
    for how, msg in kinds_msg.items():
        d = os.path.join(out, "kir_load_" + how)
        os.makedirs(d)
        with open(os.path.join(d, "model.kir"), "w") as f:
            f.write(KIR)
        with open(os.path.join(d, "expect"), "w") as f:
            f.write("w.safetensors: " + msg)
        replace(os.path.join(d, "w.safetensors"), how, passwd_like)
    d = os.path.join(out, "kir_model_fifo")
    os.makedirs(d)
    os.mkfifo(os.path.join(d, "model.kir"))
    with open(os.path.join(d, "expect"), "w") as f:
        f.write("model.kir: cannot open: " + kinds["fifo"])

    # Hugging Face folders: config, generation config, single weights file
    for fname, label in [("config.json", "config"), ("generation_config.json", "genconfig"),
                         ("model.safetensors", "weights")]:
        for how, msg in kinds_msg.items():
            if fname == "config.json" and how == "dir":
                continue  # a folder without a config.json is not a Hugging Face folder
            m = hf_case(out, "hf_%s_%s" % (label, how), fname + ": " + msg)
            replace(os.path.join(m, fname), how,
                    secret_json if fname.endswith(".json") else passwd_like)
    m = hf_case(out, "hf_genconfig_symlink_outside", "outside the model's folder")
    replace(os.path.join(m, "generation_config.json"), "symlink", secret_json)

    # Sharded Hugging Face folders: the index and a shard
    shard = "model-00002-of-00004.safetensors"
    for how, msg in kinds_msg.items():
        m = hf_case(out, "hf_index_" + how, "model.safetensors.index.json: " + msg,
                    model="glm4", files=glm4_files())
        replace(os.path.join(m, "model.safetensors.index.json"), how, secret_json)
        m = hf_case(out, "hf_shard_" + how, shard + ": " + msg, model="glm4",
                    files=glm4_files())
        replace(os.path.join(m, shard), how, passwd_like)
    m = hf_case(out, "hf_index_symlink_outside", "outside the model's folder", model="glm4",
                files=glm4_files())
    replace(os.path.join(m, "model.safetensors.index.json"), "symlink", secret_json)
    m = hf_case(out, "hf_shard_symlink_outside", "outside the model's folder", model="glm4",
                files=glm4_files())
    replace(os.path.join(m, shard), "symlink", passwd_like)
