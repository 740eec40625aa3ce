/* Attribute schemas of the "quant" op family (ir/ops_quant.h). */
#include "ir.h"
#include "ops_internal.h"

const IrAttrSpec ir_attrs_quantizelinear[] = {
    {"axis", IR_ATTR_INT, false, 1, 0.0, NULL},
    {"output_dtype", IR_ATTR_STRING, false, 0, 0.0, "u8"},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_dequantizelinear[] = {
    {"axis", IR_ATTR_INT, false, 1, 0.0, NULL},
    IR_ATTRS_END,
};
IR_NO_ATTRS(dynamicquantizelinear)
IR_NO_ATTRS(matmulinteger)
IR_NO_ATTRS(qlinearmatmul)

/* The window attributes of Conv (ir/ops_cnn.c), shared by the integer convolutions. */
#define IR_QUANT_CONV_ATTRS                                                                        \
    {"kernel_shape", IR_ATTR_INTS, false, 0, 0.0, NULL},                                           \
        {"strides", IR_ATTR_INTS, false, 0, 0.0, NULL},                                            \
        {"dilations", IR_ATTR_INTS, false, 0, 0.0, NULL},                                          \
        {"pads", IR_ATTR_INTS, false, 0, 0.0, NULL},                                               \
        {"auto_pad", IR_ATTR_STRING, false, 0, 0.0, "NOTSET"}, {                                   \
        "group", IR_ATTR_INT, false, 1, 0.0, NULL                                                  \
    }

const IrAttrSpec ir_attrs_convinteger[] = {
    IR_QUANT_CONV_ATTRS,
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_qlinearconv[] = {
    IR_QUANT_CONV_ATTRS,
    IR_ATTRS_END,
};
