/* Every op has a differential case, guaranteed by the build: the table below has one row per
 * IR_OPS entry, each naming cgt_case_<fn> (cg_cases.h), so an op without a case fails to link,
 * and a static assertion ties the table's length to IR_OP_COUNT.
 *
 * The cases of consecutive ops share a graph until it has CGT_BATCH_NODES nodes, which is then
 * compiled once per registered backend and compared with the interpreter on two seeds: one
 * compiler run covers many ops. When a backend refuses a node of a batch, or the batch fails,
 * each of its cases is re-run in a graph of its own on that backend, so every op gets its own
 * verdict (a refused op is a skip for that op only). The last lines give each backend's
 * count of ops compared, and of ops covered otherwise (cases that explain why they cannot be
 * compared in isolation). */
#include <string.h>

#include "cg_cases.h"

#define CGT_BATCH_NODES 96

typedef struct CgtRow {
    IrOp op;
    const char *name;
    const char *fn;
    void (*run)(CgtCase *c);
} CgtRow;

#define CGT_ROW(E, name, fn, ...) {IR_OP_##E, name, #fn, cgt_case_##fn},
static const CgtRow cgt_rows[] = {IR_OPS(CGT_ROW)};
#undef CGT_ROW
_Static_assert(sizeof cgt_rows / sizeof cgt_rows[0] == IR_OP_COUNT,
               "every op of IR_OPS needs a row (and a cgt_case_<fn>) in the case table");

static const uint64_t cgt_seeds[2] = {7, 8};

/* ---- helpers for the cases (cg_cases.h) -------------------------------------------------- */

static const char *cgt_case_name(CgtCase *c, const char *name, char *buf, size_t cap) {
    snprintf(buf, cap, "%s.%s#%d", c->fn, name, c->counter++);
    return buf;
}

int cgt_case_input(CgtCase *c, const char *name, IrDtype t, int rank, const int64_t *dims) {
    char buf[256];
    return cgt_input(c->g, cgt_case_name(c, name, buf, sizeof buf), t, rank, dims);
}

int cgt_case_const(CgtCase *c, const char *name, IrDtype t, int rank, const int64_t *dims) {
    char buf[256];
    return cgt_const(c->g, &c->rng, cgt_case_name(c, name, buf, sizeof buf), t, rank, dims);
}

int cgt_case_const_data(CgtCase *c, const char *name, IrDtype t, int rank, const int64_t *dims,
                        const void *data) {
    char buf[256];
    IrType ty = {t, rank, {{0}}};
    for (int i = 0; i < rank; i++) ty.dims[i] = ir_dim_const(dims[i]);
    size_t bytes = 0;
    KILN_ASSERT(ir_type_nbytes(&ty, &bytes));
    return ir_const_add(c->g, cgt_case_name(c, name, buf, sizeof buf), &ty, data, bytes, true);
}

int cgt_case_node(CgtCase *c, IrOp op, const char *name, const int *ins, int n_in, int *outs,
                  int n_out) {
    char buf[256];
    return cgt_node(c->g, op, cgt_case_name(c, name, buf, sizeof buf), ins, n_in, outs, n_out);
}

int cgt_case_op(CgtCase *c, IrOp op, const char *name, const int *ins, int n_in) {
    int out;
    cgt_case_node(c, op, name, ins, n_in, &out, 1);
    return out;
}

void cgt_case_otherwise(CgtCase *c, const char *reason) {
    printf("op %s: %s\n", ir_op_info(c->op)->name, reason);
    c->otherwise = reason;
}

void cgt_case_result(CgtCase *c, int b, CgtStatus s) {
    KILN_ASSERT(b >= 0 && b < CGT_CASE_MAX_BACKENDS);
    /* a failure anywhere in the case is the case's verdict */
    if (c->own[b] != CGT_FAILED) c->own[b] = s;
}

/* ---- the driver ---------------------------------------------------------------------------- */

static CgtStatus cgt_status[CGT_CASE_MAX_BACKENDS][IR_OP_COUNT];

/* Runs row i's case into g. */
static void cgt_case_run(int i, IrGraph *g, CgtCase *c) {
    memset(c, 0, sizeof *c);
    c->g = g;
    c->rng.state = 0x9e3779b97f4a7c15ull ^ (uint64_t)(i + 1);
    c->op = cgt_rows[i].op;
    c->fn = cgt_rows[i].fn;
    c->tol = 1e-5;
    cgt_rows[i].run(c);
}

/* Whether backend b supports every node of g, without printing or counting a skip. */
static bool cgt_quietly_supported(const CgBackend *b, const IrGraph *g) {
    for (int i = 0; i < g->n_nodes; i++) {
        char reason[512];
        if (!b->supports(g, &g->nodes[i], reason, sizeof reason)) return false;
    }
    return true;
}

/* Builds planned g with b and compares it on every seed. */
static CgtStatus cgt_compare_on(const CgBackend *b, const IrGraph *g, const char *prefix,
                                double tol) {
    if (!cgt_quietly_supported(b, g)) {
        cgt_supported(b, g); /* prints the refused nodes and counts the skip */
        return CGT_SKIPPED;
    }
    CgtLib lib;
    bool ok = cgt_build(b, g, prefix, false, &lib);
    for (int k = 0; ok && k < 2; k++) ok = cgt_compare(g, &lib, cgt_seeds[k], tol);
    cgt_unload(&lib);
    if (lib.no_device) return CGT_SKIPPED;
    return ok ? CGT_PASSED : CGT_FAILED;
}

/* Row i's case alone on backend b. */
static CgtStatus cgt_alone(int i, int b) {
    char prefix[64];
    snprintf(prefix, sizeof prefix, "op_%s", cgt_rows[i].fn);
    IrGraph *g = ir_graph_new(prefix, "every_op.json", ".");
    CgtCase c;
    cgt_case_run(i, g, &c);
    CgtStatus s = cgt_plan(g) ? cgt_compare_on(cg_backend_at(b), g, prefix, c.tol) : CGT_FAILED;
    ir_graph_free(g);
    return s;
}

typedef struct CgtBatch {
    IrGraph *g;
    int rows[IR_OP_COUNT];
    int n_rows;
    double tol;
    int number;
} CgtBatch;

static void cgt_flush(CgtBatch *bt) {
    if (!bt->g) return;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "ops%d", bt->number++);
    printf("%s: %d nodes:", prefix, bt->g->n_nodes);
    for (int k = 0; k < bt->n_rows; k++) printf(" %s", cgt_rows[bt->rows[k]].name);
    printf("\n");
    bool planned = cgt_plan(bt->g);
    for (int b = 0; b < cg_backend_count(); b++) {
        const CgBackend *be = cg_backend_at(b);
        if (planned && cgt_quietly_supported(be, bt->g) &&
            cgt_compare_on(be, bt->g, prefix, bt->tol) == CGT_PASSED) {
            for (int k = 0; k < bt->n_rows; k++) cgt_status[b][bt->rows[k]] = CGT_PASSED;
            continue;
        }
        /* each op on its own: which ones fail, which ones b refuses */
        for (int k = 0; k < bt->n_rows; k++) cgt_status[b][bt->rows[k]] = cgt_alone(bt->rows[k], b);
    }
    ir_graph_free(bt->g);
    bt->g = NULL;
    bt->n_rows = 0;
}

/* Whether the nodes g gained from `first` on include one of op, and g gained outputs. */
static bool cgt_added_op(const IrGraph *g, int first, int outs_before, IrOp op) {
    bool has = false;
    for (int i = first; i < g->n_nodes; i++) has |= g->nodes[i].op == op;
    return has && g->n_outputs > outs_before;
}

int main(void) {
    KILN_ASSERT(cg_backend_count() <= CGT_CASE_MAX_BACKENDS);
    CgtBatch bt = {0};
    for (int i = 0; i < IR_OP_COUNT; i++) {
        KILN_ASSERT(cgt_rows[i].op == (IrOp)i);
        if (!bt.g) {
            bt.g = ir_graph_new("every_op", "every_op.json", ".");
            bt.tol = 1.0;
        }
        int nodes = bt.g->n_nodes, outs = bt.g->n_outputs;
        CgtCase c;
        cgt_case_run(i, bt.g, &c);
        bool added = bt.g->n_nodes > nodes;
        for (int b = 0; b < cg_backend_count(); b++) {
            if (c.otherwise)
                cgt_status[b][i] = CGT_OTHERWISE;
            else if (!added)
                cgt_status[b][i] = c.own[b];
        }
        if (c.otherwise || !added) {
            /* A case that neither adds to the graph, nor compares on its own, nor says why
             * tests nothing. */
            if (!CHECK(c.otherwise || c.own[0] != CGT_NONE) || !CHECK(!(c.otherwise && added)))
                fprintf(stderr, "op %s: its case tested nothing\n", cgt_rows[i].name);
            continue;
        }
        if (!CHECK(cgt_added_op(bt.g, nodes, outs, c.op)))
            fprintf(stderr, "op %s: its case adds no %s node or no output\n", cgt_rows[i].name,
                    cgt_rows[i].name);
        bt.rows[bt.n_rows++] = i;
        if (c.tol < bt.tol) bt.tol = c.tol;
        if (bt.g->n_nodes >= CGT_BATCH_NODES) cgt_flush(&bt);
    }
    cgt_flush(&bt);

    for (int b = 0; b < cg_backend_count(); b++) {
        int n[CGT_OTHERWISE + 1] = {0};
        for (int i = 0; i < IR_OP_COUNT; i++) {
            n[cgt_status[b][i]]++;
            if (cgt_status[b][i] == CGT_FAILED || cgt_status[b][i] == CGT_NONE)
                fprintf(stderr, "backend '%s': op %s %s\n", cg_backend_at(b)->name,
                        cgt_rows[i].name, cgt_status[b][i] == CGT_FAILED ? "FAILED" : "not run");
            CHECK(cgt_status[b][i] != CGT_FAILED && cgt_status[b][i] != CGT_NONE);
        }
        printf("backend '%s': %d of %d ops compared with the interpreter (%d failed, %d skipped), "
               "%d covered otherwise\n",
               cg_backend_at(b)->name, n[CGT_PASSED], IR_OP_COUNT, n[CGT_FAILED], n[CGT_SKIPPED],
               n[CGT_OTHERWISE]);
    }
    cgt_report();
    return test_finish();
}
