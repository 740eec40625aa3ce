/* The op table: each op's spelling, arity and attribute schema, expanded from ops.h. The core
 * set's attribute schemas are defined here; each family defines its own in ir/ops_<family>.c. */
#include "ir.h"
#include "ops_internal.h"

#include <string.h>

#define IR_NO_ATTRS(fn) const IrAttrSpec ir_attrs_##fn[] = {IR_ATTRS_END};

IR_NO_ATTRS(matmul)
IR_NO_ATTRS(add)
IR_NO_ATTRS(sub)
IR_NO_ATTRS(mul)
IR_NO_ATTRS(div)
IR_NO_ATTRS(neg)
IR_NO_ATTRS(exp)
IR_NO_ATTRS(sqrt)
IR_NO_ATTRS(rsqrt)
IR_NO_ATTRS(relu)
IR_NO_ATTRS(silu)
IR_NO_ATTRS(sigmoid)
IR_NO_ATTRS(tanh)

const IrAttrSpec ir_attrs_linear[] = {
    {"transpose_w", IR_ATTR_INT, false, 1, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_pow[] = {
    {"exponent", IR_ATTR_FLOAT, true, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_gelu[] = {
    {"approximate", IR_ATTR_STRING, false, 0, 0.0, "none"},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_softmax[] = {
    {"axis", IR_ATTR_INT, false, -1, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_layernorm[] = {
    {"axis", IR_ATTR_INT, false, -1, 0.0, NULL},
    {"epsilon", IR_ATTR_FLOAT, false, 0, 1e-5, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_rmsnorm[] = {
    {"axis", IR_ATTR_INT, false, -1, 0.0, NULL},
    {"epsilon", IR_ATTR_FLOAT, false, 0, 1e-6, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_reshape[] = {
    {"shape", IR_ATTR_INTS, true, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_transpose[] = {
    {"perm", IR_ATTR_INTS, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_concat[] = {
    {"axis", IR_ATTR_INT, true, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_split[] = {
    {"axis", IR_ATTR_INT, false, 0, 0.0, NULL},
    {"split", IR_ATTR_INTS, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_slice[] = {
    {"starts", IR_ATTR_INTS, true, 0, 0.0, NULL},
    {"ends", IR_ATTR_INTS, true, 0, 0.0, NULL},
    {"axes", IR_ATTR_INTS, false, 0, 0.0, NULL},
    {"steps", IR_ATTR_INTS, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_gather[] = {
    {"axis", IR_ATTR_INT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_cast[] = {
    {"to", IR_ATTR_STRING, true, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_rotary[] = {
    {"theta", IR_ATTR_FLOAT, false, 0, 10000.0, NULL},
    {"interleaved", IR_ATTR_INT, false, 0, 0.0, NULL},
    {"rotary_dim", IR_ATTR_INT, false, 0, 0.0, NULL},
    {"position_offset", IR_ATTR_INT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_attention[] = {
    {"causal", IR_ATTR_INT, false, 0, 0.0, NULL},
    {"scale", IR_ATTR_FLOAT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};

static const IrOpInfo ir_op_table[] = {
#define IR_X(E, name, fn, min_in, max_in, min_out, max_out, flags)                                 \
    {name, min_in, max_in, min_out, max_out, ir_attrs_##fn, flags},
    IR_OPS(IR_X)
#undef IR_X
};
_Static_assert(sizeof ir_op_table / sizeof ir_op_table[0] == IR_OP_COUNT, "one entry per op");

const IrOpInfo *ir_op_info(IrOp op) {
    KILN_ASSERT((unsigned)op < IR_OP_COUNT);
    return &ir_op_table[op];
}

bool ir_op_has(IrOp op, unsigned flag) {
    return (ir_op_info(op)->flags & flag) == flag;
}

bool ir_op_parse(const char *name, IrOp *out) {
    for (int i = 0; i < IR_OP_COUNT; i++) {
        if (strcmp(name, ir_op_table[i].name) == 0) {
            *out = (IrOp)i;
            return true;
        }
    }
    return false;
}

const IrAttrSpec *ir_op_attr_spec(IrOp op, const char *attr_name) {
    for (const IrAttrSpec *s = ir_op_info(op)->attrs; s->name; s++)
        if (strcmp(s->name, attr_name) == 0) return s;
    return NULL;
}

const char *ir_attr_kind_name(IrAttrKind k) {
    switch (k) {
    case IR_ATTR_INT:
        return "int";
    case IR_ATTR_FLOAT:
        return "float";
    case IR_ATTR_INTS:
        return "ints";
    case IR_ATTR_FLOATS:
        return "floats";
    case IR_ATTR_STRING:
        return "string";
    }
    KILN_ASSERT(!"unknown attribute kind");
    return "";
}
