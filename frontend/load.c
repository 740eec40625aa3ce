/* fe_load_model: picks the reader by file extension. For the text IR it supplies the constant
 * loader that maps safetensors files the .kir refers to, each file once per load. */
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "../ir/text.h"
#include "hf/hf.h"
#include "file.h"
#include "frontend.h"
#include "onnx/onnx_frontend.h"
#include "path.h"
#include "safetensors.h"

/* The text IR may carry small constants inline, so allow more than a JSON description. */
#define FE_KIR_MAX_FILE_BYTES ((size_t)256 << 20)

/* Safetensors files opened while parsing one .kir, keyed by the path as written there. */
typedef struct FeKirFile {
    char *rel;
    StFile *st;
} FeKirFile;

typedef struct FeKirLoad {
    const char *path; /* the .kir file, for messages and path resolution */
    FeKirFile *files;
    int n_files, cap_files;
} FeKirLoad;

/* The open file for `rel`, opening, validating and adopting it into g on first use. */
static StFile *fe_kir_file(FeKirLoad *L, IrGraph *g, const char *rel, Diag *d) {
    for (int i = 0; i < L->n_files; i++)
        if (strcmp(L->files[i].rel, rel) == 0) return L->files[i].st;
    /* base_dir is the .kir's folder, or the folder its weights_dir line states. */
    char *real = fe_path_resolve_in(L->path, g->base_dir, "constant file", rel, d);
    if (!real) return NULL;
    char *display = fe_path_join(g->base_dir, rel);
    StFile *st = st_open(real, display, d);
    free(display);
    free(real);
    if (!st) return NULL;
    st_adopt(st, g);
    if (L->n_files == L->cap_files) {
        L->cap_files = L->cap_files ? L->cap_files * 2 : 4;
        L->files = realloc(L->files, sizeof *L->files * (size_t)L->cap_files);
        KILN_ASSERT(L->files != NULL);
    }
    L->files[L->n_files].rel = strdup(rel);
    KILN_ASSERT(L->files[L->n_files].rel != NULL);
    L->files[L->n_files++].st = st;
    return st;
}

/* IrConstLoader for ir_parse_string: the tensor `key` of safetensors file `file`, which must
 * have exactly the type the text declares. */
static bool fe_kir_load_const(IrGraph *g, const char *file, const char *key, const IrType *type,
                              const void **data, size_t *nbytes, Diag *d, void *user) {
    FeKirLoad *L = user;
    StFile *st = fe_kir_file(L, g, file, d);
    if (!st) return false;
    const StTensor *t = st_find(st, key);
    if (!t) {
        diag_at(d, L->path, NULL, NULL, "constant file '%s' has no tensor '%s'", file, key);
        return false;
    }
    IrType have;
    memset(&have, 0, sizeof have);
    have.dtype = t->dtype;
    have.rank = t->rank;
    for (int i = 0; i < t->rank; i++) have.dims[i] = ir_dim_const(t->dims[i]);
    if (!ir_type_equal(&have, type)) {
        char want_s[256], have_s[256];
        diag_at(d, L->path, NULL, NULL, "tensor '%s' of '%s' is %s, but the text declares %s", key,
                file, ir_type_str(g, &have, have_s, sizeof have_s),
                ir_type_str(g, type, want_s, sizeof want_s));
        return false;
    }
    *data = st_data_for(t, g);
    *nbytes = t->nbytes;
    return true;
}

static bool fe_has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static IrGraph *fe_kir_load(const char *path, Diag *d) {
    size_t len = 0;
    char *text = fe_file_read(path, FE_KIR_MAX_FILE_BYTES, &len, d);
    if (!text) return NULL;
    if (strlen(text) != len) {
        diag_at(d, path, NULL, NULL, "the text contains a NUL byte");
        free(text);
        return NULL;
    }
    FeKirLoad L = {path, NULL, 0, 0};
    char *dir = fe_path_dirname(path);
    IrGraph *g = ir_parse_string(text, path, dir, fe_kir_load_const, &L, d);
    for (int i = 0; i < L.n_files; i++) {
        st_close(L.files[i].st); /* the graph keeps the mapping */
        free(L.files[i].rel);
    }
    free(L.files);
    free(dir);
    free(text);
    return g;
}

/* Records the user's symbol sizes on the graph's symbols (pass_bind later makes dims static);
 * names the graph lacks are left for pass_bind to report. */
static void fe_apply_bindings(IrGraph *g, const FeOptions *opt) {
    for (int i = 0; opt && i < opt->n_bindings; i++) {
        int sym = ir_symbol_find(g, opt->bindings[i].name);
        if (sym >= 0 && opt->bindings[i].value >= 1) g->symbols[sym].value = opt->bindings[i].value;
    }
}

/* A Hugging Face model folder: a directory holding config.json. */
static bool fe_is_hf_folder(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    char *config = fe_path_join(path, "config.json");
    /* any config.json makes it one: its reader then says what is wrong with the file (a FIFO,
     * a hard link) instead of "unknown model file type" */
    bool ok = fe_file_exists(config);
    free(config);
    return ok;
}

IrGraph *fe_load_model(const char *path, const FeOptions *opt, Diag *d) {
    IrGraph *g = NULL;
    if (fe_is_hf_folder(path)) {
        g = fe_hf_load(path, opt, d);
    } else if (fe_has_suffix(path, ".json")) {
        g = fe_json_load(path, d);
    } else if (fe_has_suffix(path, ".kir")) {
        g = fe_kir_load(path, d);
    } else if (fe_has_suffix(path, ".onnx")) {
        g = fe_onnx_load(path, opt, d);
    } else {
        diag_at(d, path, NULL, NULL,
                "unknown model file type; supported extensions: .json (kiln JSON model), .kir "
                "(kiln text IR), .onnx (ONNX model)");
    }
    if (g) fe_apply_bindings(g, opt);
    return g;
}
