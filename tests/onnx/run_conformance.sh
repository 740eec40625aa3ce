#!/usr/bin/env bash
# Fetches ONNX's node tests (cached) and runs them; every test in expected_pass.txt must pass.
# Usage: run_conformance.sh KILN_ONNX_TEST [extra kiln-onnx-test options]
set -euo pipefail
runner=$1
shift
dir=$("$KILN_SOURCE_DIR/scripts/fetch-onnx-tests.sh")
"$runner" "$dir" -j2 --expect "$KILN_SOURCE_DIR/tests/onnx/expected_pass.txt" "$@" | tail -n 2
