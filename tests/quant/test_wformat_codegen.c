/* Weight formats compiled: for every format, Linear (one row: the decode matvec; odd row counts:
 * the prefill matmul; with and without bias) and Gather from a packed table, built by every
 * registered backend and compared with the interpreter on odd shapes; and the quantize pass
 * (passes/quantize.c): --weights on w[K, N] and on a MatMul's constant b[K, N] (transposed into
 * packed rows, the MatMul made a Linear), overrides (first
 * match wins, embeddings only when named), and its errors. */
#include <stdlib.h>
#include <string.h>

#include "../../passes/pass.h"
#include "../codegen/cg_harness.h"

static int packed_const(IrGraph *g, TestRng *r, const char *name, IrWFormat f, int64_t rows,
                        int64_t k) {
    IrType t = {IR_DTYPE_F32, 2, {ir_dim_const(rows), ir_dim_const(k)}};
    size_t bytes = 0, row_bytes = 0;
    KILN_ASSERT(ir_wformat_bytes(f, rows, k, &bytes) && ir_wformat_row_bytes(f, k, &row_bytes));
    unsigned char *data = malloc(bytes + 1);
    float *row = malloc(sizeof *row * (size_t)k);
    for (int64_t i = 0; i < rows; i++) {
        for (int64_t j = 0; j < k; j++) row[j] = (float)test_rng_uniform(r, -1, 1);
        ir_wformat_quantize_row(f, row, k, data + (size_t)i * row_bytes);
    }
    int v = ir_wformat_is_packed(f) ? ir_const_add_packed(g, name, &t, f, data, bytes, true)
                                    : ir_const_add(g, name, &t, data, bytes, true);
    free(data);
    free(row);
    return v;
}

static void test_format(IrWFormat f) {
    TestRng r = {100 + (uint64_t)f};
    int64_t b = ir_wformat_info(f)->block;
    int64_t k = b > 1 ? 3 * b : 45, n = 13;
    char name[64];
    snprintf(name, sizeof name, "wf_%s", ir_wformat_name(f));
    IrGraph *g = ir_graph_new(name, "", ".");
    int w = packed_const(g, &r, "w", f, n, k);
    int bias = cgt_const(g, &r, "bias", IR_DTYPE_F32, 1, (const int64_t[]){n});
    const int64_t rows[3] = {1, 7, 2};
    for (int i = 0; i < 3; i++) {
        char xn[16], yn[16];
        snprintf(xn, sizeof xn, "x%d", i);
        snprintf(yn, sizeof yn, "linear%d", i);
        int x = cgt_input(g, xn, IR_DTYPE_F32, 2, (const int64_t[]){rows[i], k});
        int in[3] = {x, w, bias};
        ir_output_add(g, cgt_op(g, IR_OP_LINEAR, yn, in, i == 2 ? 2 : 3));
    }
    /* a table [9, k] gathered by constant indices in [-3, 3] */
    int table = packed_const(g, &r, "table", f, 9, k);
    int idx = cgt_const(g, &r, "idx", IR_DTYPE_I64, 1, (const int64_t[]){5});
    int gin[2] = {table, idx};
    ir_output_add(g, cgt_op(g, IR_OP_GATHER, "gather", gin, 2));
    const uint64_t seeds[2] = {1, 2};
    cgt_run_all(g, name, seeds, 2, 2e-5);
}

/* x[3, 64] . w[64, 40] (transpose_w=0, as GPT-2 stores it) and an embedding table[10, 64]. */
static IrGraph *pass_graph(TestRng *r) {
    IrGraph *g = ir_graph_new("qz", "qz.kir", ".");
    int x = cgt_input(g, "x", IR_DTYPE_F32, 2, (const int64_t[]){3, 64});
    int w = cgt_const(g, r, "proj.weight", IR_DTYPE_F32, 2, (const int64_t[]){64, 40});
    int in[2] = {x, w};
    int y = cgt_op(g, IR_OP_LINEAR, "proj", in, 2);
    ir_attr_set_int(g, g->n_nodes - 1, "transpose_w", 0);
    ir_output_add(g, y);
    int table = cgt_const(g, r, "embed.weight", IR_DTYPE_F32, 2, (const int64_t[]){10, 64});
    int idx = cgt_const(g, r, "ids", IR_DTYPE_I64, 1, (const int64_t[]){4});
    int gin[2] = {table, idx};
    ir_output_add(g, cgt_op(g, IR_OP_GATHER, "embed", gin, 2));
    /* a batched MatMul by a constant b[64, 24]: a Linear once b is packed */
    int xb = cgt_input(g, "xb", IR_DTYPE_F32, 3, (const int64_t[]){2, 3, 64});
    int b = cgt_const(g, r, "mm.weight", IR_DTYPE_F32, 2, (const int64_t[]){64, 24});
    int min[2] = {xb, b};
    ir_output_add(g, cgt_op(g, IR_OP_MATMUL, "mm", min, 2));
    Diag d;
    diag_init(&d);
    CHECK(ir_infer_shapes(g, &d));
    diag_free(&d);
    return g;
}

static bool quantize(IrGraph *g, const char *weights, const char *overrides, const char *want_err) {
    PassOptions o = {0};
    o.weights = weights;
    o.weights_override = overrides;
    Diag d;
    diag_init(&d);
    bool ok = pass_quantize(g, &o, &d);
    if (want_err) {
        CHECK(!ok && d.count > 0 && strstr(d.messages[0], want_err) != NULL);
        if (d.count) fprintf(stderr, "  (expected) %s\n", d.messages[0]);
    } else {
        CHECK(ok);
        if (!ok) diag_print(&d, stderr);
    }
    diag_free(&d);
    return ok;
}

static void test_pass(void) {
    TestRng r = {9};
    IrGraph *g = pass_graph(&r);
    CHECK(quantize(g, "i4g32a", NULL, NULL));
    const IrValue *w = ir_value(g, ir_value_find(g, "proj.weight"));
    const IrValue *e = ir_value(g, ir_value_find(g, "embed.weight"));
    /* transposed into rows [40, 64], readers switched to transpose_w=1; the table untouched */
    CHECK(w->wformat == IR_WFMT_I4G32A && w->type.dims[0].size == 40);
    CHECK(ir_attr_int(ir_node(g, 0), "transpose_w") == 1);
    CHECK(e->wformat == IR_WFMT_DENSE);
    const IrValue *mm = ir_value(g, ir_value_find(g, "mm.weight"));
    CHECK(mm->wformat == IR_WFMT_I4G32A && mm->type.dims[0].size == 24);
    CHECK(ir_node(g, g->n_nodes - 1)->op == IR_OP_LINEAR);
    const uint64_t seeds[1] = {3};
    cgt_run_all(g, "qz_pass", seeds, 1, 2e-5);

    /* overrides: the first match wins; an embedding is quantized only when named */
    g = pass_graph(&r);
    CHECK(quantize(g, "i8", "embed.*=i4g64,*.weight=bf16", NULL));
    CHECK(ir_value(g, ir_value_find(g, "proj.weight"))->wformat == IR_WFMT_BF16);
    CHECK(ir_value(g, ir_value_find(g, "embed.weight"))->wformat == IR_WFMT_I4G64);
    /* and back to f32 (dense) */
    CHECK(quantize(g, "f32", "embed.*=f32", NULL));
    CHECK(ir_value(g, ir_value_find(g, "embed.weight"))->wformat == IR_WFMT_DENSE);
    CHECK(ir_value(g, ir_value_find(g, "proj.weight"))->wformat == IR_WFMT_DENSE);
    cgt_run_all(g, "qz_override", seeds, 1, 1e-6);

    /* errors: K = 64 is no multiple of 128 (naming the tensor); unknown types; bad syntax */
    g = pass_graph(&r);
    quantize(g, "i4g128", NULL, "tensor 'proj.weight' cannot be stored as i4g128");
    quantize(g, "i3", NULL, "unknown type 'i3'");
    quantize(g, NULL, "proj.weight", "must be PATTERN=TYPE");
    quantize(g, NULL, "proj.weight=q8", "unknown type 'q8'");
    ir_graph_free(g);
}

int main(void) {
    for (int f = 0; f < IR_WFMT_COUNT; f++) test_format((IrWFormat)f);
    test_pass();
    cgt_report();
    return test_finish();
}
