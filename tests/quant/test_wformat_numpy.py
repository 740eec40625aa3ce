"""Weight formats against numpy (docs/quantization.md): for every format, odd sizes and blocks
that are all zero, one-sided or hold an outlier,

1. quantize: `kiln compile --weights FORMAT` of an f32 Linear weight writes exactly the bytes
   that the numpy reference below computes from the same f32 data (scales, zero points, codes);
2. dequantize: a constant packed by numpy (`packed FORMAT "HEX"` in .kir), multiplied by the
   identity, gives exactly numpy's dequantized weights, both in the interpreter (`kiln run
   --interp`) and in the compiled kernels (`kiln run`, one row: matvec; K rows: matmul);
3. the round trip stays within half a quantization step of the original weights.

numpy comes from KILN_BINARY_DIR/quant-venv (pip-installed on first use); without pip or the
network the test is skipped (exit 77)."""
import os
import subprocess
import sys
import tempfile

VENV = os.path.join(os.environ["KILN_BINARY_DIR"], "quant-venv")
VPY = os.path.join(VENV, "bin", "python3")

try:
    import numpy as np
except ImportError:
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        print("SKIP: numpy is missing from %s" % VENV)
        sys.exit(77)
    try:
        if not os.path.exists(VPY):
            subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([VPY, "-m", "pip", "install", "-q", "numpy"], check=True)
    except (subprocess.CalledProcessError, OSError) as e:
        print("SKIP: cannot pip-install numpy into %s (%s)" % (VENV, e))
        sys.exit(77)
    sys.exit(subprocess.run([VPY] + sys.argv).returncode)

KILN = os.environ["KILN"]
F32 = np.float32

# name: (group along K, 0 for the row; head bytes; asymmetric)
FORMATS = {
    "f16": (1, 0, False), "bf16": (1, 0, False), "i8": (0, 4, False),
    "i4g32": (32, 4, False), "i4g64": (64, 4, False), "i4g128": (128, 4, False),
    "i4g32a": (32, 8, True), "i4g64a": (64, 8, True), "i4g128a": (128, 8, True),
}


def bf16_bits(x):
    """f32 -> bf16 bits, round to nearest even (NaN kept quiet)."""
    u = x.astype(F32).view(np.uint32).astype(np.uint64)
    r = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return r.astype(np.uint16)


def pack_row(fmt, x):
    """The bytes of one row x (float32[K]) in fmt, computed in float32 like kiln."""
    g, head, asym = FORMATS[fmt]
    if fmt == "f16":
        return x.astype(np.float16).tobytes()
    if fmt == "bf16":
        return bf16_bits(x).tobytes()
    if fmt == "i8":
        s = F32(np.max(np.abs(x))) / F32(127)
        q = np.zeros(x.shape, np.int8) if s == 0 else \
            np.clip(np.rint(x / s), -127, 127).astype(np.int8)
        return np.array([s], F32).tobytes() + q.tobytes()
    out = b""
    for b0 in range(0, len(x), g):
        blk = x[b0:b0 + g]
        if asym:
            lo, hi = min(F32(0), F32(blk.min())), max(F32(0), F32(blk.max()))
            s = F32(F32(hi - lo) / F32(15))
            z = 0 if s == 0 else int(np.clip(np.rint(-lo / s), 0, 15))
            c = np.zeros(g, np.uint8) if s == 0 else \
                np.clip(np.rint(F32(blk / s) + F32(z)), 0, 15).astype(np.uint8)
            hdr = np.array([s], F32).tobytes() + bytes([z, 0, 0, 0])
        else:
            s = F32(np.max(np.abs(blk))) / F32(7)
            c = np.full(g, 8, np.uint8) if s == 0 else \
                (np.clip(np.rint(blk / s), -8, 7) + 8).astype(np.uint8)
            hdr = np.array([s], F32).tobytes()
        out += hdr + (c[0::2] | (c[1::2] << 4)).astype(np.uint8).tobytes()
    return out


def unpack_row(fmt, b, k):
    """numpy's dequantization of one packed row (float32[K])."""
    g, head, asym = FORMATS[fmt]
    if fmt == "f16":
        return np.frombuffer(b, np.float16).astype(F32)
    if fmt == "bf16":
        return (np.frombuffer(b, np.uint16).astype(np.uint32) << 16).view(F32)
    if fmt == "i8":
        s = np.frombuffer(b[:4], F32)[0]
        return np.frombuffer(b[4:], np.int8).astype(F32) * s
    out, step = [], head + g // 2
    for i in range(k // g):
        blk = b[i * step:(i + 1) * step]
        s = np.frombuffer(blk[:4], F32)[0]
        z = blk[4] if asym else 8
        c = np.frombuffer(blk[head:], np.uint8)
        codes = np.empty(g, np.int32)
        codes[0::2], codes[1::2] = c & 15, c >> 4
        out.append((codes - z).astype(F32) * s)
    return np.concatenate(out)


def weights(fmt, rng):
    g = FORMATS[fmt][0]
    k = 37 if g <= 1 else 3 * g
    w = (rng.standard_normal((5, k)) * 0.05).astype(F32)
    w[0] = 0                                    # all zero: scale 0
    w[1] = np.abs(w[1]) + F32(0.01)             # one-sided
    w[2, k // 2] = F32(3.0)                     # an outlier
    w[3, :] = np.round(w[3] * 64) / 64          # values on a grid: exact ties occur
    return w


def kir(name, k, n, m, const):
    return ('kiln.ir 1 graph "%s"\n\ninput %%x: f32[%d, %d]\n\n%s\n\n'
            '%%y: f32[%d, %d] = Linear(%%x, %%w) name "lin"\n\noutput %%y\n'
            % (name, m, k, const, m, n))


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        print("FAIL: %s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))
        sys.exit(1)
    return p.stdout


def npy_write(path, a):
    with open(path, "wb") as f:
        np.save(f, a)


def main():
    rng = np.random.default_rng(1234)
    failures = 0
    tmp = tempfile.mkdtemp()
    for fmt in FORMATS:
        w = weights(fmt, rng)
        n, k = w.shape
        # 1. kiln's quantization = numpy's, byte for byte
        const = "const %%w: f32[%d, %d] = [%s]" % (
            n, k, ", ".join(repr(float(v)) for v in w.reshape(-1)))
        src = os.path.join(tmp, fmt + ".kir")
        with open(src, "w") as f:
            f.write(kir("q_" + fmt, k, n, 1, const))
        out = os.path.join(tmp, fmt + "-out")
        run([KILN, "compile", src, "--weights", fmt, "-O0", "--prefix", "m", "-o", out])
        with open(os.path.join(out, "m.weights"), "rb") as f:
            blob = f.read()
        want = b"".join(pack_row(fmt, row) for row in w)
        got = blob[64:64 + len(want)]
        if got != want:
            diff = next(i for i in range(len(want)) if got[i:i + 1] != want[i:i + 1])
            print("FAIL %s: kiln's bytes differ from numpy's at byte %d" % (fmt, diff))
            failures += 1
        # 3. within half a step of the original
        deq = np.stack([unpack_row(fmt, pack_row(fmt, row), k) for row in w])
        g = FORMATS[fmt][0]
        if fmt in ("f16", "bf16"):
            bound = np.abs(w) * (2.0 ** (-11 if fmt == "f16" else -8))
        else:
            blocks = w.reshape(n, -1, g if g > 1 else k)
            if FORMATS[fmt][2]:
                step = (np.maximum(blocks.max(-1), 0) - np.minimum(blocks.min(-1), 0)) / 15
                step = step * 2  # the zero point's rounding moves the grid by up to half a step
            else:
                step = np.abs(blocks).max(-1) / (127 if fmt == "i8" else 7)
            bound = np.repeat(step / 2, blocks.shape[-1], axis=-1).reshape(n, k) * 1.00001
        if not np.all(np.abs(deq - w) <= bound + 1e-9):
            print("FAIL %s: round trip off by more than half a step" % fmt)
            failures += 1
        if not np.all(deq[0] == 0):
            print("FAIL %s: a zero row does not come back as zeros" % fmt)
            failures += 1
        # 2. numpy's bytes through the interpreter and the compiled kernels: y = I . deq(w)^T
        packed = "const %%w: f32[%d, %d] = packed %s \"%s\"" % (n, k, fmt, want.hex())
        for m in (1, k):
            src2 = os.path.join(tmp, "%s-%d.kir" % (fmt, m))
            with open(src2, "w") as f:
                f.write(kir("d_" + fmt, k, n, m, packed))
            eye = np.eye(k, dtype=F32)[:m]
            x = os.path.join(tmp, "eye%d.npy" % m)
            npy_write(x, eye)
            for how in ("--interp", None):
                od = os.path.join(tmp, "%s-%d-%s" % (fmt, m, how or "compiled"))
                cmd = [KILN, "run", src2, "--input", "x=" + x, "--output-dir", od]
                run(cmd + ([how] if how else []))
                y = np.load(os.path.join(od, "y.npy"))
                if not np.array_equal(y, (eye @ deq.T).astype(F32)):
                    print("FAIL %s m=%d %s: dequantized weights differ from numpy's (max %g)"
                          % (fmt, m, how or "compiled", np.abs(y - eye @ deq.T).max()))
                    failures += 1
        print("%s: K=%d bytes=%d ok" % (fmt, k, len(want)) if not failures else fmt)
    sys.exit(1 if failures else 0)


main()
