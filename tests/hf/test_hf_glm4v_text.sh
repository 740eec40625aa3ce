# glm4v (GLM-4.1V / AutoGLM-Phone-9B) folders, text decoder: a glm4v folder whose decoder is the
# glm4 test model (tests/hf/glm4v_from_glm4.py), in the config layouts of transformers 4.5x and
# 5.x, must give glm4's reference logits (1e-4) and greedy tokens through a compiled library
# ($1: hf_decoder_check), with the warning that the vision encoder is not compiled; malformed
# glm4v configs are errors naming the field.
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"
decoder_check=$1
GLM4="$KILN_SOURCE_DIR/tests/hf/models/glm4"
make_folder() { python3 "$KILN_SOURCE_DIR/tests/hf/glm4v_from_glm4.py" "$GLM4" "$TMP/$1" "$2" "${3:-}"; }

# v4top: an older file whose rotary settings are only at the top level (v4 puts other values
# there, which text_config's override)
make_folder v4top v4 "t = c['text_config']; c['partial_rotary_factor'] = t.pop('partial_rotary_factor'); c['rope_theta'] = t.pop('rope_theta')"
for layout in v4 v5 v4top; do
    [ "$layout" = v4top ] || make_folder "$layout" "$layout"
    expect_ok "$layout layout: compile" compile "$TMP/$layout" --max-context 64 --max-prefill 16 \
        --emit so --prefix glm4v -o "$TMP/out-$layout"
    grep -qF "kiln compiles the text decoder only, not yet the vision encoder" "$STDERR" &&
        ok "$layout layout: warns that the vision encoder is not compiled" ||
        bad "$layout layout: no warning about the vision encoder"
    if "$decoder_check" "$TMP/out-$layout/libglm4v.so" "$TMP/out-$layout/glm4v.weights" "$TMP/$layout" \
        >"$TMP/check.log" 2>&1; then
        ok "$layout layout: $(tail -n 1 "$TMP/check.log"), logits within 1e-4"
    else
        bad "$layout layout: differs from the glm4 reference"
        sed 's/^/    /' "$TMP/check.log" | head -20
    fi
done
grep -qx '#define GLM4V_EOS_TOKEN_ID 0 /\* -1: none \*/' "$TMP/out-v5/glm4v.h" &&
    ok "eos id from text_config" || bad "eos id from text_config"

# bad NAME LAYOUT EDIT MESSAGE: the folder with config edited must fail with MESSAGE
bad_config() {
    make_folder "$1" "$2" "$3"
    expect_fail "$1" "$4" compile "$TMP/$1" -o "$TMP/out-$1"
}
bad_config no_text_config v5 "del c['text_config']" \
    "field 'text_config' is missing or not an object"
bad_config no_vision_config v5 "c['vision_config'] = 3" \
    "field 'vision_config' is missing or not an object"
bad_config mrope_sum v5 "c['text_config']['rope_parameters']['mrope_section'] = [2, 2, 2]" \
    "field 'text_config.rope_parameters.mrope_section' must be three non-negative integers summing to 4"
bad_config mrope_missing v4 "del c['text_config']['rope_scaling']['mrope_section']" \
    "field 'text_config.rope_parameters.mrope_section' is missing"
bad_config mrope_v4_type v4 "c['text_config']['rope_scaling']['mrope_section'] = 'x'" \
    "field 'text_config.rope_scaling.mrope_section' must be three non-negative integers"
bad_config top_level_partial v4 "c['text_config'].pop('partial_rotary_factor')" \
    "field 'text_config.rope_scaling.mrope_section' must be three non-negative integers summing to 2"
bad_config image_token_outside v5 "c['image_token_id'] = 600" \
    "field 'image_token_id': token 600 is outside the vocabulary (vocab_size 512)"
bad_config image_token_default v5 "del c['image_token_id']" \
    "field 'image_token_id': token 151343 is outside the vocabulary (vocab_size 512)"
bad_config text_hidden_missing v5 "del c['text_config']['hidden_size']" \
    "field 'text_config.hidden_size' is missing"
bad_config text_act v5 "c['text_config']['hidden_act'] = 'gelu'" \
    "field 'text_config.hidden_act': 'gelu' is not supported"
bad_config text_moe v5 "c['text_config']['n_routed_experts'] = 8" \
    "field 'text_config.n_routed_experts': mixture-of-experts models are not supported"
finish
