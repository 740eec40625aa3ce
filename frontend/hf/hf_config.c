/* config.json and generation_config.json of a Hugging Face decoder: every field that changes
 * the math is read and checked; values kiln cannot honour are errors naming the field. */
#include "hf_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../file.h"
#include "../path.h"
#include "../json_util.h"

#define HF_MAX_JSON_BYTES ((size_t)16 << 20)
#define HF_MAX_DIM ((int64_t)1 << 24) /* bounds every size so products cannot overflow */

typedef struct HfJson {
    const char *path;
    cJSON *root;
    Diag *d;
    const char *scope; /* what messages put before a field's name: "" or "text_config." */
} HfJson;

static cJSON *hf_json_load(const char *path, Diag *d) {
    size_t len = 0;
    char *text = fe_file_read_in_model(path, HF_MAX_JSON_BYTES, &len, d);
    if (!text) return NULL;
    char key[512];
    cJSON *root = fe_json_parse_reported(path, text, len, d);
    if (root && !cJSON_IsObject(root)) {
        diag_at(d, path, NULL, NULL, "the top level must be a JSON object");
        cJSON_Delete(root);
        root = NULL;
    } else if (root && fe_json_duplicate_key(root, key, sizeof key)) {
        /* kiln would read the first value, transformers (Python's json) the last */
        diag_at(d, path, NULL, NULL, "field '%s' appears twice", key);
        cJSON_Delete(root);
        root = NULL;
    }
    free(text);
    return root;
}

/* The field, or NULL when absent or JSON null. */
static const cJSON *hf_field(const cJSON *obj, const char *name) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    return it && !cJSON_IsNull(it) ? it : NULL;
}

/* An integer field in [lo, hi]; def when absent (def < lo: required). */
static bool hf_int(const HfJson *j, const char *name, int64_t lo, int64_t hi, int64_t def,
                   int64_t *out) {
    const cJSON *it = hf_field(j->root, name);
    if (!it) {
        if (def < lo) {
            diag_at(j->d, j->path, NULL, NULL, "field '%s%s' is missing", j->scope, name);
            return false;
        }
        *out = def;
        return true;
    }
    int64_t v;
    if (!fe_json_get_int(it, &v) || v < lo || v > hi) {
        diag_at(j->d, j->path, NULL, NULL,
                "field '%s%s' must be an integer in %" PRId64 "..%" PRId64, j->scope, name, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

/* A positive finite number field of obj; def when absent. */
static bool hf_num(const HfJson *j, const cJSON *obj, const char *name, double def, double *out) {
    const cJSON *it = hf_field(obj, name);
    if (!it) {
        *out = def;
        return true;
    }
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || !(it->valuedouble > 0)) {
        diag_at(j->d, j->path, NULL, NULL, "field '%s%s' must be a positive number", j->scope,
                name);
        return false;
    }
    *out = it->valuedouble;
    return true;
}

static bool hf_bool(const HfJson *j, const char *name, bool def, bool *out) {
    const cJSON *it = hf_field(j->root, name);
    if (!it) {
        *out = def;
        return true;
    }
    if (!cJSON_IsBool(it)) {
        diag_at(j->d, j->path, NULL, NULL, "field '%s%s' must be true or false", j->scope, name);
        return false;
    }
    *out = cJSON_IsTrue(it);
    return true;
}

static const char *hf_string(const cJSON *obj, const char *name) {
    const cJSON *it = hf_field(obj, name);
    return it && cJSON_IsString(it) ? it->valuestring : NULL;
}

/* A rope_scaling / rope_parameters object: only the plain ("default") rotary is supported. */
static bool hf_rope_type_ok(const HfJson *j, const char *field, const cJSON *obj) {
    if (!obj) return true;
    if (!cJSON_IsObject(obj)) {
        diag_at(j->d, j->path, NULL, NULL, "field '%s%s' must be an object", j->scope, field);
        return false;
    }
    const char *t = hf_string(obj, "rope_type");
    if (!t) t = hf_string(obj, "type");
    if (t && strcmp(t, "default") != 0) {
        diag_at(j->d, j->path, NULL, NULL, "field '%s%s': type '%s' is not supported", j->scope,
                field, t);
        return false;
    }
    return true;
}

/* Features kiln does not compile: each present and enabled one is an error naming it. */
static bool hf_unsupported(const HfJson *j) {
    static const char *const moe[] = {"num_experts", "num_local_experts", "n_routed_experts",
                                      "moe_intermediate_size"};
    for (size_t i = 0; i < sizeof moe / sizeof moe[0]; i++) {
        const cJSON *it = hf_field(j->root, moe[i]);
        if (it && !(cJSON_IsNumber(it) && it->valuedouble == 0)) {
            diag_at(j->d, j->path, NULL, NULL,
                    "field '%s%s': mixture-of-experts models are not supported", j->scope, moe[i]);
            return false;
        }
    }
    const cJSON *use_sw = hf_field(j->root, "use_sliding_window");
    if (use_sw && cJSON_IsTrue(use_sw)) {
        diag_at(j->d, j->path, NULL, NULL,
                "field '%suse_sliding_window': sliding-window attention is not supported",
                j->scope);
        return false;
    }
    const cJSON *sw = hf_field(j->root, "sliding_window");
    if (sw && !use_sw) { /* models without the switch use a window whenever one is given */
        diag_at(j->d, j->path, NULL, NULL,
                "field '%ssliding_window': sliding-window attention is not supported", j->scope);
        return false;
    }
    const cJSON *types = hf_field(j->root, "layer_types");
    if (types) {
        const cJSON *t;
        cJSON_ArrayForEach(t, types) {
            if (!cJSON_IsString(t) || strcmp(t->valuestring, "full_attention") != 0) {
                diag_at(j->d, j->path, NULL, NULL,
                        "field '%slayer_types': only 'full_attention' layers are supported",
                        j->scope);
                return false;
            }
        }
    }
    return true;
}

/* The rotary settings, at the top level (transformers 4) or under rope_parameters (5). For a
 * vision-language folder j is its text_config and outer its top level, whose duplicates (older
 * files) are the defaults; text_config's own fields, then rope_parameters, override them. */
static bool hf_rope(const HfJson *j, const HfJson *outer, HfConfig *c, double partial_default) {
    const cJSON *params = hf_field(j->root, "rope_parameters");
    if (!hf_rope_type_ok(j, "rope_scaling", hf_field(j->root, "rope_scaling")) ||
        !hf_rope_type_ok(j, "rope_parameters", params))
        return false;
    double theta = 10000.0, partial = partial_default;
    if (outer && (!hf_num(outer, outer->root, "rope_theta", theta, &theta) ||
                  !hf_num(outer, outer->root, "partial_rotary_factor", partial, &partial)))
        return false;
    if (!hf_num(j, j->root, "rope_theta", theta, &theta) ||
        !hf_num(j, j->root, "partial_rotary_factor", partial, &partial))
        return false;
    if (params && (!hf_num(j, params, "rope_theta", theta, &theta) ||
                   !hf_num(j, params, "partial_rotary_factor", partial, &partial)))
        return false;
    if (partial > 1.0) {
        diag_at(j->d, j->path, NULL, NULL, "field '%spartial_rotary_factor' must be at most 1",
                j->scope);
        return false;
    }
    c->rope_theta = theta;
    c->rotary_dim = (int64_t)((double)c->head_dim * partial);
    if (c->rotary_dim < 2 || c->rotary_dim % 2 != 0) {
        diag_at(j->d, j->path, NULL, NULL,
                "field '%spartial_rotary_factor': %g of head_dim %" PRId64
                " is not an even number of channels",
                j->scope, partial, c->head_dim);
        return false;
    }
    return true;
}

/* glm4v's mrope_section: three non-negative counts of frequency pairs (temporal, height,
 * width) that sum to rotary_dim / 2, in rope_parameters (transformers 5) or rope_scaling (4). */
static bool hf_mrope_section(const HfJson *j, HfConfig *c) {
    const cJSON *holder = hf_field(j->root, "rope_parameters");
    const char *where = "rope_parameters.mrope_section";
    if (!holder || !hf_field(holder, "mrope_section")) {
        holder = hf_field(j->root, "rope_scaling");
        where = "rope_scaling.mrope_section";
    }
    const cJSON *sec = holder ? hf_field(holder, "mrope_section") : NULL;
    if (!sec) {
        diag_at(j->d, j->path, NULL, NULL,
                "field '%srope_parameters.mrope_section' is missing (or rope_scaling's: the "
                "split of the multimodal rotary)",
                j->scope);
        return false;
    }
    int64_t sum = 0;
    bool ok = cJSON_IsArray(sec) && cJSON_GetArraySize(sec) == 3;
    for (int i = 0; ok && i < 3; i++) {
        int64_t v;
        ok = fe_json_get_int(cJSON_GetArrayItem(sec, i), &v) && v >= 0 && v <= c->rotary_dim;
        if (ok) {
            c->mrope_section[i] = v;
            sum += v;
        }
    }
    if (!ok || sum != c->rotary_dim / 2) {
        diag_at(j->d, j->path, NULL, NULL,
                "field '%s%s' must be three non-negative integers summing to %" PRId64
                " (the rotary dims %" PRId64 " / 2)",
                j->scope, where, c->rotary_dim / 2, c->rotary_dim);
        return false;
    }
    return true;
}

static bool hf_config_gpt2(const HfJson *j, HfConfig *c) {
    const char *act = hf_string(j->root, "activation_function");
    if (!act) act = "gelu_new";
    if (strcmp(act, "gelu_new") != 0 && strcmp(act, "gelu_pytorch_tanh") != 0) {
        diag_at(j->d, j->path, NULL, NULL, "field '%sactivation_function': '%s' is not supported",
                j->scope, act);
        return false;
    }
    bool scale_w, inv_layer, cross;
    if (!hf_int(j, "n_embd", 1, HF_MAX_DIM, -1, &c->hidden) ||
        !hf_int(j, "n_head", 1, HF_MAX_DIM, -1, &c->heads) ||
        !hf_int(j, "n_layer", 1, 4096, -1, &c->layers) ||
        !hf_int(j, "n_positions", 1, HF_MAX_DIM, -1, &c->max_positions) ||
        !hf_int(j, "vocab_size", 1, HF_MAX_DIM, -1, &c->vocab) ||
        !hf_bool(j, "scale_attn_weights", true, &scale_w) ||
        !hf_bool(j, "scale_attn_by_inverse_layer_idx", false, &inv_layer) ||
        !hf_bool(j, "add_cross_attention", false, &cross) ||
        !hf_bool(j, "tie_word_embeddings", true, &c->tie_embeddings) ||
        !hf_num(j, j->root, "layer_norm_epsilon", 1e-5, &c->norm_eps))
        return false;
    if (!scale_w || inv_layer || cross) {
        diag_at(j->d, j->path, NULL, NULL, "field '%s%s': only the default value is supported",
                j->scope,
                !scale_w    ? "scale_attn_weights"
                : inv_layer ? "scale_attn_by_inverse_layer_idx"
                            : "add_cross_attention");
        return false;
    }
    if (!hf_int(j, "n_inner", 1, HF_MAX_DIM, 4 * c->hidden, &c->intermediate)) return false;
    if (c->hidden % c->heads != 0) {
        diag_at(j->d, j->path, NULL, NULL, "field '%sn_head': %" PRId64 " does not divide n_embd",
                j->scope, c->heads);
        return false;
    }
    c->kv_heads = c->heads;
    c->head_dim = c->hidden / c->heads;
    c->attn_bias = c->mlp_bias = true;
    return true;
}

static bool hf_config_rope_model(const HfJson *j, const HfJson *outer, HfConfig *c) {
    const char *act = hf_string(j->root, "hidden_act");
    if (!act || strcmp(act, "silu") != 0) {
        diag_at(j->d, j->path, NULL, NULL, "field '%shidden_act': '%s' is not supported", j->scope,
                act ? act : "(missing)");
        return false;
    }
    bool glm = c->arch == HF_ARCH_GLM || c->arch == HF_ARCH_GLM4;
    if (!hf_int(j, "hidden_size", 1, HF_MAX_DIM, -1, &c->hidden) ||
        !hf_int(j, "num_attention_heads", 1, HF_MAX_DIM, -1, &c->heads) ||
        !hf_int(j, "num_hidden_layers", 1, 4096, -1, &c->layers) ||
        !hf_int(j, "intermediate_size", 1, HF_MAX_DIM, -1, &c->intermediate) ||
        !hf_int(j, "vocab_size", 1, HF_MAX_DIM, -1, &c->vocab) ||
        !hf_int(j, "max_position_embeddings", 1, INT64_C(1) << 40, 2048, &c->max_positions) ||
        !hf_int(j, "num_key_value_heads", 1, c->heads, c->heads, &c->kv_heads) ||
        !hf_int(j, "head_dim", 1, HF_MAX_DIM, c->hidden / c->heads, &c->head_dim) ||
        !hf_num(j, j->root, "rms_norm_eps", 1e-6, &c->norm_eps) ||
        !hf_bool(j, "attention_bias", glm || c->arch == HF_ARCH_QWEN2, &c->attn_bias) ||
        !hf_bool(j, "mlp_bias", false, &c->mlp_bias) ||
        !hf_bool(j, "tie_word_embeddings", false, &c->tie_embeddings))
        return false;
    if (c->arch == HF_ARCH_QWEN2) c->attn_bias = true; /* Qwen2 always has q/k/v biases */
    if (c->heads % c->kv_heads != 0) {
        diag_at(j->d, j->path, NULL, NULL,
                "field '%snum_key_value_heads': %" PRId64 " does not divide num_attention_heads",
                j->scope, c->kv_heads);
        return false;
    }
    c->interleaved = glm;
    return hf_rope(j, outer, c, glm ? 0.5 : 1.0);
}

/* bos/eos/pad: an integer, a list (the first entry) or null. An integer outside [0, vocab) is not
 * an error: transformers writes GPT-2's default 50256 into configs of tiny models, and runs them
 * anyway, never producing that id (so generation never stops at it). kiln does the same: a
 * warning, and the id counts as absent (-1), also over an id config.json gave, since
 * generation_config.json's value is the one transformers generates with. */
static bool hf_token_id(const HfJson *j, const char *name, int64_t vocab, int64_t *out) {
    const cJSON *it = hf_field(j->root, name);
    if (it && cJSON_IsArray(it)) it = cJSON_GetArrayItem(it, 0);
    if (!it) return true;
    int64_t v;
    if (!fe_json_get_int(it, &v)) {
        diag_at(j->d, j->path, NULL, NULL, "field '%s%s' must be an integer token id", j->scope,
                name);
        return false;
    }
    if (v < 0 || v >= vocab) {
        diag_warn_at(j->d, j->path, NULL, NULL,
                     "%s %" PRId64 " is outside the vocabulary (vocab_size %" PRId64 "); ignored",
                     name, v, vocab);
        *out = -1;
        return true;
    }
    *out = v;
    return true;
}

/* A marker token id of a vision-language config (top level): transformers' default when
 * absent, and it must name a token of the vocabulary. */
static bool hf_marker_id(const HfJson *j, const char *name, int64_t def, int64_t vocab,
                         int64_t *out) {
    if (!hf_int(j, name, 0, INT64_MAX, def, out)) return false;
    if (*out >= vocab) {
        diag_at(j->d, j->path, NULL, NULL,
                "field '%s': token %" PRId64 " is outside the vocabulary (vocab_size %" PRId64 ")",
                name, *out, vocab);
        return false;
    }
    return true;
}

/* model_type glm4v (GLM-4.1V, AutoGLM-Phone-9B): the decoder's fields are in text_config (in
 * transformers 4.5x and 5.x layouts, with older files duplicating some at the top level), the
 * tensors under model.language_model., the image and video marker ids at the top level. The
 * vision encoder's config must be present; kiln does not compile the encoder yet (hf_graph.c
 * says so when it builds the decoder). */
static bool hf_config_glm4v(const HfJson *top, HfConfig *c) {
    const cJSON *text = hf_field(top->root, "text_config");
    const cJSON *vision = hf_field(top->root, "vision_config");
    const char *bad = !text || !cJSON_IsObject(text)       ? "text_config"
                      : !vision || !cJSON_IsObject(vision) ? "vision_config"
                                                           : NULL;
    if (bad) {
        diag_at(top->d, top->path, NULL, NULL,
                "field '%s' is missing or not an object (a glm4v config holds the objects "
                "text_config and vision_config)",
                bad);
        return false;
    }
    HfJson tj = {top->path, (cJSON *)text, top->d, "text_config."};
    c->vision_language = true;
    c->weights_prefix = "model.language_model.";
    if (!hf_unsupported(&tj) || !hf_config_rope_model(&tj, top, c) || !hf_mrope_section(&tj, c))
        return false;
    /* the top level says whether lm_head is tied (transformers 5 writes it there) */
    if (hf_field(top->root, "tie_word_embeddings") &&
        !hf_bool(top, "tie_word_embeddings", false, &c->tie_embeddings))
        return false;
    /* GLM-4.1V's ids are transformers' defaults; GLM-4.6V-Flash's differ */
    if (!hf_marker_id(top, "image_token_id", 151343, c->vocab, &c->image_token) ||
        !hf_marker_id(top, "video_token_id", 151344, c->vocab, &c->video_token) ||
        !hf_marker_id(top, "image_start_token_id", 151339, c->vocab, &c->image_start) ||
        !hf_marker_id(top, "image_end_token_id", 151340, c->vocab, &c->image_end) ||
        !hf_marker_id(top, "video_start_token_id", 151341, c->vocab, &c->video_start) ||
        !hf_marker_id(top, "video_end_token_id", 151342, c->vocab, &c->video_end))
        return false;
    /* token ids: text_config's, then the top level's where given */
    return hf_token_id(&tj, "bos_token_id", c->vocab, &c->bos) &&
           hf_token_id(&tj, "eos_token_id", c->vocab, &c->eos) &&
           hf_token_id(&tj, "pad_token_id", c->vocab, &c->pad) &&
           hf_token_id(top, "bos_token_id", c->vocab, &c->bos) &&
           hf_token_id(top, "eos_token_id", c->vocab, &c->eos) &&
           hf_token_id(top, "pad_token_id", c->vocab, &c->pad);
}

bool hf_config_read(const char *path, const char *dir, HfConfig *c, Diag *d) {
    memset(c, 0, sizeof *c);
    c->bos = c->eos = c->pad = -1;
    HfJson j = {path, hf_json_load(path, d), d, ""};
    if (!j.root) return false;
    static const struct {
        const char *name;
        HfArch arch;
    } types[] = {{"llama", HF_ARCH_LLAMA}, {"qwen2", HF_ARCH_QWEN2}, {"glm", HF_ARCH_GLM},
                 {"glm4", HF_ARCH_GLM4},   {"glm4v", HF_ARCH_GLM4},  {"gpt2", HF_ARCH_GPT2}};
    const char *mt = hf_string(j.root, "model_type");
    bool ok = false;
    for (size_t i = 0; mt && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(mt, types[i].name) == 0) {
            c->arch = types[i].arch;
            c->model_type = types[i].name;
            ok = true;
        }
    if (!ok)
        diag_at(d, path, NULL, NULL,
                "field 'model_type': '%s' is not supported (supported: llama, qwen2, glm, glm4, "
                "glm4v, gpt2)",
                mt                               ? mt
                : hf_field(j.root, "model_type") ? "(not a string)"
                                                 : "(missing)");
    c->weights_prefix = "model.";
    if (ok && strcmp(c->model_type, "glm4v") == 0) {
        ok = hf_config_glm4v(&j, c);
    } else if (ok) {
        ok = hf_unsupported(&j) &&
             (c->arch == HF_ARCH_GPT2 ? hf_config_gpt2(&j, c) : hf_config_rope_model(&j, NULL, c));
        ok = ok && hf_token_id(&j, "bos_token_id", c->vocab, &c->bos) &&
             hf_token_id(&j, "eos_token_id", c->vocab, &c->eos) &&
             hf_token_id(&j, "pad_token_id", c->vocab, &c->pad);
    }
    cJSON_Delete(j.root);
    if (!ok) return false;
    /* generation_config.json, when present, has the last word on bos/eos/pad */
    char *gpath = fe_path_join(dir, "generation_config.json");
    char *greal = NULL;
    if (fe_file_exists(gpath)) {
        /* like the weights, it must resolve inside the folder (no symlink out) */
        greal = fe_path_resolve(path, "generation config", "generation_config.json", d);
        ok = greal != NULL;
    }
    if (greal) {
        free(greal);
        HfJson gj = {gpath, hf_json_load(gpath, d), d, ""};
        ok = gj.root && hf_token_id(&gj, "bos_token_id", c->vocab, &c->bos) &&
             hf_token_id(&gj, "eos_token_id", c->vocab, &c->eos) &&
             hf_token_id(&gj, "pad_token_id", c->vocab, &c->pad);
        cJSON_Delete(gj.root);
    }
    free(gpath);
    return ok;
}
