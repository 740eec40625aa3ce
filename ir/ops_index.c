/* Attribute schemas of the "index" op family (ir/ops_index.h). */
#include "ops_internal.h"

#include <string.h>

const IrAttrSpec ir_attrs_gather_elements[] = {
    {"axis", IR_ATTR_INT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_gather_nd[] = {
    {"batch_dims", IR_ATTR_INT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_scatter_elements[] = {
    {"axis", IR_ATTR_INT, false, 0, 0.0, NULL},
    {"reduction", IR_ATTR_STRING, false, 0, 0.0, "none"},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_scatter_nd[] = {
    {"reduction", IR_ATTR_STRING, false, 0, 0.0, "none"},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_one_hot[] = {
    {"depth", IR_ATTR_INT, true, 0, 0.0, NULL},
    {"axis", IR_ATTR_INT, false, -1, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_topk[] = {
    {"k", IR_ATTR_INT, true, 0, 0.0, NULL},
    {"axis", IR_ATTR_INT, false, -1, 0.0, NULL},
    {"largest", IR_ATTR_INT, false, 1, 0.0, NULL},
    {"sorted", IR_ATTR_INT, false, 1, 0.0, NULL},
    IR_ATTRS_END,
};

int ir_index_reduction(const char *s) {
    static const char *const names[] = {"none", "add", "mul", "max", "min"};
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}
