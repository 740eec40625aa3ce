/* The pass table and the pipeline runner: a pipeline is a comma-separated list of pass names,
 * run in order like a recipe. Also the pipelines of the optimization levels. */
#include "pass.h"

#include <stdlib.h>
#include <string.h>

#include "../ir/text.h"

typedef bool (*PassFn)(IrGraph *g, const PassOptions *opt, Diag *d);

static const struct {
    const char *name;
    PassFn run;
} pass_table[] = {
    {"bind", pass_bind},
    {"fold", pass_fold},
    {"simplify", pass_simplify},
    {"cse", pass_cse},
    {"dce", pass_dce},
    {"reshape-linear", pass_reshape_linear},
    {"fuse-attention", pass_fuse_attention},
    {"fuse-qkv", pass_fuse_qkv},
    {"fuse-ops", pass_fuse_ops},
    {"prune", pass_prune},
    {"quantize", pass_quantize},
    {"plan_memory", pass_plan_memory},
    {"plan-memory", pass_plan_memory},
};

#define PASS_COUNT ((int)(sizeof pass_table / sizeof pass_table[0]))

/* -O0 does only what code generation needs; -O1 cleans up without changing the op mix; -O2
 * also fuses (projections' Reshapes, attention blocks, QKV, elementwise chains). dce runs again
 * after fusion to drop the weights fusion replaced. */
static const char pass_o0[] = "bind,plan_memory";
static const char pass_o1[] = "bind,fold,simplify,cse,dce,plan_memory";
static const char pass_o1_prune[] = "bind,fold,simplify,cse,dce,prune,dce,plan_memory";
static const char pass_o2[] = "bind,fold,simplify,cse,dce,reshape-linear,fuse-attention,dce,"
                              "fuse-qkv,fuse-ops,dce,plan_memory";
static const char pass_o2_prune[] = "bind,fold,simplify,cse,dce,prune,dce,reshape-linear,"
                                    "fuse-attention,dce,fuse-qkv,fuse-ops,dce,plan_memory";

const char *pass_pipeline_for_level(int level, bool prune) {
    switch (level) {
    case 0:
        return pass_o0;
    case 1:
        return prune ? pass_o1_prune : pass_o1;
    case 2:
        return prune ? pass_o2_prune : pass_o2;
    default:
        return NULL;
    }
}

static PassFn pass_find(const char *name, size_t len) {
    for (int i = 0; i < PASS_COUNT; i++)
        if (strlen(pass_table[i].name) == len && strncmp(pass_table[i].name, name, len) == 0)
            return pass_table[i].run;
    return NULL;
}

bool pass_run_pipeline(IrGraph *g, const char *pipeline, const PassOptions *opt, Diag *d) {
    const char *p = pipeline;
    if (opt->print_after && !pass_find(opt->print_after, strlen(opt->print_after))) {
        diag_error(d, "--print-after: unknown pass '%s'", opt->print_after);
        return false;
    }
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
        if (opt->print_after_all || (opt->print_after && strlen(opt->print_after) == len &&
                                     strncmp(opt->print_after, p, len) == 0)) {
            FILE *f = opt->print_to ? opt->print_to : stderr;
            fprintf(f, "// after %.*s\n", (int)len, p);
            ir_print(g, f);
        }
        p += len;
        if (*p == ',') p++;
    }
    return true;
}

int64_t pass_weight_bytes(const IrGraph *g) {
    int64_t by[IR_WFMT_COUNT];
    pass_weight_bytes_by_format(g, by);
    int64_t total = 0;
    for (int f = 0; f < IR_WFMT_COUNT; f++) total += by[f];
    return total;
}

void pass_weight_bytes_by_format(const IrGraph *g, int64_t *by_format) {
    bool *used = calloc((size_t)(g->n_values ? g->n_values : 1), sizeof *used);
    KILN_ASSERT(used != NULL);
    for (int ni = 0; ni < g->n_nodes; ni++)
        for (int i = 0; i < g->nodes[ni].n_inputs; i++)
            if (g->nodes[ni].inputs[i] >= 0) used[g->nodes[ni].inputs[i]] = true;
    for (int i = 0; i < g->n_outputs; i++) used[g->outputs[i]] = true;
    for (int f = 0; f < IR_WFMT_COUNT; f++) by_format[f] = 0;
    for (int v = 0; v < g->n_values; v++)
        if (used[v] && g->values[v].data && g->values[v].producer < 0)
            by_format[g->values[v].wformat] += (int64_t)g->values[v].nbytes;
    free(used);
}
