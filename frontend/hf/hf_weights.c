/* The weights of a Hugging Face folder: model.safetensors, or the shards that
 * model.safetensors.index.json names (each resolved inside the folder). Tensors become f32
 * constants: f32 data is borrowed from the mapping; an f16/bf16 projection weight or embedding
 * keeps its stored bytes as a packed constant (ir/wformat.h), which the Linear and Gather
 * kernels read in place, so a bf16 checkpoint stays bf16; other f16/bf16 tensors (norms,
 * biases, GPT-2's [K, N] Conv1D weights) are converted once at load. */
#include "hf_internal.h"

#include <stdlib.h>
#include <string.h>

#include "../file.h"
#include "../json_util.h"
#include "../path.h"

/* Opens the weights file rel of the folder; `named_in` is the file that names it (the index,
 * or config.json for the implicit model.safetensors), for messages. */
static bool hf_weights_add(HfWeights *w, const char *dir, const char *named_in, const char *rel,
                           IrGraph *g, Diag *d) {
    for (int i = 0; i < w->n_files; i++)
        if (strcmp(w->names[i], rel) == 0) return true;
    /* named_in lies in dir, so paths resolve against the folder */
    char *real = fe_path_resolve(named_in, "weights file", rel, d);
    if (!real) return false;
    char *display = fe_path_join(dir, rel);
    StFile *st = st_open(real, display, d);
    free(display);
    free(real);
    if (!st) return false;
    st_adopt(st, g);
    w->files = realloc(w->files, sizeof *w->files * (size_t)(w->n_files + 1));
    w->names = realloc(w->names, sizeof *w->names * (size_t)(w->n_files + 1));
    KILN_ASSERT(w->files && w->names);
    w->files[w->n_files] = st;
    w->names[w->n_files] = strdup(rel);
    KILN_ASSERT(w->names[w->n_files] != NULL);
    w->n_files++;
    return true;
}

/* Opens every shard the index's weight_map names. */
static bool hf_weights_index(HfWeights *w, const char *dir, const char *index_path, IrGraph *g,
                             Diag *d) {
    size_t len = 0;
    char *text = fe_file_read_in_model(index_path, (size_t)64 << 20, &len, d);
    if (!text) return false;
    cJSON *root = fe_json_parse_reported(index_path, text, len, d);
    free(text);
    if (!root) return false;
    const cJSON *map = root ? cJSON_GetObjectItemCaseSensitive(root, "weight_map") : NULL;
    char key[512];
    if (root && fe_json_duplicate_key(root, key, sizeof key)) {
        /* a tensor mapped to two shards: kiln would take the first, Python the last */
        diag_at(d, index_path, NULL, NULL, "field '%s' appears twice", key);
        cJSON_Delete(root);
        return false;
    }
    if (!cJSON_IsObject(map)) {
        diag_at(d, index_path, NULL, NULL, "field 'weight_map' is missing or not an object");
        cJSON_Delete(root);
        return false;
    }
    bool ok = true;
    const cJSON *it;
    cJSON_ArrayForEach(it, map) {
        if (!cJSON_IsString(it)) {
            diag_at(d, index_path, NULL, NULL, "field 'weight_map': '%s' must name a file",
                    it->string);
            ok = false;
            break;
        }
        if (!hf_weights_add(w, dir, index_path, it->valuestring, g, d)) {
            ok = false;
            break;
        }
    }
    cJSON_Delete(root);
    return ok;
}

bool hf_weights_open(HfWeights *w, const char *dir, IrGraph *g, Diag *d) {
    memset(w, 0, sizeof *w);
    w->dir = dir;
    char *index = fe_path_join(dir, "model.safetensors.index.json");
    bool ok;
    if (fe_file_exists(index)) {
        /* like the shards, it must resolve inside the folder (no symlink out) */
        char *anchor = fe_path_join(dir, "config.json");
        char *real = fe_path_resolve(anchor, "weights index", "model.safetensors.index.json", d);
        free(anchor);
        ok = real != NULL && hf_weights_index(w, dir, index, g, d);
        free(real);
    } else {
        char *config = fe_path_join(dir, "config.json");
        ok = hf_weights_add(w, dir, config, "model.safetensors", g, d);
        free(config);
    }
    free(index);
    return ok;
}

void hf_weights_close(HfWeights *w) {
    for (int i = 0; i < w->n_files; i++) {
        st_close(w->files[i]);
        free(w->names[i]);
    }
    free(w->files);
    free(w->names);
    memset(w, 0, sizeof *w);
}

static const StTensor *hf_find(const HfWeights *w, const char *name, int *file) {
    for (int i = 0; i < w->n_files; i++) {
        const StTensor *t = st_find(w->files[i], name);
        if (t) {
            *file = i;
            return t;
        }
    }
    return NULL;
}

bool hf_weight_exists(const HfWeights *w, const char *name) {
    int f;
    return hf_find(w, name, &f) != NULL;
}

int hf_weight(HfWeights *w, IrGraph *g, const char *name, int rank, const int64_t *dims,
              bool keep_stored, Diag *d) {
    int file = -1;
    const StTensor *t = hf_find(w, name, &file);
    if (!t) {
        diag_at(d, w->dir, NULL, NULL, "tensor '%s' is missing from the weights", name);
        return -1;
    }
    char *display = fe_path_join(w->dir, w->names[file]);
    bool same = t->rank == rank;
    for (int i = 0; same && i < rank; i++) same = t->dims[i] == dims[i];
    if (!same) {
        char want[128] = "", have[128] = "";
        for (int i = 0; i < rank; i++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%lld", i ? ", " : "",
                     (long long)dims[i]);
        for (int i = 0; i < t->rank; i++)
            snprintf(have + strlen(have), sizeof have - strlen(have), "%s%lld", i ? ", " : "",
                     (long long)t->dims[i]);
        diag_at(d, display, NULL, NULL, "tensor '%s' has shape [%s], but config.json implies [%s]",
                name, have, want);
        free(display);
        return -1;
    }
    if (t->dtype != IR_DTYPE_F32 && t->dtype != IR_DTYPE_F16 && t->dtype != IR_DTYPE_BF16) {
        diag_at(d, display, NULL, NULL, "tensor '%s': dtype %s is not supported (f32, f16, bf16)",
                name, ir_dtype_name(t->dtype));
        free(display);
        return -1;
    }
    free(display);
    IrType type;
    memset(&type, 0, sizeof type);
    type.dtype = IR_DTYPE_F32;
    type.rank = rank;
    int64_t numel = 1;
    for (int i = 0; i < rank; i++) {
        type.dims[i] = ir_dim_const(dims[i]);
        numel *= dims[i]; /* each dim <= 2^24 and rank <= 2: no overflow */
    }
    int v;
    if (t->dtype == IR_DTYPE_F32) {
        v = ir_const_add(g, name, &type, st_data_for(t, g), t->nbytes, false);
    } else if (keep_stored && rank == 2) {
        IrWFormat f = t->dtype == IR_DTYPE_F16 ? IR_WFMT_F16 : IR_WFMT_BF16;
        v = ir_const_add_packed(g, name, &type, f, st_data_for(t, g), t->nbytes, false);
    } else {
        float *f = ir_alloc(g, (size_t)numel * sizeof(float));
        const unsigned char *src = st_data_for(t, g);
        for (int64_t i = 0; i < numel; i++) {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2);
            f[i] = t->dtype == IR_DTYPE_F16 ? ir_f16_to_f32(h) : ir_bf16_to_f32(h);
        }
        v = ir_const_add(g, name, &type, f, (size_t)numel * sizeof(float), false);
    }
    ir_value(g, v)->data_file = NULL;
    return v;
}
