# One real ONNX export (tests/onnx_models/MODEL, made by scripts/onnx/make_exports.py) against
# onnxruntime's stored CPU outputs, for every stored shape TAG (b2s8 = batch 2, seq 8; b1 = batch
# 1): the compiled library (kiln compile --emit so, then kiln run LIB.so) and the reference
# interpreter (kiln run model.onnx --interp) must both match every stored output within
# TOL x max(1, |ref|).
#
# Usage: test_onnx_model.sh NPY_TOOL MODEL TOL TAG...
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"
NPY_TOOL=$1 MODEL=$2 TOL=$3
shift 3
DIR="$KILN_SOURCE_DIR/tests/onnx_models/$MODEL"
# KILN_ONNX_TARGET names the backend the library is compiled with (default: kiln's default);
# tests/llvm runs some models with llvm.
TARGET_FLAGS=()
if [ -n "${KILN_ONNX_TARGET:-}" ]; then TARGET_FLAGS=(--target "$KILN_ONNX_TARGET"); fi

# The --bind list a shape tag stands for: b<batch> and optionally s<seq>.
tag_bindings() {
    local tag=$1
    if [[ $tag =~ ^b([0-9]+)s([0-9]+)$ ]]; then
        echo "batch=${BASH_REMATCH[1]},seq=${BASH_REMATCH[2]}"
    elif [[ $tag =~ ^b([0-9]+)$ ]]; then
        echo "batch=${BASH_REMATCH[1]}"
    else
        return 1
    fi
}

# compare_outputs LABEL TAG OUTDIR: every stored <TAG>_out_<name>.npy against OUTDIR/<name>.npy.
compare_outputs() {
    local label=$1 tag=$2 outdir=$3 ref name
    for ref in "$DIR/${tag}"_out_*.npy; do
        name=$(basename "$ref" .npy)
        name=${name#"${tag}"_out_}
        check "$label: $name matches onnxruntime" "$NPY_TOOL" compare "$outdir/$name.npy" "$ref" "$TOL"
        grep -h "elements" "$TMP/check.log" | sed 's/^/    /'
    done
}

for tag in "$@"; do
    bind=$(tag_bindings "$tag") || {
        bad "$tag: not a shape tag"
        continue
    }
    inputs=()
    for f in "$DIR/${tag}"_in_*.npy; do
        name=$(basename "$f" .npy)
        inputs+=(--input "${name#"${tag}"_in_}=$f")
    done
    lib="$TMP/$tag-lib"
    expect_ok "$MODEL $tag: compile --emit so" compile "$DIR/model.onnx" --bind "$bind" \
        "${TARGET_FLAGS[@]}" --emit so -o "$lib"
    if [ "$RC" -eq 0 ]; then
        so=$(ls "$lib"/lib*.so)
        expect_ok "$MODEL $tag: run library" run "$so" "${inputs[@]}" --output-dir "$TMP/$tag-so"
        [ "$RC" -eq 0 ] && compare_outputs "$MODEL $tag: library" "$tag" "$TMP/$tag-so"
    fi
    expect_ok "$MODEL $tag: run --interp" run "$DIR/model.onnx" --interp --bind "$bind" \
        "${inputs[@]}" --output-dir "$TMP/$tag-interp"
    [ "$RC" -eq 0 ] && compare_outputs "$MODEL $tag: interpreter" "$tag" "$TMP/$tag-interp"
done
finish
