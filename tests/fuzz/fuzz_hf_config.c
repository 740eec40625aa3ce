/* Fuzz target: a Hugging Face folder (frontend/hf/): config.json, and optionally the sharded
 * index and generation_config.json. The input is those three files joined by the separator
 * line "\n#--\n" (an empty part: that file is absent). The folder holds the real weights of the
 * repo's tiny Qwen2 model (model.safetensors) and the four shards of its GLM-4 model, so a
 * config close to a seed reaches graph building, not only the field checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/frontend.h"
#include "fuzz_util.h"

#define FUZZ_SEP "\n#--\n"

/* Copies tests/hf/models/MODEL/FILE into the scratch folder. */
static void fuzz_copy_model_file(const char *model, const char *file) {
    char src[1024];
    const char *root = getenv("KILN_SOURCE_DIR"); /* a checkout elsewhere than the build's */
    snprintf(src, sizeof src, "%s/tests/hf/models/%s/%s", root ? root : KILN_SOURCE_DIR, model,
             file);
    FILE *f = fopen(src, "rb");
    if (!f) {
        perror(src);
        abort();
    }
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf) abort();
    fuzz_write(file, buf, n);
    free(buf);
}

static void fuzz_put(const char *name, const uint8_t *data, size_t n) {
    if (n > 0) {
        fuzz_write(name, data, n);
    } else {
        char *p = fuzz_path(name);
        remove(p);
        free(p);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char *dir;
    if (!dir) {
        dir = strdup(fuzz_dir());
        fuzz_copy_model_file("qwen2", "model.safetensors");
        for (int i = 1; i <= 4; i++) {
            char name[64];
            snprintf(name, sizeof name, "model-%05d-of-00004.safetensors", i);
            fuzz_copy_model_file("glm4", name);
        }
    }
    const uint8_t *config, *rest, *index, *gen;
    size_t config_len, rest_len, index_len, gen_len;
    fuzz_split(data, size, FUZZ_SEP, &config, &config_len, &rest, &rest_len);
    fuzz_split(rest, rest_len, FUZZ_SEP, &index, &index_len, &gen, &gen_len);
    fuzz_write("config.json", config, config_len);
    fuzz_put("model.safetensors.index.json", index, index_len);
    fuzz_put("generation_config.json", gen, gen_len);
    FeOptions opt = {.max_context = 64, .max_prefill = 16};
    Diag d;
    diag_init(&d);
    IrGraph *g = fe_load_model(dir, &opt, &d);
    ir_graph_free(g);
    diag_free(&d);
    return 0;
}
