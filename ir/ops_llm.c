/* Attribute schemas of the "llm" op family (ir/ops_llm.h). */
#include "ops_internal.h"

const IrAttrSpec ir_attrs_kv_attention[] = {
    {"layer", IR_ATTR_INT, true, 0, 0.0, NULL},
    {"max_context", IR_ATTR_INT, true, 0, 0.0, NULL},
    {"scale", IR_ATTR_FLOAT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
