/* Helpers for the interpreter's tests (see interp_test.h). Element conversions are written here
 * independently of the interpreter's own, so a bug in one does not hide in the other. */
#include "interp_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

IrType ti_type(IrDtype dt, const int64_t *dims, int rank) {
    IrType t;
    memset(&t, 0, sizeof t);
    t.dtype = dt;
    t.rank = rank;
    for (int i = 0; i < rank; i++) t.dims[i] = ir_dim_const(dims[i]);
    return t;
}

IrGraph *ti_graph(void) {
    return ir_graph_new("test", "test.kir", ".");
}

int ti_input(IrGraph *g, IrDtype dt, const int64_t *dims, int rank) {
    char name[32];
    snprintf(name, sizeof name, "x%d", g->n_inputs);
    IrType t = ti_type(dt, dims, rank);
    return ir_input_add(g, name, &t);
}

/* Writes v (already representable in dt, or rounded as a C conversion would) as element i. */
static void ti_put(IrDtype dt, void *data, int64_t i, double v) {
    unsigned char *p = (unsigned char *)data + (size_t)i * ir_dtype_size(dt);
    switch (dt) {
    case IR_DTYPE_F32: {
        float f = (float)v;
        memcpy(p, &f, 4);
        break;
    }
    case IR_DTYPE_F64:
        memcpy(p, &v, 8);
        break;
    case IR_DTYPE_F16: {
        uint16_t h = ir_f32_to_f16((float)v);
        memcpy(p, &h, 2);
        break;
    }
    case IR_DTYPE_BF16: {
        uint16_t h = ir_f32_to_bf16((float)v);
        memcpy(p, &h, 2);
        break;
    }
    case IR_DTYPE_I8:
        *(int8_t *)p = (int8_t)v;
        break;
    case IR_DTYPE_U8:
        *p = (uint8_t)v;
        break;
    case IR_DTYPE_BOOL:
        *p = v != 0.0;
        break;
    case IR_DTYPE_I32: {
        int32_t x = (int32_t)v;
        memcpy(p, &x, 4);
        break;
    }
    case IR_DTYPE_I64: {
        int64_t x = (int64_t)v;
        memcpy(p, &x, 8);
        break;
    }
    default:
        KILN_ASSERT(!"bad dtype");
    }
}

double ti_get(const IrTensor *t, int64_t i) {
    const unsigned char *p = (const unsigned char *)t->data + (size_t)i * ir_dtype_size(t->dtype);
    switch (t->dtype) {
    case IR_DTYPE_F32: {
        float f;
        memcpy(&f, p, 4);
        return f;
    }
    case IR_DTYPE_F64: {
        double f;
        memcpy(&f, p, 8);
        return f;
    }
    case IR_DTYPE_F16: {
        uint16_t h;
        memcpy(&h, p, 2);
        return ir_f16_to_f32(h);
    }
    case IR_DTYPE_BF16: {
        uint16_t h;
        memcpy(&h, p, 2);
        return ir_bf16_to_f32(h);
    }
    case IR_DTYPE_I8:
        return *(const int8_t *)p;
    case IR_DTYPE_U8:
        return *p;
    case IR_DTYPE_BOOL:
        return *p;
    case IR_DTYPE_I32: {
        int32_t x;
        memcpy(&x, p, 4);
        return x;
    }
    case IR_DTYPE_I64: {
        int64_t x;
        memcpy(&x, p, 8);
        return (double)x;
    }
    default:
        KILN_ASSERT(!"bad dtype");
    }
    return 0.0;
}

IrTensor ti_tensor(IrDtype dt, const int64_t *dims, int rank, const double *vals) {
    IrTensor t;
    KILN_ASSERT(ir_tensor_alloc(&t, dt, rank, dims));
    int64_t n = ir_tensor_numel(&t);
    for (int64_t i = 0; i < n; i++) ti_put(dt, t.data, i, vals[i]);
    return t;
}

int ti_const(IrGraph *g, IrDtype dt, const int64_t *dims, int rank, const double *vals) {
    char name[32];
    snprintf(name, sizeof name, "c%d", g->n_values);
    IrType ty = ti_type(dt, dims, rank);
    IrTensor t = ti_tensor(dt, dims, rank, vals);
    int id = ir_const_add(g, name, &ty, t.data, t.nbytes, true);
    ir_tensor_free(&t);
    return id;
}

int ti_node(IrGraph *g, IrOp op, const int *inputs, int n_inputs, int n_out) {
    int outs[64];
    KILN_ASSERT(n_out <= 64);
    IrType placeholder = ti_type(IR_DTYPE_F32, NULL, 0);
    for (int i = 0; i < n_out; i++) {
        char name[48];
        snprintf(name, sizeof name, "n%d.out%d", g->n_nodes, i);
        outs[i] = ir_value_add(g, name, &placeholder);
    }
    char name[32];
    snprintf(name, sizeof name, "n%d", g->n_nodes);
    return ir_node_add(g, op, name, inputs, n_inputs, outs, n_out);
}

int ti_out(const IrGraph *g, int node, int i) {
    return ir_node(g, node)->outputs[i];
}

bool ti_finish(IrGraph *g) {
    Diag d;
    diag_init(&d);
    bool ok = ir_infer_shapes(g, &d);
    if (ok && g->n_outputs == 0 && g->n_nodes > 0) {
        const IrNode *last = ir_node(g, g->n_nodes - 1);
        for (int i = 0; i < last->n_outputs; i++) ir_output_add(g, last->outputs[i]);
    }
    ok = ok && ir_verify(g, &d);
    if (!ok) diag_print(&d, stderr);
    CHECK(ok && "graph builds and verifies");
    diag_free(&d);
    return ok;
}

bool ti_run(IrGraph *g, const double *const *vals, IrTensor *outputs) {
    for (int k = 0; k < g->n_outputs; k++) memset(&outputs[k], 0, sizeof outputs[k]);
    if (!ti_finish(g)) return false;
    IrTensor *in = calloc((size_t)g->n_inputs + 1, sizeof *in);
    KILN_ASSERT(in != NULL);
    for (int k = 0; k < g->n_inputs; k++) {
        const IrType *t = &ir_value(g, g->inputs[k])->type;
        int64_t dims[IR_MAX_RANK];
        for (int i = 0; i < t->rank; i++) dims[i] = t->dims[i].size;
        in[k] = ti_tensor(t->dtype, dims, t->rank, vals[k]);
    }
    Diag d;
    diag_init(&d);
    bool ok = interp_run(g, in, outputs, &d);
    if (!ok) diag_print(&d, stderr);
    CHECK(ok && "interp_run succeeds");
    diag_free(&d);
    for (int k = 0; k < g->n_inputs; k++) ir_tensor_free(&in[k]);
    free(in);
    return ok;
}

bool ti_expect(const char *what, const IrTensor *t, IrDtype dt, const int64_t *dims, int rank,
               const double *want, double tol) {
    bool ok = t->dtype == dt && t->rank == rank;
    for (int i = 0; ok && i < rank; i++) ok = t->dims[i] == dims[i];
    if (!ok) {
        fprintf(stderr, "FAIL %s: got a %s tensor of rank %d, want %s of rank %d\n", what,
                ir_dtype_name(t->dtype), t->rank, ir_dtype_name(dt), rank);
        for (int i = 0; i < t->rank; i++)
            fprintf(stderr, "  got dim %d = %lld\n", i, (long long)t->dims[i]);
        test_failed++;
        return false;
    }
    int64_t n = ir_tensor_numel(t);
    int shown = 0;
    for (int64_t i = 0; i < n; i++) {
        double got = ti_get(t, i), ref = want[i];
        bool same;
        if (isnan(ref) || isinf(ref))
            same = isnan(ref) ? isnan(got) : got == ref;
        else
            same = fabs(got - ref) <= tol * (fabs(ref) > 1.0 ? fabs(ref) : 1.0);
        if (!same) {
            ok = false;
            if (shown++ < 6)
                fprintf(stderr, "  %s[%lld]: got %.10g want %.10g\n", what, (long long)i, got, ref);
        }
    }
    if (ok) {
        test_passed++;
    } else {
        test_failed++;
        fprintf(stderr, "FAIL %s: values differ\n", what);
    }
    return ok;
}

bool ti_expect_message(const Diag *d, const char *part) {
    bool ok = d->count == 1 && strstr(d->messages[0], part) != NULL;
    if (!ok) {
        fprintf(stderr, "FAIL expected one message containing \"%s\", got %d:\n", part, d->count);
        diag_print(d, stderr);
    }
    return test_check(ok, part, __FILE__, __LINE__);
}

void ti_done(IrGraph *g, IrTensor *outputs) {
    if (outputs)
        for (int k = 0; k < g->n_outputs; k++) ir_tensor_free(&outputs[k]);
    ir_graph_free(g);
}
