/* Attribute schemas of the math op family (ir/ops_math.h). */
#include "ops_internal.h"

#include <stddef.h>
#include <string.h>

/* alpha/beta/gamma mean what the fn says (ops_math.h); the importer always sets them. */
const IrAttrSpec ir_attrs_unary_fn[] = {
    {"fn", IR_ATTR_STRING, true, 0, 0.0, NULL},
    {"alpha", IR_ATTR_FLOAT, false, 0, 0.0, NULL},
    {"beta", IR_ATTR_FLOAT, false, 0, 0.0, NULL},
    {"gamma", IR_ATTR_FLOAT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
/* An absent bound means no bound (read with ir_attr_find). */
const IrAttrSpec ir_attrs_clip[] = {
    {"min", IR_ATTR_FLOAT, false, 0, 0.0, NULL},
    {"max", IR_ATTR_FLOAT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
IR_NO_ATTRS(isnan)
const IrAttrSpec ir_attrs_isinf[] = {
    {"detect_positive", IR_ATTR_INT, false, 1, 0.0, NULL},
    {"detect_negative", IR_ATTR_INT, false, 1, 0.0, NULL},
    IR_ATTRS_END,
};
IR_NO_ATTRS(not )
const IrAttrSpec ir_attrs_binary_fn[] = {
    {"fn", IR_ATTR_STRING, true, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_compare[] = {
    {"fn", IR_ATTR_STRING, true, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_logic[] = {
    {"fn", IR_ATTR_STRING, true, 0, 0.0, NULL},
    IR_ATTRS_END,
};
IR_NO_ATTRS(where)
const IrAttrSpec ir_attrs_expand[] = {
    {"shape", IR_ATTR_INTS, true, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_tile[] = {
    {"repeats", IR_ATTR_INTS, true, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_trilu[] = {
    {"upper", IR_ATTR_INT, false, 1, 0.0, NULL},
    {"k", IR_ATTR_INT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_cumsum[] = {
    {"axis", IR_ATTR_INT, false, 0, 0.0, NULL},
    {"exclusive", IR_ATTR_INT, false, 0, 0.0, NULL},
    {"reverse", IR_ATTR_INT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_logsoftmax[] = {
    {"axis", IR_ATTR_INT, false, -1, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_hardmax[] = {
    {"axis", IR_ATTR_INT, false, -1, 0.0, NULL},
    IR_ATTRS_END,
};
/* axes absent: every dim. */
const IrAttrSpec ir_attrs_reduce[] = {
    {"fn", IR_ATTR_STRING, true, 0, 0.0, NULL},
    {"axes", IR_ATTR_INTS, false, 0, 0.0, NULL},
    {"keepdims", IR_ATTR_INT, false, 1, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_argmax[] = {
    {"axis", IR_ATTR_INT, false, 0, 0.0, NULL},
    {"keepdims", IR_ATTR_INT, false, 1, 0.0, NULL},
    {"select_last_index", IR_ATTR_INT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_argmin[] = {
    {"axis", IR_ATTR_INT, false, 0, 0.0, NULL},
    {"keepdims", IR_ATTR_INT, false, 1, 0.0, NULL},
    {"select_last_index", IR_ATTR_INT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};

/* The index of s in a NULL-terminated list of spellings, or -1. */
static int ir_math_lookup(const char *const *names, const char *s) {
    for (int i = 0; s && names[i]; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

#define IR_MATH_SPELLING(E, s) s,
int ir_math_unary_fn(const char *s) {
    return s ? ir_scalar_find(IR_SCALAR_KIND_UNARY, s) : -1;
}
int ir_math_binary_fn(const char *s) {
    return s ? ir_scalar_find(IR_SCALAR_KIND_BINARY, s) : -1;
}
int ir_math_compare_fn(const char *s) {
    static const char *const names[] = {IR_MATH_COMPARE_FNS(IR_MATH_SPELLING) NULL};
    return ir_math_lookup(names, s);
}
int ir_math_logic_fn(const char *s) {
    static const char *const names[] = {IR_MATH_LOGIC_FNS(IR_MATH_SPELLING) NULL};
    return ir_math_lookup(names, s);
}
int ir_math_reduce_fn(const char *s) {
    static const char *const names[] = {IR_MATH_REDUCE_FNS(IR_MATH_SPELLING) NULL};
    return ir_math_lookup(names, s);
}
