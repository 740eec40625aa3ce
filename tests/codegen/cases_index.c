/* Differential cases of the index family (ir/ops_index.h). Index tensors are random constants in
 * [-3, 3] over dims of size 4, so negative and positive indices are both exercised. The float
 * outputs are copies of inputs, so they are held to 1e-6. */
#include "cg_cases.h"

static int idx_op(CgtCase *c, IrOp op, const char *name, const int *ins, int n_in) {
    int v = cgt_case_op(c, op, name, ins, n_in);
    OUT(v);
    return v;
}

static const char *const reductions[] = {"none", "add", "mul", "max", "min"};

void cgt_case_gather_elements(CgtCase *c) {
    c->tol = 1e-6;
    int x = IN("x", F32, 4, 4, 4), xi = IN("xi", I64, 4, 4);
    for (int axis = -1; axis < 3; axis++) {
        int ind = CONST("ind", axis == 1 ? I32 : I64, 3, 2, 4);
        idx_op(c, IR_OP_GATHER_ELEMENTS, "f32", VALS(x, ind));
        ir_attr_set_int(c->g, LAST, "axis", axis);
    }
    int ind2 = CONST("ind2", I64, 4, 2);
    idx_op(c, IR_OP_GATHER_ELEMENTS, "int", VALS(xi, ind2));
    ir_attr_set_int(c->g, LAST, "axis", 1);
}

void cgt_case_gather_nd(CgtCase *c) {
    c->tol = 1e-6;
    int x = IN("x", F32, 4, 4, 4), xi = IN("xi", I32, 4, 4);
    /* tuples of 1, 2 and 3; batch_dims 1 */
    idx_op(c, IR_OP_GATHER_ND, "k1", VALS(x, CONST("i1", I64, 3, 1)));
    idx_op(c, IR_OP_GATHER_ND, "k2", VALS(x, CONST("i2", I64, 2, 2, 2)));
    idx_op(c, IR_OP_GATHER_ND, "k3", VALS(x, CONST("i3", I32, 5, 3)));
    idx_op(c, IR_OP_GATHER_ND, "batch", VALS(x, CONST("ib", I64, 4, 3, 2)));
    ir_attr_set_int(c->g, LAST, "batch_dims", 1);
    idx_op(c, IR_OP_GATHER_ND, "int", VALS(xi, CONST("ii", I64, 3, 2)));
}

void cgt_case_scatter_elements(CgtCase *c) {
    c->tol = 1e-6;
    int x = IN("x", F32, 4, 4), xi = IN("xi", I32, 4, 4);
    for (int r = 0; r < 5; r++) {
        int ind = CONST("ind", I64, 3, 4);
        int upd = IN("upd", F32, 3, 4);
        idx_op(c, IR_OP_SCATTER_ELEMENTS, reductions[r], VALS(x, ind, upd));
        ir_attr_set_int(c->g, LAST, "axis", r % 2 ? -1 : 0);
        ir_attr_set_string(c->g, LAST, "reduction", reductions[r]);
        int updi = IN("updi", I32, 3, 4);
        idx_op(c, IR_OP_SCATTER_ELEMENTS, reductions[r], VALS(xi, ind, updi));
        ir_attr_set_string(c->g, LAST, "reduction", reductions[r]);
    }
}

void cgt_case_scatter_nd(CgtCase *c) {
    c->tol = 1e-6;
    int x = IN("x", F32, 4, 4);
    for (int r = 0; r < 5; r++) {
        int ind = CONST("ind", I64, 3, 1);
        int upd = IN("upd", F32, 3, 4);
        idx_op(c, IR_OP_SCATTER_ND, reductions[r], VALS(x, ind, upd));
        ir_attr_set_string(c->g, LAST, "reduction", reductions[r]);
        int ind2 = CONST("ind2", I32, 5, 2);
        int upd2 = IN("upd2", F32, 5);
        idx_op(c, IR_OP_SCATTER_ND, reductions[r], VALS(x, ind2, upd2));
        ir_attr_set_string(c->g, LAST, "reduction", reductions[r]);
    }
}

void cgt_case_one_hot(CgtCase *c) {
    c->tol = 1e-6;
    int ind = CONST("ind", I64, 2, 5), vals = IN("vals", F32, 2);
    for (int axis = -1; axis < 3; axis++) {
        idx_op(c, IR_OP_ONE_HOT, "f32", VALS(ind, vals));
        ir_attr_set_int(c->g, LAST, "depth", 3); /* indices in [-3, 3]: 3 falls outside */
        ir_attr_set_int(c->g, LAST, "axis", axis);
    }
    int ind32 = CONST("ind32", I32, 7), ivals = IN("ivals", I64, 2);
    idx_op(c, IR_OP_ONE_HOT, "int", VALS(ind32, ivals));
    ir_attr_set_int(c->g, LAST, "depth", 4);
}

void cgt_case_topk(CgtCase *c) {
    c->tol = 1e-6;
    int x = IN("x", F32, 3, 6, 2), xi = CONST("xi", I32, 2, 9);
    for (int largest = 0; largest < 2; largest++) {
        for (int axis = 0; axis < 3; axis++) {
            int outs[2];
            cgt_case_node(c, IR_OP_TOPK, "f32", &x, 1, outs, 2);
            ir_attr_set_int(c->g, LAST, "k", axis == 2 ? 2 : 3);
            ir_attr_set_int(c->g, LAST, "axis", axis);
            ir_attr_set_int(c->g, LAST, "largest", largest);
            OUT(outs[0]);
            OUT(outs[1]);
        }
        int outs[2]; /* an integer input full of ties */
        cgt_case_node(c, IR_OP_TOPK, "int", &xi, 1, outs, 2);
        ir_attr_set_int(c->g, LAST, "k", 9);
        ir_attr_set_int(c->g, LAST, "largest", largest);
        OUT(outs[0]);
        OUT(outs[1]);
    }
}
