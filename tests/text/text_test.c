/* The in-memory loader and node helper shared by the text-IR tests (see text_test.h). */
#include "text_test.h"

#include <string.h>

bool mem_loader(IrGraph *g, const char *file, const char *key, const IrType *type,
                const void **data, size_t *nbytes, Diag *d, void *user) {
    (void)g;
    MemStore *s = user;
    for (int i = 0; i < s->count; i++) {
        const MemTensor *t = &s->tensors[i];
        if (strcmp(t->file, file) != 0 || strcmp(t->key, key) != 0) continue;
        size_t want;
        if (t->dtype != type->dtype || !ir_type_nbytes(type, &want) || want != t->nbytes) {
            diag_at(d, file, NULL, NULL, "tensor '%s' does not match the declared type", key);
            return false;
        }
        *data = t->data;
        *nbytes = t->nbytes;
        s->loads++;
        return true;
    }
    diag_at(d, file, NULL, NULL, "no tensor named '%s'", key);
    return false;
}

int tt_node(IrGraph *g, IrOp op, const char *name, const int *ins, int n_ins,
            const char *const *out_names, int n_outs) {
    IrType placeholder = {IR_DTYPE_F32, 0, {{0, -1}}};
    int outs[64];
    KILN_ASSERT(n_outs <= 64);
    for (int i = 0; i < n_outs; i++) outs[i] = ir_value_add(g, out_names[i], &placeholder);
    return ir_node_add(g, op, name, ins, n_ins, outs, n_outs);
}

int tt_out(const IrGraph *g, int n) {
    return ir_node(g, n)->outputs[0];
}
