# An ONNX model with Dropout nodes in training mode (tests/onnx_models/dropout_training, made by
# scripts/onnx/make_dropout_training.py) compiles, runs and dumps with exactly one warning that
# names those nodes and says kiln runs inference semantics; the inference Dropout is not named.
# Its outputs against onnxruntime are checked by onnx_model_dropout_training.
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"
M="$KILN_SOURCE_DIR/tests/onnx_models/dropout_training/model.onnx"
WANT="$M: warning: 2 Dropout nodes have training_mode=true (fc1.dropout, Dropout_5); imported as identity (inference semantics: no random dropout, unlike a training-mode run)"

# one_warning LABEL: the last run's stderr is exactly the warning line.
one_warning() {
    if [ "$(cat "$STDERR")" = "$WANT" ]; then ok "$1"; else
        bad "$1: want exactly: $WANT"
        show_output
    fi
}

expect_ok "compile succeeds" compile "$M" --bind batch=2 -o "$TMP/out"
one_warning "compile prints one warning naming the training-mode nodes"
expect_ok "run --interp succeeds" run "$M" --interp --bind batch=2 --random-inputs 1
one_warning "run prints the warning"
expect_ok "dump succeeds" dump "$M"
one_warning "dump prints the warning"
grep -q "Dropout" "$STDOUT" && bad "a Dropout is left in the IR" || ok "every Dropout is identity in the IR"
finish
