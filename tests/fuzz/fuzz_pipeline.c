/* Fuzz target: the whole compile pipeline on a .kir file: load, bind every symbol to 2, the -O2
 * passes (verified after each), then C generation into a scratch folder that is removed again.
 * A model that loads must either compile or be refused with a message; an abort or a sanitizer
 * report anywhere in passes/ or codegen/ is a finding. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "codegen/backend.h"
#include "frontend/frontend.h"
#include "fuzz_util.h"
#include "passes/pass.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char *out;
    if (!out) {
        out = fuzz_path("out");
        fuzz_write("w.safetensors", fuzz_good_safetensors, fuzz_good_safetensors_len);
    }
    Diag d;
    diag_init(&d);
    IrGraph *g = fuzz_load_model("model.kir", data, size, &d);
    if (g) {
        IrBinding *binds = calloc((size_t)g->n_symbols + 1, sizeof *binds);
        if (!binds) abort();
        for (int i = 0; i < g->n_symbols; i++) binds[i] = (IrBinding){g->symbols[i].name, 2};
        PassOptions popt = {.bindings = binds, .n_bindings = g->n_symbols, .verify_each = true};
        if (pass_run_pipeline(g, pass_pipeline_for_level(2, false), &popt, &d)) {
            fuzz_remove("out");
            if (mkdir(out, 0700) != 0) abort();
            char prefix[64];
            CgOptions copt = {.out_dir = out,
                              .prefix = cg_default_prefix(g, prefix, sizeof prefix)};
            (void)cg_emit(cg_backend_at(0), g, &copt, &d);
            fuzz_remove("out");
        }
        free(binds);
    }
    ir_graph_free(g);
    diag_free(&d);
    return 0;
}
