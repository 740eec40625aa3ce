"""`kiln preprocess` (issue 11): PNG and JPEG decoding, smart resize, bicubic resampling,
normalize and patchify against a Python statement of the GLM-4.1V image processor that resizes
with Pillow's Image.resize(BICUBIC), the filter transformers' PIL backend uses. Pictures of a
flat GUI and photographic noise at sizes that need no resize, shrinking, growing and the
small-image upscale; the largest error is printed, and must stay within 2e-2 after
normalization (one 8-bit level is 0.015). Then the error cases. Pillow and numpy are
pip-installed into KILN_BINARY_DIR/img-venv on first use; without pip the test is skipped."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pyvenv  # noqa: E402

pyvenv.ensure("img-venv", ["numpy", "PIL"], ["numpy", "pillow"])

import math  # noqa: E402

import numpy as np  # noqa: E402
import PIL  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

KILN = os.environ["KILN"]
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]
CONFIG = {"size": {"shortest_edge": 12544, "longest_edge": 9633792}, "patch_size": 14,
          "temporal_patch_size": 2, "merge_size": 2, "image_mean": MEAN, "image_std": STD,
          "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True, "resample": 3,
          "image_processor_type": "Glm4vImageProcessor"}
failures = []


def check(what, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond else ": " + detail))
    if not cond:
        failures.append(what)


def smart_resize(h, w, factor=28, frames=2, min_px=12544, max_px=9633792):
    """transformers' glm4v smart_resize for a still image (num_frames = temporal_patch_size)."""
    if h < factor or w < factor:
        s = max(factor / h, factor / w)
        h, w = int(h * s), int(w * s)
    hb, wb = round(h / factor) * factor, round(w / factor) * factor
    if frames * hb * wb > max_px:
        beta = math.sqrt(frames * h * w / max_px)
        hb = max(factor, math.floor(h / beta / factor) * factor)
        wb = max(factor, math.floor(w / beta / factor) * factor)
    elif frames * hb * wb < min_px:
        beta = math.sqrt(min_px / (frames * h * w))
        hb, wb = math.ceil(h * beta / factor) * factor, math.ceil(w * beta / factor) * factor
    return hb, wb


def reference(path, one_step=False):
    """The processor's pixel_values with Pillow's bicubic filter applied as Pillow's C source
    (Resample.c) states it: the horizontal pass, rounded to 8 bits, then the vertical pass,
    each an unambiguous one-axis Image.resize. one_step: a single Image.resize instead, whose
    pass order this Pillow build may choose differently (it is reported, not asserted)."""
    img = Image.open(path).convert("RGB")
    hb, wb = smart_resize(img.height, img.width)
    if one_step:
        sized = img.resize((wb, hb), Image.BICUBIC)
    else:
        sized = img.resize((wb, img.height), Image.BICUBIC).resize((wb, hb), Image.BICUBIC)
    x = np.asarray(sized, dtype=np.float32) / 255.0
    x = ((x - np.array(MEAN, np.float32)) / np.array(STD, np.float32)).transpose(2, 0, 1)
    x = np.stack([x, x])  # [T=2, C, H, W]: the still image on both frames
    P, M, gh, gw = 14, 2, hb // 14, wb // 14
    x = x.reshape(1, 2, 3, gh // M, M, P, gw // M, M, P).transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
    return x.reshape(gh * gw, 3 * 2 * P * P), [1, gh, gw]


def gui(path, w, h):
    img = Image.new("RGB", (w, h), (245, 245, 247))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w, max(2, h // 20)], fill=(30, 30, 30))
    for i in range(6):
        y = h // 8 + i * h // 9
        d.rectangle([4, y, 4 + w // 10, y + h // 14], fill=(255, 120 - 15 * i, 0))
        d.text((w // 7, y), "Row %d" % i, fill=(20, 20, 20))
    d.rectangle([w // 10, h - h // 8, w - w // 10, h - h // 20], outline=(0, 122, 255), width=2)
    img.save(path)


def photo(path, w, h, seed):
    rs = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    rgb = np.stack([128 + 100 * np.sin(x / 7.0 + c) * np.cos(y / 11.0 - c) for c in range(3)], -1)
    rgb = np.clip(rgb + rs.normal(0, 20, rgb.shape), 0, 255).astype(np.uint8)
    img = Image.fromarray(rgb)
    if path.endswith(".jpg"):
        img.save(path, quality=90)
    else:
        img.save(path)


def preprocess(model, image, out, grid=None):
    args = [KILN, "preprocess", image, "--model", model, "-o", out]
    if grid:
        args += ["--grid-out", grid]
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


tmp = tempfile.mkdtemp(prefix="kiln-img.")
model = os.path.join(tmp, "model")
os.makedirs(model)
with open(os.path.join(model, "preprocessor_config.json"), "w") as f:
    json.dump(CONFIG, f)

cases = [("gui_112x224.png", gui, (112, 224)), ("gui_100x210.png", gui, (100, 210)),
         ("gui_1080x600.png", gui, (1080, 600)), ("photo_250x180.jpg", photo, (250, 180, 7)),
         ("photo_61x47.png", photo, (61, 47, 8)), ("photo_20x33.png", photo, (20, 33, 9)),
         ("photo_517x333.jpg", photo, (517, 333, 10))]
worst = 0.0
for name, make, size in cases:
    path = os.path.join(tmp, name)
    make(path, *size)
    out, grid = os.path.join(tmp, name + ".pv.npy"), os.path.join(tmp, name + ".thw.npy")
    r = preprocess(model, path, out, grid)
    if r.returncode != 0:
        check(name, False, r.stderr)
        continue
    want, want_grid = reference(path)
    got, got_grid = np.load(out), np.load(grid)
    same_shape = got.shape == want.shape and got_grid.tolist() == [want_grid]
    err = float(np.abs(got - want).max()) if same_shape else float("inf")
    worst = max(worst, err)
    check("%s: grid %s, pixel_values %s, largest error %.2e" % (name, got_grid.tolist(),
                                                              list(got.shape), err),
          same_shape and err <= 2e-2, "want grid %s shape %s" % (want_grid, list(want.shape)))
    if same_shape:
        one, _ = reference(path, one_step=True)
        print("     (against Pillow %s's one-call resize: largest error %.2e)" % (
            PIL.__version__, float(np.abs(got - one).max())))
print("largest error over all images: %.3e (one 8-bit level is %.3e)" % (worst,
                                                                          1 / 255 / min(STD)))


def fails(label, args, message):
    r = subprocess.run([KILN, "preprocess", *args], capture_output=True, text=True, timeout=60)
    check(label, r.returncode == 1 and message in r.stderr, "exit %d, stderr %r" %
          (r.returncode, r.stderr[-300:]))


out = os.path.join(tmp, "x.npy")
png = os.path.join(tmp, "gui_112x224.png")
text = os.path.join(tmp, "notes.txt")
with open(text, "w") as f:
    f.write("not an image\n")
fails("not an image", [text, "--model", model, "-o", out], "notes.txt: not a PNG or JPEG image")
trunc = os.path.join(tmp, "truncated.png")
with open(png, "rb") as f:
    data = f.read()
with open(trunc, "wb") as f:
    f.write(data[:len(data) // 2])
fails("a truncated PNG", [trunc, "--model", model, "-o", out], "truncated.png: corrupt PNG")
tjpg = os.path.join(tmp, "truncated.jpg")
with open(os.path.join(tmp, "photo_250x180.jpg"), "rb") as f:
    data = f.read()
with open(tjpg, "wb") as f:
    f.write(data[:200])
fails("a truncated JPEG", [tjpg, "--model", model, "-o", out], "truncated.jpg: corrupt JPEG")
cmyk = os.path.join(tmp, "cmyk.jpg")
Image.new("CMYK", (40, 40), (0, 100, 200, 0)).save(cmyk)
fails("a CMYK JPEG", [cmyk, "--model", model, "-o", out], "CMYK JPEGs are not supported")
wide = os.path.join(tmp, "wide.png")
Image.new("RGB", (4020, 20)).save(wide)
fails("aspect ratio above 200", [wide, "--model", model, "-o", out], "aspect ratio")
fails("no preprocessor_config.json", [png, "--model", tmp, "-o", out],
      "preprocessor_config.json: cannot open")
bad = os.path.join(tmp, "bad")
os.makedirs(bad)
with open(os.path.join(bad, "preprocessor_config.json"), "w") as f:
    json.dump(dict(CONFIG, resample=2), f)
fails("a resample other than bicubic", [png, "--model", bad, "-o", out],
      "field 'resample': 2 is not supported")
with open(os.path.join(bad, "preprocessor_config.json"), "w") as f:
    json.dump(dict(CONFIG, image_std=[0.2, 0, 0.2]), f)
fails("a zero std", [png, "--model", bad, "-o", out], "field 'image_std' must be three positive")
fails("no -o", [png, "--model", model], "-o PIXELS.npy is required")
check("nothing written by the failures", not os.path.exists(out))
subprocess.run(["rm", "-rf", tmp])
print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
