/* ONNX import functions for the ops of IR family "index" (ir/ops_index.h); see onnx_import.h.
 * TopK's k and OneHot's depth must be compile-time constants (they fix an output dim); NonZero
 * is folded at import and needs a constant input, since its output shape depends on the data. */
#include "onnx_import.h"

#include <stdlib.h>

static bool index_need_inputs(OnnxImporter *im, const OnnxNode *n, int count) {
    for (int i = 0; i < count; i++)
        if (onnx_input(im, n, i) < 0) return onnx_error(im, n, "input %d is required", i);
    return true;
}

/* The name IR output k binds: the ONNX output's, or NULL (a fresh name) when it is unused. */
static const char *index_out_name(const OnnxNode *n, int k) {
    return k < n->n_outputs && n->outputs[k][0] != '\0' ? n->outputs[k] : NULL;
}

/* Adds one IR node of op over the first n_in inputs of n (all required), with integer
 * attribute `attr` (NULL: none) copied from the ONNX attribute of the same name. */
static bool index_simple(OnnxImporter *im, const OnnxNode *n, IrOp op, int n_in, const char *attr,
                         int64_t def) {
    if (!index_need_inputs(im, n, n_in)) return false;
    int ins[3];
    for (int i = 0; i < n_in; i++) ins[i] = onnx_input(im, n, i);
    int64_t v = def;
    if (attr && !onnx_attr_int(im, n, attr, def, &v)) return false;
    const char *names[1] = {index_out_name(n, 0)};
    int node = onnx_node_begin(im, n, op, ins, n_in, names, 1);
    if (attr) ir_attr_set_int(onnx_graph(im), node, attr, v);
    int out;
    return onnx_node_end(im, n, node, &out);
}

static bool index_gather_elements(OnnxImporter *im, const OnnxNode *n) {
    return index_simple(im, n, IR_OP_GATHER_ELEMENTS, 2, "axis", 0);
}

static bool index_gather_nd(OnnxImporter *im, const OnnxNode *n) {
    return index_simple(im, n, IR_OP_GATHER_ND, 2, "batch_dims", 0);
}

/* ScatterElements, ScatterND and the older Scatter (ScatterElements without reduction). */
static bool index_scatter(OnnxImporter *im, const OnnxNode *n, IrOp op) {
    if (!index_need_inputs(im, n, 3)) return false;
    int ins[3] = {onnx_input(im, n, 0), onnx_input(im, n, 1), onnx_input(im, n, 2)};
    int64_t axis = 0;
    const char *reduction = "none";
    if (op == IR_OP_SCATTER_ELEMENTS && !onnx_attr_int(im, n, "axis", 0, &axis)) return false;
    if (!onnx_attr_string(im, n, "reduction", "none", &reduction)) return false;
    if (ir_index_reduction(reduction) < 0)
        return onnx_error(im, n, "unsupported reduction \"%s\"", reduction);
    const char *names[1] = {index_out_name(n, 0)};
    int node = onnx_node_begin(im, n, op, ins, 3, names, 1);
    IrGraph *g = onnx_graph(im);
    if (op == IR_OP_SCATTER_ELEMENTS) ir_attr_set_int(g, node, "axis", axis);
    ir_attr_set_string(g, node, "reduction", reduction);
    int out;
    return onnx_node_end(im, n, node, &out);
}
static bool index_scatter_elements(OnnxImporter *im, const OnnxNode *n) {
    return index_scatter(im, n, IR_OP_SCATTER_ELEMENTS);
}
static bool index_scatter_nd(OnnxImporter *im, const OnnxNode *n) {
    return index_scatter(im, n, IR_OP_SCATTER_ND);
}

static bool index_one_hot(OnnxImporter *im, const OnnxNode *n) {
    if (!index_need_inputs(im, n, 3)) return false;
    IrTensor t;
    if (!onnx_input_const(im, n, 1, "the depth", &t)) return false;
    if (ir_tensor_numel(&t) != 1) return onnx_error(im, n, "depth must hold one value");
    double depth = ir_tensor_get(&t, 0);
    if (!(depth >= 1 && depth <= 1e15))
        return onnx_error(im, n, "depth %g must be a positive size", depth);
    int64_t axis;
    if (!onnx_attr_int(im, n, "axis", -1, &axis)) return false;
    int ins[2] = {onnx_input(im, n, 0), onnx_input(im, n, 2)};
    const char *names[1] = {index_out_name(n, 0)};
    int node = onnx_node_begin(im, n, IR_OP_ONE_HOT, ins, 2, names, 1);
    IrGraph *g = onnx_graph(im);
    ir_attr_set_int(g, node, "depth", (int64_t)depth);
    ir_attr_set_int(g, node, "axis", axis);
    int out;
    return onnx_node_end(im, n, node, &out);
}

static bool index_topk(OnnxImporter *im, const OnnxNode *n) {
    if (!index_need_inputs(im, n, 1)) return false;
    int64_t k = 0, axis, largest, sorted;
    if (onnx_opset(im, "") < 10) {
        if (!onnx_attr(n, "k")) return onnx_error(im, n, "attribute k is required");
        if (!onnx_attr_int(im, n, "k", 0, &k)) return false;
    } else {
        int64_t vals[1];
        int count;
        if (!index_need_inputs(im, n, 2) || !onnx_input_ints(im, n, 1, "k", vals, 1, &count))
            return false;
        if (count != 1) return onnx_error(im, n, "k must hold one value");
        k = vals[0];
    }
    if (!onnx_attr_int(im, n, "axis", -1, &axis) || !onnx_attr_int(im, n, "largest", 1, &largest) ||
        !onnx_attr_int(im, n, "sorted", 1, &sorted))
        return false;
    int x = onnx_input(im, n, 0);
    const char *names[2] = {index_out_name(n, 0), index_out_name(n, 1)};
    int node = onnx_node_begin(im, n, IR_OP_TOPK, &x, 1, names, 2);
    IrGraph *g = onnx_graph(im);
    ir_attr_set_int(g, node, "k", k);
    ir_attr_set_int(g, node, "axis", axis);
    ir_attr_set_int(g, node, "largest", largest != 0);
    ir_attr_set_int(g, node, "sorted", sorted != 0);
    int outs[2];
    return onnx_node_end(im, n, node, outs);
}

/* NonZero of a constant: the i64 [rank, count] coordinates of the nonzero elements, row-major. */
static bool index_nonzero(OnnxImporter *im, const OnnxNode *n) {
    if (!index_need_inputs(im, n, 1)) return false;
    if (!onnx_input_is_const(im, n, 0))
        return onnx_error(im, n,
                          "NonZero is supported only on a constant input (its output shape "
                          "depends on the data)");
    IrTensor t;
    if (!onnx_input_const(im, n, 0, "the data", &t)) return false;
    int64_t numel = ir_tensor_numel(&t), count = 0;
    int rank = t.rank < 1 ? 1 : t.rank; /* a scalar is treated as [1], as onnxruntime does */
    for (int64_t i = 0; i < numel; i++) count += ir_tensor_get(&t, i) != 0;
    int64_t *coords = calloc((size_t)(rank * count > 0 ? rank * count : 1), sizeof *coords);
    KILN_ASSERT(coords != NULL);
    int64_t col = 0;
    for (int64_t i = 0; i < numel; i++) {
        if (ir_tensor_get(&t, i) == 0) continue;
        int64_t r = i;
        for (int d = t.rank - 1; d >= 0; d--) {
            coords[d * count + col] = r % t.dims[d];
            r /= t.dims[d];
        }
        col++;
    }
    int64_t dims[2] = {rank, count};
    int v = onnx_const(im, n, index_out_name(n, 0), IR_DTYPE_I64, 2, dims, coords);
    free(coords);
    if (index_out_name(n, 0) == NULL) return true;
    onnx_bind_output(im, n, 0, v);
    return true;
}

const OnnxOpImport onnx_import_index[] = {
    {"", "GatherElements", index_gather_elements},
    {"", "GatherND", index_gather_nd},
    {"", "Scatter", index_scatter_elements},
    {"", "ScatterElements", index_scatter_elements},
    {"", "ScatterND", index_scatter_nd},
    {"", "OneHot", index_one_hot},
    {"", "TopK", index_topk},
    {"", "NonZero", index_nonzero},
    {NULL, NULL, NULL},
};
