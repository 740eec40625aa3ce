#!/usr/bin/env bash
# One command from a fresh checkout to a running model: installs dependencies, builds kiln in
# build/, generates the example weights, compiles examples/tiny-glm into a shared library and
# runs it on random inputs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j2
python3 scripts/make_example_weights.py .

echo
echo "== kiln compile examples/tiny-glm/model.json --bind seq=16 --emit so -o build/tiny-glm-kiln"
build/kiln compile examples/tiny-glm/model.json --bind seq=16 --emit so -o build/tiny-glm-kiln
echo
echo "== kiln run build/tiny-glm-kiln/libtiny_glm.so --random-inputs 1"
build/kiln run build/tiny-glm-kiln/libtiny_glm.so --random-inputs 1
echo
echo "kiln is built: build/kiln --help. Run the tests with: bash scripts/test.sh"
