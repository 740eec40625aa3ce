/* Shape rules of the fused op family (semantics in ir/ops_fused.h). */
#include <inttypes.h>
#include <string.h>

#include "shape_internal.h"

/* Checks the register program of node n whose first n_regs registers are its inputs. */
static bool shape_fused_program(const IrGraph *g, const IrNode *n, int n_regs, Diag *d) {
    const IrAttr *prog = ir_attr_find(n, "program");
    const IrAttr *consts = ir_attr_find(n, "constants");
    int n_consts = consts ? consts->count : 0;
    if (!prog || prog->count == 0 || prog->count % 3 != 0) {
        ir_node_error(d, g, n, "attribute 'program' must hold one or more 3-int instructions");
        return false;
    }
    int regs = n_regs;
    if (regs + prog->count / 3 > IR_FUSED_MAX_REGS) {
        ir_node_error(d, g, n, "the program uses more than %d registers", IR_FUSED_MAX_REGS);
        return false;
    }
    for (int j = 0; j < prog->count; j += 3, regs++) {
        int64_t op = prog->ints[j], a = prog->ints[j + 1], b = prog->ints[j + 2];
        bool ok = op >= 0 && op < IR_FUSED_OPCODE_COUNT;
        int64_t slot[2] = {a, b};
        for (int i = 0; ok && i < 2; i++) {
            if (ir_fused_slot_is_reg(op, i)) ok = slot[i] >= 0 && slot[i] < regs;
            if (ir_fused_slot_is_param(op, i)) ok = slot[i] >= 0 && slot[i] < n_consts;
        }
        if (!ok) {
            ir_node_error(d, g, n,
                          "instruction %d (%" PRId64 ", %" PRId64 ", %" PRId64
                          ") has a bad opcode or operand",
                          j / 3, op, a, b);
            return false;
        }
    }
    return true;
}

/* Checks the epilogue inputs 3.. of a FusedLinear/FusedNorm n whose base output is out[0]:
 * each of x's dtype, broadcasting to out[0] without enlarging it; then the program, whose
 * registers start with the base result and the epilogue inputs. */
static bool shape_fused_epilogue(const IrGraph *g, const IrNode *n, const IrType *in,
                                 const IrType *out, Diag *d) {
    for (int i = 3; i < n->n_inputs; i++) {
        if (!shp_same_dtype(g, n, in, 0, i, d)) return false;
        IrType b;
        if (!shp_broadcast(g, n, &out[0], &in[i], &b, d)) return false;
        if (!ir_type_equal(&b, &out[0])) {
            ir_node_error(d, g, n, "epilogue input %d would enlarge the output by broadcasting", i);
            return false;
        }
    }
    return shape_fused_program(g, n, n->n_inputs - 2, d);
}

/* FusedElementwise: one float dtype across inputs, a well-formed program, broadcast output. */
bool ir_shape_fused_elementwise(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                                Diag *d) {
    IrDtype dt = in[0].dtype;
    if (dt != IR_DTYPE_F32 && dt != IR_DTYPE_F64) {
        ir_node_error(d, g, n, "inputs must be f32 or f64, not %s", ir_dtype_name(dt));
        return false;
    }
    out[0] = in[0];
    for (int i = 1; i < n->n_inputs; i++) {
        if (!shp_same_dtype(g, n, in, 0, i, d)) return false;
        IrType next;
        if (!shp_broadcast(g, n, &out[0], &in[i], &next, d)) return false;
        out[0] = next;
    }
    return shape_fused_program(g, n, n->n_inputs, d);
}

/* FusedLinear: Linear's rule for inputs 0..2, then epilogue inputs of the same dtype that
 * broadcast to the Linear output without enlarging it, and a well-formed program. */
bool ir_shape_fused_linear(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                           Diag *d) {
    if (n->n_inputs < 3) {
        ir_node_error(d, g, n, "needs x, w, a bias slot (may be absent) and epilogue inputs");
        return false;
    }
    if (!ir_shape_linear(g, n, in, out, d)) return false;
    return shape_fused_epilogue(g, n, in, out, d);
}

/* FusedNorm: the base norm's rule for inputs 0..2 (RMSNorm takes no bias), then the epilogue as
 * in FusedLinear. */
bool ir_shape_fused_norm(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                         Diag *d) {
    if (n->n_inputs < 3) {
        ir_node_error(d, g, n, "needs x, scale and bias slots (may be absent) and epilogue inputs");
        return false;
    }
    const char *base = ir_attr_string(n, "base");
    if (strcmp(base, "RMSNorm") == 0) {
        if (shp_present(in, n, 2)) {
            ir_node_error(d, g, n, "base RMSNorm takes no bias (input 2 must be absent)");
            return false;
        }
        if (!ir_shape_rmsnorm(g, n, in, out, d)) return false;
    } else if (strcmp(base, "LayerNorm") == 0) {
        if (!ir_shape_layernorm(g, n, in, out, d)) return false;
    } else {
        ir_node_error(d, g, n, "attribute 'base' is '%s'; supported: RMSNorm, LayerNorm", base);
        return false;
    }
    return shape_fused_epilogue(g, n, in, out, d);
}
