/* Attribute schemas of the fused op family (semantics in ir/ops_fused.h). */
#include "ops_internal.h"

const IrAttrSpec ir_attrs_fused_elementwise[] = {
    {"program", IR_ATTR_INTS, true, 0, 0.0, NULL},
    {"constants", IR_ATTR_FLOATS, false, 0, 0.0, NULL},
    {"nodes", IR_ATTR_STRING, false, 0, 0.0, ""},
    IR_ATTRS_END,
};

const IrAttrSpec ir_attrs_fused_linear[] = {
    {"transpose_w", IR_ATTR_INT, false, 1, 0.0, NULL},
    {"program", IR_ATTR_INTS, true, 0, 0.0, NULL},
    {"constants", IR_ATTR_FLOATS, false, 0, 0.0, NULL},
    {"nodes", IR_ATTR_STRING, false, 0, 0.0, ""},
    IR_ATTRS_END,
};

const IrAttrSpec ir_attrs_fused_norm[] = {
    {"base", IR_ATTR_STRING, true, 0, 0.0, NULL},
    {"axis", IR_ATTR_INT, false, -1, 0.0, NULL},
    {"epsilon", IR_ATTR_FLOAT, true, 0, 0.0, NULL},
    {"program", IR_ATTR_INTS, true, 0, 0.0, NULL},
    {"constants", IR_ATTR_FLOATS, false, 0, 0.0, NULL},
    {"nodes", IR_ATTR_STRING, false, 0, 0.0, ""},
    IR_ATTRS_END,
};
