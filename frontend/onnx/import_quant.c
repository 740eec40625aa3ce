/* ONNX import functions for the ops of IR family "quant" (ir/ops_quant.h); see onnx_import.h.
 * The IR ops share ONNX's inputs and meaning; unsupported variants (blocked quantization, float8
 * and int4 types, 16-bit integers) are reported here or by the shape rules. */
#include <string.h>

#include "onnx_import.h"

/* Inputs 0 .. count-1 are present. */
static bool quant_need_inputs(OnnxImporter *im, const OnnxNode *n, int count) {
    for (int i = 0; i < count; i++)
        if (onnx_input(im, n, i) < 0) return onnx_error(im, n, "input %d is required", i);
    return true;
}

/* Maps inputs 0 .. max_in-1 (omitted ones as -1, trailing omitted ones dropped) to one IR node
 * of op with n_out outputs, and copies its axis attribute when the op has one. */
static bool quant_direct(OnnxImporter *im, const OnnxNode *n, IrOp op, int min_in, int max_in,
                         int n_out) {
    if (!quant_need_inputs(im, n, min_in)) return false;
    int ins[8], count = 0;
    for (int i = 0; i < max_in && i < 8; i++) {
        ins[i] = onnx_input(im, n, i);
        if (ins[i] >= 0) count = i + 1;
    }
    if (count < min_in) count = min_in;
    if (n->n_outputs < n_out)
        return onnx_error(im, n, "needs %d outputs, has %d", n_out, n->n_outputs);
    int64_t block_size;
    if (!onnx_attr_int(im, n, "block_size", 0, &block_size)) return false;
    if (block_size != 0) return onnx_error(im, n, "blocked quantization is not supported");
    int node = onnx_node_begin(im, n, op, ins, count, n->outputs, n_out);
    if (ir_op_attr_spec(op, "axis")) {
        int64_t axis;
        if (!onnx_attr_int(im, n, "axis", 1, &axis)) return false;
        ir_attr_set_int(onnx_graph(im), node, "axis", axis);
    }
    return onnx_node_end(im, n, node, NULL);
}

static bool quant_quantize(OnnxImporter *im, const OnnxNode *n) {
    int64_t out_type;
    if (!onnx_attr_int(im, n, "output_dtype", 0, &out_type)) return false;
    if (out_type != 0 && onnx_input(im, n, 2) < 0) {
        /* no zero point: the attribute says the quantized type (default uint8) */
        IrDtype dt;
        if (!onnx_dtype_to_ir(out_type, &dt) || (dt != IR_DTYPE_U8 && dt != IR_DTYPE_I8))
            return onnx_error(im, n, "output_dtype %lld is not supported (uint8, int8)",
                              (long long)out_type);
        if (!quant_need_inputs(im, n, 2)) return false;
        int ins[2] = {onnx_input(im, n, 0), onnx_input(im, n, 1)};
        int node = onnx_node_begin(im, n, IR_OP_QUANTIZELINEAR, ins, 2, n->outputs, 1);
        int64_t axis;
        if (!onnx_attr_int(im, n, "axis", 1, &axis)) return false;
        ir_attr_set_int(onnx_graph(im), node, "axis", axis);
        ir_attr_set_string(onnx_graph(im), node, "output_dtype", ir_dtype_name(dt));
        return onnx_node_end(im, n, node, NULL);
    }
    return quant_direct(im, n, IR_OP_QUANTIZELINEAR, 2, 3, 1);
}

static bool quant_dequantize(OnnxImporter *im, const OnnxNode *n) {
    return quant_direct(im, n, IR_OP_DEQUANTIZELINEAR, 2, 3, 1);
}
static bool quant_dynamic(OnnxImporter *im, const OnnxNode *n) {
    return quant_direct(im, n, IR_OP_DYNAMICQUANTIZELINEAR, 1, 1, 3);
}
static bool quant_matmul_integer(OnnxImporter *im, const OnnxNode *n) {
    return quant_direct(im, n, IR_OP_MATMULINTEGER, 2, 4, 1);
}
static bool quant_qlinear_matmul(OnnxImporter *im, const OnnxNode *n) {
    return quant_direct(im, n, IR_OP_QLINEARMATMUL, 8, 8, 1);
}

/* The integer convolutions: Conv's window attributes and group are copied as they are. */
static bool quant_conv(OnnxImporter *im, const OnnxNode *n, IrOp op, int min_in, int max_in) {
    if (!quant_need_inputs(im, n, min_in)) return false;
    int ins[9], count = 0;
    for (int i = 0; i < max_in; i++) {
        ins[i] = onnx_input(im, n, i);
        if (ins[i] >= 0) count = i + 1;
    }
    if (count < min_in) count = min_in;
    int node = onnx_node_begin(im, n, op, ins, count, n->outputs, 1);
    IrGraph *g = onnx_graph(im);
    const char *names[] = {"kernel_shape", "strides", "dilations", "pads"};
    for (int i = 0; i < 4; i++) {
        const int64_t *v;
        int cnt;
        bool present;
        if (!onnx_attr_ints(im, n, names[i], &v, &cnt, &present)) return false;
        if (present) ir_attr_set_ints(g, node, names[i], v, cnt);
    }
    const char *auto_pad;
    int64_t group;
    if (!onnx_attr_string(im, n, "auto_pad", "NOTSET", &auto_pad) ||
        !onnx_attr_int(im, n, "group", 1, &group))
        return false;
    ir_attr_set_string(g, node, "auto_pad", auto_pad);
    ir_attr_set_int(g, node, "group", group);
    return onnx_node_end(im, n, node, NULL);
}

static bool quant_conv_integer(OnnxImporter *im, const OnnxNode *n) {
    return quant_conv(im, n, IR_OP_CONVINTEGER, 2, 4);
}
static bool quant_qlinear_conv(OnnxImporter *im, const OnnxNode *n) {
    return quant_conv(im, n, IR_OP_QLINEARCONV, 8, 9);
}

const OnnxOpImport onnx_import_quant[] = {
    {"", "ConvInteger", quant_conv_integer},      {"", "QLinearConv", quant_qlinear_conv},
    {"", "QuantizeLinear", quant_quantize},       {"", "DequantizeLinear", quant_dequantize},
    {"", "DynamicQuantizeLinear", quant_dynamic}, {"", "MatMulInteger", quant_matmul_integer},
    {"", "QLinearMatMul", quant_qlinear_matmul},  {NULL, NULL, NULL},
};
