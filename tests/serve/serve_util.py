"""Helpers of the `kiln serve` tests: compiling the tiny gpt2 test model once, starting the
server on a free loopback port (--port 0: the server prints the port it bound), and stopping it
with SIGTERM, which must end it with status 0 and no sanitizer report."""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

KILN = os.environ["KILN"]
SRC = os.environ["KILN_SOURCE_DIR"]
BIN = os.environ["KILN_BINARY_DIR"]
GPT2 = os.path.join(SRC, "tests", "hf", "models", "gpt2")
TOKENIZER = os.path.join(GPT2, "tokenizer.json")

_failures = []
_passes = [0]


def check(label, cond, detail=""):
    if cond:
        _passes[0] += 1
        print("ok   " + label, flush=True)
    else:
        _failures.append(label)
        print("FAIL " + label + (": " + str(detail) if detail else ""), flush=True)


def finish():
    print("%d passed, %d failed" % (_passes[0], len(_failures)))
    sys.exit(1 if _failures else 0)


def tmpdir(name):
    root = os.path.join(BIN, "test-tmp")
    os.makedirs(root, exist_ok=True)
    return tempfile.mkdtemp(prefix=name + "-", dir=root)


def compile_model(tmp, name="gpt2"):
    """kiln compile tests/hf/models/NAME --emit so; returns the library's path (model id:
    libNAME)."""
    out = os.path.join(tmp, name)
    subprocess.run([KILN, "compile", os.path.join(SRC, "tests", "hf", "models", name), "--emit",
                    "so", "-o", out], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(out, "lib%s.so" % name)


def compile_gpt2(tmp):
    return compile_model(tmp, "gpt2")


def generate_ids(lib, prompt=None, tokens=None, n=16):
    """The ids `kiln generate` produces greedily (its --ids line)."""
    args = [KILN, "generate", lib, "--tokenizer", TOKENIZER, "-n", str(n), "--ids"]
    args += ["--prompt", prompt] if prompt is not None else ["--tokens", ",".join(map(str, tokens))]
    r = subprocess.run(args, check=True, capture_output=True, text=True, errors="replace")
    last = r.stdout.rstrip("\n").split("\n")[-1]
    return [int(x) for x in last.split()] if last.strip() else []


class Server:
    def __init__(self, lib, *extra, tmp, tokenizer=TOKENIZER):
        self.err_path = os.path.join(tmp, "server-%d.err" % time.monotonic_ns())
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen([KILN, "serve", lib, "--tokenizer", tokenizer, "--port", "0"]
                                     + list(extra), stdout=subprocess.DEVNULL, stderr=self.err)
        self.port = None
        deadline = time.monotonic() + 120
        while self.port is None and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("kiln serve exited: " + self.stderr())
            m = re.search(r"on http://127\.0\.0\.1:(\d+)", self.stderr())
            if m:
                self.port = int(m.group(1))
            else:
                time.sleep(0.05)
        if self.port is None:
            raise RuntimeError("kiln serve did not start: " + self.stderr())
        self.base = "http://127.0.0.1:%d" % self.port

    def stderr(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def stop(self, label):
        """SIGTERM; the server must exit 0 within 60 s and report no sanitizer error."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = "hung"
        self.err.close()
        err = self.stderr()
        bad = re.search(r"Sanitizer|runtime error|internal error|assertion", err)
        check(label + ": SIGTERM exits 0, clean", rc == 0 and not bad,
              "rc %s, stderr tail: %s" % (rc, err[-2000:]))
