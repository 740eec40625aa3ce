/* Fuzz target: the whole compile pipeline on a .kir file: load, bind every symbol to 2, the -O2
 * passes (verified after each), then C generation into a scratch folder that is removed again.
 * A model that loads must either compile or be refused with a message; an abort or a sanitizer
 * report anywhere in passes/ or codegen/ is a finding (and, with KILN_FUZZ_CC, generated C
 * that does not compile cleanly). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "codegen/backend.h"
#include "frontend/frontend.h"
#include "fuzz_util.h"
#include "passes/pass.h"

/* With KILN_FUZZ_CC set (a C compiler, e.g. "cc"), every 64th model that compiles has its
 * generated C checked with `-fsyntax-only -Wall -Wextra -Werror`, the flags kiln's tests build
 * with; a warning aborts, which libFuzzer reports as a finding. Off by default: it runs a
 * process, and findings there belong to codegen/. */
static void fuzz_check_generated_c(const char *dir, const char *prefix) {
    static unsigned long emitted;
    const char *cc = getenv("KILN_FUZZ_CC");
    if (!cc || emitted++ % 64 != 0) return;
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "%s -std=c11 -fsyntax-only -Wall -Wextra -Werror -I'%s' '%s/%s.c' '%s/%s_model.c'", cc,
             dir, dir, prefix, dir, prefix);
    if (system(cmd) != 0) {
        fprintf(stderr, "generated C fails %s\n", cmd);
        abort();
    }
}

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
            if (cg_emit(cg_backend_at(0), g, &copt, &d)) fuzz_check_generated_c(out, prefix);
            fuzz_remove("out");
        }
        free(binds);
    }
    ir_graph_free(g);
    diag_free(&d);
    return 0;
}
