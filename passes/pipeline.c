/* The pass table and the pipeline runner: a pipeline is a comma-separated list of pass names,
 * run in order like a recipe. */
#include "pass.h"

#include <string.h>

typedef bool (*PassFn)(IrGraph *g, const PassOptions *opt, Diag *d);

static const struct {
    const char *name;
    PassFn run;
} pass_table[] = {
    {"bind", pass_bind},
    {"plan_memory", pass_plan_memory},
};

#define PASS_COUNT ((int)(sizeof pass_table / sizeof pass_table[0]))

static PassFn pass_find(const char *name, size_t len) {
    for (int i = 0; i < PASS_COUNT; i++)
        if (strlen(pass_table[i].name) == len && strncmp(pass_table[i].name, name, len) == 0)
            return pass_table[i].run;
    return NULL;
}

bool pass_run_pipeline(IrGraph *g, const char *pipeline, const PassOptions *opt, Diag *d) {
    const char *p = pipeline;
    while (*p) {
        size_t len = strcspn(p, ",");
        PassFn fn = pass_find(p, len);
        if (!fn) {
            char known[256] = "";
            for (int i = 0; i < PASS_COUNT; i++) {
                strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
                strncat(known, pass_table[i].name, sizeof known - strlen(known) - 1);
            }
            diag_error(d, "unknown pass '%.*s' (known passes: %s)", (int)len, p, known);
            return false;
        }
        if (!fn(g, opt, d)) return false;
        if (opt->verify_each && !ir_verify(g, d)) {
            diag_error(d, "the graph is invalid after pass '%.*s' (a bug in kiln)", (int)len, p);
            return false;
        }
        p += len;
        if (*p == ',') p++;
    }
    return true;
}
