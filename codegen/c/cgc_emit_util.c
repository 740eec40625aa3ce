/* Small helpers the per-op emitters share: operand types, errors, axes, strides. */
#include "cgc.h"

const IrType *cgc_in_type(const CgcEmitter *e, const IrNode *n, int slot) {
    KILN_ASSERT(slot < n->n_inputs && n->inputs[slot] >= 0);
    return &ir_value(e->g, n->inputs[slot])->type;
}

const IrType *cgc_out_type(const CgcEmitter *e, const IrNode *n, int slot) {
    KILN_ASSERT(slot < n->n_outputs);
    return &ir_value(e->g, n->outputs[slot])->type;
}

int64_t cgc_numel(const IrType *t) {
    int64_t n = 0;
    KILN_ASSERT(ir_type_numel(t, &n));
    return n;
}

bool cgc_has_input(const IrNode *n, int slot) {
    return slot < n->n_inputs && n->inputs[slot] >= 0;
}

bool cgc_unsupported_dtype(const CgcEmitter *e, const IrNode *n, IrDtype t) {
    if (e->reason)
        snprintf(e->reason, e->reason_cap, "dtype %s", ir_dtype_name(t));
    else
        ir_node_error(e->d, e->g, n, "the C backend does not support dtype %s", ir_dtype_name(t));
    return false;
}

bool cgc_node_fail(const CgcEmitter *e, const IrNode *n, const char *msg) {
    if (e->reason)
        snprintf(e->reason, e->reason_cap, "%s", msg);
    else
        ir_node_error(e->d, e->g, n, "%s", msg);
    return false;
}

bool cgc_axis(int64_t axis, int rank, int *out) {
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return false;
    *out = (int)axis;
    return true;
}

void cgc_strides(const IrType *t, int64_t *strides) {
    int64_t s = 1;
    for (int i = t->rank - 1; i >= 0; i--) {
        strides[i] = s;
        s *= t->dims[i].size;
    }
}

const CgKernel *cgc_kernel(const CgcEmitter *e, const IrNode *n) {
    if (!e->m) return e->trial;
    return &e->m->kernels[n - e->g->nodes];
}
