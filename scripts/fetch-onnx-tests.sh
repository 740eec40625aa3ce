#!/usr/bin/env bash
# Fetches ONNX's backend node tests (onnx/backend/test/data/node/) from the pinned onnx wheel
# into a cache folder and prints that folder. Idempotent: a complete cache is reused as is.
#   KILN_CACHE_DIR  cache root (default $HOME/.cache/kiln); the tests land in
#                   $KILN_CACHE_DIR/onnx-1.22.0/node
set -euo pipefail

version=1.22.0
root="${KILN_CACHE_DIR:-$HOME/.cache/kiln}/onnx-$version"
done_marker="$root/.complete"
if [ -f "$done_marker" ] && [ -d "$root/node" ]; then
    echo "$root/node"
    exit 0
fi

mkdir -p "$root"
work=$(mktemp -d "$root/.fetch-XXXXXX")
trap 'rm -rf "$work"' EXIT

# A fixed platform and Python version so pip picks the same wheel on any host Python.
python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --platform manylinux_2_28_x86_64 --python-version 3.11 \
    --dest "$work" "onnx==$version" >&2
wheel=$(ls "$work"/onnx-"$version"-*.whl | head -n 1)

python3 - "$wheel" "$work/unpacked" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
prefix = "onnx/backend/test/data/node/"
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith(prefix) and ".." not in name.split("/"):
            z.extract(name, dest)
PY

rm -rf "$root/node"
mv "$work/unpacked/onnx/backend/test/data/node" "$root/node"
touch "$done_marker"
echo "$root/node"
