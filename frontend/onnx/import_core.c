/* ONNX import functions for the ops that map onto the core IR op set (ir/ops.h), with their
 * opset-dependent semantics; see onnx_import.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_import.h"

/* Emits a one-output IR node computing ONNX output 0 of n when out_name is set (else an
 * intermediate). Returns the value, or -1 after an error. */
static int core_emit(OnnxImporter *im, const OnnxNode *n, IrOp op, const int *ins, int n_in,
                     bool final, int *node_out) {
    const char *names[1] = {final && n->n_outputs > 0 ? n->outputs[0] : NULL};
    int node = onnx_node_begin(im, n, op, ins, n_in, names, 1);
    if (node_out) *node_out = node;
    return node;
}

static int core_finish(OnnxImporter *im, const OnnxNode *n, int node) {
    int v;
    if (!onnx_node_end(im, n, node, &v)) return -1;
    return v;
}

/* A scalar constant of dtype dt holding x. */
static int core_scalar(OnnxImporter *im, const OnnxNode *n, IrDtype dt, double x) {
    unsigned char buf[8] = {0};
    switch (dt) {
    case IR_DTYPE_F32: {
        float f = (float)x;
        memcpy(buf, &f, 4);
        break;
    }
    case IR_DTYPE_F64:
        memcpy(buf, &x, 8);
        break;
    case IR_DTYPE_F16: {
        uint16_t h = ir_f32_to_f16((float)x);
        memcpy(buf, &h, 2);
        break;
    }
    case IR_DTYPE_BF16: {
        uint16_t h = ir_f32_to_bf16((float)x);
        memcpy(buf, &h, 2);
        break;
    }
    case IR_DTYPE_I32: {
        int32_t v = (int32_t)x;
        memcpy(buf, &v, 4);
        break;
    }
    case IR_DTYPE_I64: {
        int64_t v = (int64_t)x;
        memcpy(buf, &v, 8);
        break;
    }
    case IR_DTYPE_I8:
    case IR_DTYPE_U8:
    case IR_DTYPE_BOOL:
        buf[0] = (unsigned char)(int)x;
        break;
    default:
        KILN_ASSERT(0);
    }
    return onnx_const(im, n, NULL, dt, 0, NULL, buf);
}

static bool core_need_inputs(OnnxImporter *im, const OnnxNode *n, int count) {
    for (int i = 0; i < count; i++)
        if (onnx_input(im, n, i) < 0) return onnx_error(im, n, "input %d is required", i);
    return true;
}

static bool core_unary_op(OnnxImporter *im, const OnnxNode *n, IrOp op) {
    if (!core_need_inputs(im, n, 1)) return false;
    int x = onnx_input(im, n, 0);
    return core_finish(im, n, core_emit(im, n, op, &x, 1, true, NULL)) >= 0;
}

static bool core_binary_op(OnnxImporter *im, const OnnxNode *n, IrOp op) {
    if (!core_need_inputs(im, n, 2)) return false;
    IrType a = onnx_input_type(im, n, 0), b = onnx_input_type(im, n, 1);
    if (a.dtype != b.dtype)
        return onnx_error(im, n, "inputs have different element types (%s and %s)",
                          ir_dtype_name(a.dtype), ir_dtype_name(b.dtype));
    int ins[2] = {onnx_input(im, n, 0), onnx_input(im, n, 1)};
    return core_finish(im, n, core_emit(im, n, op, ins, 2, true, NULL)) >= 0;
}

#define CORE_UNARY(fn, OP)                                                                         \
    static bool fn(OnnxImporter *im, const OnnxNode *n) {                                          \
        return core_unary_op(im, n, OP);                                                           \
    }
#define CORE_BINARY(fn, OP)                                                                        \
    static bool fn(OnnxImporter *im, const OnnxNode *n) {                                          \
        return core_binary_op(im, n, OP);                                                          \
    }
CORE_UNARY(core_relu, IR_OP_RELU)
CORE_UNARY(core_sigmoid, IR_OP_SIGMOID)
CORE_UNARY(core_tanh, IR_OP_TANH)
CORE_UNARY(core_exp, IR_OP_EXP)
CORE_UNARY(core_sqrt, IR_OP_SQRT)
CORE_UNARY(core_neg, IR_OP_NEG)
CORE_BINARY(core_add, IR_OP_ADD)
CORE_BINARY(core_sub, IR_OP_SUB)
CORE_BINARY(core_mul, IR_OP_MUL)
CORE_BINARY(core_div, IR_OP_DIV)
CORE_BINARY(core_matmul, IR_OP_MATMUL)

static bool core_gelu(OnnxImporter *im, const OnnxNode *n) {
    const char *approx;
    if (!core_need_inputs(im, n, 1) || !onnx_attr_string(im, n, "approximate", "none", &approx))
        return false;
    if (strcmp(approx, "none") != 0 && strcmp(approx, "tanh") != 0)
        return onnx_error(im, n, "approximate '%s' is not 'none' or 'tanh'", approx);
    int x = onnx_input(im, n, 0), node;
    core_emit(im, n, IR_OP_GELU, &x, 1, true, &node);
    ir_attr_set_string(onnx_graph(im), node, "approximate", approx);
    return core_finish(im, n, node) >= 0;
}

static bool core_identity(OnnxImporter *im, const OnnxNode *n) {
    if (!core_need_inputs(im, n, 1)) return false;
    onnx_bind_output(im, n, 0, onnx_input(im, n, 0));
    return true;
}

/* A Reshape of x to dims (0 copies the input dim at that index, -1 is inferred). */
static int core_reshape_to(OnnxImporter *im, const OnnxNode *n, int x, const int64_t *dims,
                           int rank, bool final) {
    int node;
    core_emit(im, n, IR_OP_RESHAPE, &x, 1, final, &node);
    ir_attr_set_ints(onnx_graph(im), node, "shape", dims, rank);
    return core_finish(im, n, node);
}

/* Dropout is identity at inference. training_mode = true (an export of a model left in
 * training mode) is imported as identity too, with a warning: kiln compiles for inference.
 * onnxruntime (checked with 1.32 on the CPU, scripts/onnx/make_dropout_training.py) is not
 * consistent here: a Dropout it executes drops at random, scaled by 1/(1-ratio), but its default
 * optimizer removes a Dropout whose mask is unused (training_mode ignored), so a typical export
 * runs as at inference there, and randomly with optimizations off. kiln is always the former,
 * and the warning says so. The mask output is all true, as at inference. */
static bool core_dropout(OnnxImporter *im, const OnnxNode *n) {
    if (!core_need_inputs(im, n, 1)) return false;
    if (onnx_input(im, n, 2) >= 0) {
        IrTensor mode;
        if (!onnx_input_const(im, n, 2, "training_mode", &mode)) return false;
        if (ir_tensor_numel(&mode) != 1)
            return onnx_error(im, n, "input '%s' (training_mode) must hold one value, not %lld",
                              n->inputs[2], (long long)ir_tensor_numel(&mode));
        if (ir_tensor_get(&mode, 0) != 0) onnx_note_training_dropout(im, n);
    }
    int x = onnx_input(im, n, 0);
    onnx_bind_output(im, n, 0, x);
    if (n->n_outputs > 1 && n->outputs[1][0]) {
        IrType t = onnx_input_type(im, n, 0);
        int64_t dims[IR_MAX_RANK], numel = 1;
        for (int i = 0; i < t.rank; i++) {
            if (!ir_dim_value(onnx_graph(im), t.dims[i], &dims[i]))
                return onnx_error(im, n, "the mask output needs a static input shape");
            numel *= dims[i];
        }
        unsigned char *ones = malloc((size_t)numel + 1);
        if (!ones) return onnx_error(im, n, "out of memory");
        memset(ones, 1, (size_t)numel + 1);
        onnx_bind_output(im, n, 1, onnx_const(im, n, NULL, IR_DTYPE_BOOL, t.rank, dims, ones));
        free(ones);
    }
    return true;
}

static bool core_norm_axis(OnnxImporter *im, const OnnxNode *n, int64_t axis, int rank,
                           int64_t *out) {
    if (axis < -rank || axis >= rank + (rank == 0))
        return onnx_error(im, n, "axis %lld is out of range for rank %d", (long long)axis, rank);
    *out = axis < 0 ? axis + rank : axis;
    return true;
}

static bool core_softmax(OnnxImporter *im, const OnnxNode *n) {
    if (!core_need_inputs(im, n, 1)) return false;
    IrType t = onnx_input_type(im, n, 0);
    bool v13 = onnx_opset(im, "") >= 13;
    int64_t axis;
    if (!onnx_attr_int(im, n, "axis", v13 ? -1 : 1, &axis) ||
        !core_norm_axis(im, n, axis, t.rank, &axis))
        return false;
    int x = onnx_input(im, n, 0), node;
    if (v13 || axis == t.rank - 1) {
        core_emit(im, n, IR_OP_SOFTMAX, &x, 1, true, &node);
        ir_attr_set_int(onnx_graph(im), node, "axis", axis);
        return core_finish(im, n, node) >= 0;
    }
    /* Before opset 13 the input is coerced to 2-D [prod(dims[:axis]), prod(dims[axis:])]. */
    int64_t dims[IR_MAX_RANK], outer = 1;
    for (int i = 0; i < t.rank; i++) {
        if (!ir_dim_value(onnx_graph(im), t.dims[i], &dims[i]))
            return onnx_error(im, n, "opset %lld Softmax on a non-last axis needs static dims",
                              (long long)onnx_opset(im, ""));
        if (i < axis) outer *= dims[i];
    }
    int64_t flat[2] = {outer, -1};
    int r = core_reshape_to(im, n, x, flat, 2, false);
    if (r < 0) return false;
    core_emit(im, n, IR_OP_SOFTMAX, &r, 1, false, &node);
    ir_attr_set_int(onnx_graph(im), node, "axis", -1);
    int s = core_finish(im, n, node);
    return s >= 0 && core_reshape_to(im, n, s, dims, t.rank, true) >= 0;
}

static bool core_transpose(OnnxImporter *im, const OnnxNode *n) {
    const int64_t *perm;
    int count;
    bool present;
    if (!core_need_inputs(im, n, 1) || !onnx_attr_ints(im, n, "perm", &perm, &count, &present))
        return false;
    int x = onnx_input(im, n, 0), node;
    core_emit(im, n, IR_OP_TRANSPOSE, &x, 1, true, &node);
    if (present) ir_attr_set_ints(onnx_graph(im), node, "perm", perm, count);
    return core_finish(im, n, node) >= 0;
}

static bool core_concat(OnnxImporter *im, const OnnxNode *n) {
    int64_t axis;
    if (!onnx_attr_int(im, n, "axis", 0, &axis)) return false;
    if (!onnx_attr(n, "axis")) return onnx_error(im, n, "attribute 'axis' is required");
    int *ins = malloc(sizeof(int) * (size_t)(n->n_inputs + 1));
    int count = 0;
    for (int i = 0; i < n->n_inputs; i++) {
        int v = onnx_input(im, n, i);
        if (v >= 0) ins[count++] = v;
    }
    if (count == 0) {
        free(ins);
        return onnx_error(im, n, "needs at least one input");
    }
    int node;
    core_emit(im, n, IR_OP_CONCAT, ins, count, true, &node);
    free(ins);
    ir_attr_set_int(onnx_graph(im), node, "axis", axis);
    return core_finish(im, n, node) >= 0;
}

static bool core_gather(OnnxImporter *im, const OnnxNode *n) {
    int64_t axis;
    if (!core_need_inputs(im, n, 2) || !onnx_attr_int(im, n, "axis", 0, &axis)) return false;
    int ins[2] = {onnx_input(im, n, 0), onnx_input(im, n, 1)}, node;
    core_emit(im, n, IR_OP_GATHER, ins, 2, true, &node);
    ir_attr_set_int(onnx_graph(im), node, "axis", axis);
    return core_finish(im, n, node) >= 0;
}

static bool core_cast(OnnxImporter *im, const OnnxNode *n) {
    int64_t to;
    IrDtype dt;
    if (!core_need_inputs(im, n, 1) || !onnx_attr_int(im, n, "to", -1, &to)) return false;
    if (!onnx_dtype_to_ir(to, &dt))
        return onnx_error(im, n, "cast to ONNX element type %lld is unsupported", (long long)to);
    int x = onnx_input(im, n, 0), node;
    core_emit(im, n, IR_OP_CAST, &x, 1, true, &node);
    ir_attr_set_string(onnx_graph(im), node, "to", ir_dtype_name(dt));
    return core_finish(im, n, node) >= 0;
}

/* CastLike (opset 15+): Cast to the dtype of input 1, whose data is not read. */
static bool core_cast_like(OnnxImporter *im, const OnnxNode *n) {
    if (!core_need_inputs(im, n, 2)) return false;
    int x = onnx_input(im, n, 0), node;
    core_emit(im, n, IR_OP_CAST, &x, 1, true, &node);
    ir_attr_set_string(onnx_graph(im), node, "to", ir_dtype_name(onnx_input_type(im, n, 1).dtype));
    return core_finish(im, n, node) >= 0;
}

static bool core_reshape(OnnxImporter *im, const OnnxNode *n) {
    int64_t shape[IR_MAX_RANK + 1], allowzero;
    int count;
    if (!core_need_inputs(im, n, 2) || !onnx_attr_int(im, n, "allowzero", 0, &allowzero) ||
        !onnx_input_ints(im, n, 1, "the target shape", shape, IR_MAX_RANK, &count))
        return false;
    for (int i = 0; allowzero && i < count; i++)
        if (shape[i] == 0)
            return onnx_error(im, n, "allowzero=1 with a zero in the shape is unsupported");
    return core_reshape_to(im, n, onnx_input(im, n, 0), shape, count, true) >= 0;
}

/* Reshape x (type t) to out_rank dims where src[j] gives the input dim output j copies (-1: a
 * new dim of size 1). Symbolic dims are kept with 0 (same index) or one -1. */
static bool core_reshape_dims(OnnxImporter *im, const OnnxNode *n, const IrType *t, const int *src,
                              int out_rank) {
    int64_t shape[IR_MAX_RANK];
    bool inferred = false;
    for (int j = 0; j < out_rank; j++) {
        int64_t v;
        if (src[j] < 0) {
            shape[j] = 1;
        } else if (ir_dim_value(onnx_graph(im), t->dims[src[j]], &v)) {
            shape[j] = v == 0 ? (src[j] == j ? 0 : -2) : v;
            if (shape[j] == -2) {
                if (inferred) return onnx_error(im, n, "cannot express this zero-size reshape");
                shape[j] = -1;
                inferred = true;
            }
        } else if (src[j] == j) {
            shape[j] = 0;
        } else if (!inferred) {
            shape[j] = -1;
            inferred = true;
        } else {
            return onnx_error(im, n, "more than one moved symbolic dim is unsupported");
        }
    }
    return core_reshape_to(im, n, onnx_input(im, n, 0), shape, out_rank, true) >= 0;
}

/* The axes of Squeeze/Unsqueeze: attribute before opset 13, input 1 from 13. */
static bool core_axes(OnnxImporter *im, const OnnxNode *n, int64_t *axes, int *count,
                      bool *present) {
    if (onnx_opset(im, "") < 13) {
        const int64_t *a;
        if (!onnx_attr_ints(im, n, "axes", &a, count, present)) return false;
        if (*count > IR_MAX_RANK) return onnx_error(im, n, "too many axes");
        if (*count) memcpy(axes, a, sizeof *axes * (size_t)*count);
        return true;
    }
    *present = onnx_input(im, n, 1) >= 0;
    *count = 0;
    return !*present || onnx_input_ints(im, n, 1, "the axes", axes, IR_MAX_RANK, count);
}

static bool core_squeeze(OnnxImporter *im, const OnnxNode *n) {
    int64_t axes[IR_MAX_RANK];
    int count;
    bool present;
    if (!core_need_inputs(im, n, 1) || !core_axes(im, n, axes, &count, &present)) return false;
    IrType t = onnx_input_type(im, n, 0);
    bool drop[IR_MAX_RANK] = {false};
    for (int i = 0; i < count; i++) {
        int64_t a = 0;
        if (!core_norm_axis(im, n, axes[i], t.rank, &a)) return false;
        drop[a] = true;
    }
    int src[IR_MAX_RANK], r = 0;
    for (int i = 0; i < t.rank; i++) {
        int64_t v;
        bool known = ir_dim_value(onnx_graph(im), t.dims[i], &v);
        if (!present) drop[i] = known && v == 1;
        if (drop[i] && (!known || v != 1))
            return onnx_error(im, n, "cannot squeeze dim %d, whose size is not 1", i);
        if (!drop[i]) src[r++] = i;
    }
    return core_reshape_dims(im, n, &t, src, r);
}

static bool core_unsqueeze(OnnxImporter *im, const OnnxNode *n) {
    int64_t axes[IR_MAX_RANK];
    int count;
    bool present;
    if (!core_need_inputs(im, n, 1) || !core_axes(im, n, axes, &count, &present)) return false;
    IrType t = onnx_input_type(im, n, 0);
    int out_rank = t.rank + count;
    if (!present || out_rank > IR_MAX_RANK)
        return onnx_error(im, n, "needs axes and an output rank of at most %d", IR_MAX_RANK);
    bool added[IR_MAX_RANK] = {false};
    for (int i = 0; i < count; i++) {
        int64_t a = 0;
        if (!core_norm_axis(im, n, axes[i], out_rank, &a)) return false;
        if (added[a]) return onnx_error(im, n, "axis %lld is repeated", (long long)axes[i]);
        added[a] = true;
    }
    int src[IR_MAX_RANK], k = 0;
    for (int j = 0; j < out_rank; j++) src[j] = added[j] ? -1 : k++;
    return core_reshape_dims(im, n, &t, src, out_rank);
}

static bool core_flatten(OnnxImporter *im, const OnnxNode *n) {
    int64_t axis;
    if (!core_need_inputs(im, n, 1) || !onnx_attr_int(im, n, "axis", 1, &axis)) return false;
    IrType t = onnx_input_type(im, n, 0);
    if (axis < -t.rank || axis > t.rank)
        return onnx_error(im, n, "axis %lld is out of range", (long long)axis);
    if (axis < 0) axis += t.rank;
    int64_t outer = 1, inner = 1;
    bool outer_known = true, inner_known = true;
    for (int i = 0; i < t.rank; i++) {
        int64_t v;
        bool known = ir_dim_value(onnx_graph(im), t.dims[i], &v);
        if (i < axis)
            outer_known &= known, outer *= known ? v : 1;
        else
            inner_known &= known, inner *= known ? v : 1;
    }
    int64_t shape[2] = {outer_known ? outer : (axis == 1 ? 0 : -1), inner_known ? inner : -1};
    if (!outer_known && !inner_known && axis != 1)
        return onnx_error(im, n, "symbolic dims on both sides of the axis are unsupported");
    return core_reshape_to(im, n, onnx_input(im, n, 0), shape, 2, true) >= 0;
}

static bool core_slice(OnnxImporter *im, const OnnxNode *n) {
    int64_t starts[IR_MAX_RANK], ends[IR_MAX_RANK], axes[IR_MAX_RANK], steps[IR_MAX_RANK];
    int ns = 0, ne = 0, na = 0, nst = 0;
    if (!core_need_inputs(im, n, 1)) return false;
    if (onnx_opset(im, "") < 10) {
        const int64_t *p;
        bool pr;
        if (!onnx_attr_ints(im, n, "starts", &p, &ns, &pr) || ns > IR_MAX_RANK) return false;
        memcpy(starts, p, sizeof *p * (size_t)ns);
        if (!onnx_attr_ints(im, n, "ends", &p, &ne, &pr) || ne > IR_MAX_RANK) return false;
        memcpy(ends, p, sizeof *p * (size_t)ne);
        if (!onnx_attr_ints(im, n, "axes", &p, &na, &pr) || na > IR_MAX_RANK) return false;
        if (na) memcpy(axes, p, sizeof *p * (size_t)na);
    } else {
        if (!onnx_input_ints(im, n, 1, "the starts", starts, IR_MAX_RANK, &ns) ||
            !onnx_input_ints(im, n, 2, "the ends", ends, IR_MAX_RANK, &ne))
            return false;
        if (onnx_input(im, n, 3) >= 0 &&
            !onnx_input_ints(im, n, 3, "the axes", axes, IR_MAX_RANK, &na))
            return false;
        if (onnx_input(im, n, 4) >= 0 &&
            !onnx_input_ints(im, n, 4, "the steps", steps, IR_MAX_RANK, &nst))
            return false;
    }
    int x = onnx_input(im, n, 0), node;
    core_emit(im, n, IR_OP_SLICE, &x, 1, true, &node);
    IrGraph *g = onnx_graph(im);
    ir_attr_set_ints(g, node, "starts", starts, ns);
    ir_attr_set_ints(g, node, "ends", ends, ne);
    if (na) ir_attr_set_ints(g, node, "axes", axes, na);
    if (nst) ir_attr_set_ints(g, node, "steps", steps, nst);
    return core_finish(im, n, node) >= 0;
}

static bool core_split(OnnxImporter *im, const OnnxNode *n) {
    int64_t axis, split[64], num_outputs;
    int count = 0;
    bool present = false;
    if (!core_need_inputs(im, n, 1) || !onnx_attr_int(im, n, "axis", 0, &axis) ||
        !onnx_attr_int(im, n, "num_outputs", 0, &num_outputs))
        return false;
    if (n->n_outputs < 1 || n->n_outputs > 64) return onnx_error(im, n, "needs 1 to 64 outputs");
    if (onnx_opset(im, "") < 13) {
        const int64_t *p;
        if (!onnx_attr_ints(im, n, "split", &p, &count, &present)) return false;
        if (count > 64) return onnx_error(im, n, "too many split sizes");
        if (count) memcpy(split, p, sizeof *p * (size_t)count);
    } else if (onnx_input(im, n, 1) >= 0) {
        present = true;
        if (!onnx_input_ints(im, n, 1, "the split sizes", split, 64, &count)) return false;
    }
    IrType t = onnx_input_type(im, n, 0);
    int64_t a = 0;
    /* core_norm_axis lets axis 0 through for a scalar (Concat/Unsqueeze read it so); a Split
     * needs a dim to split */
    if (t.rank < 1)
        return onnx_error(im, n, "input '%s' is a scalar; Split needs rank >= 1", n->inputs[0]);
    if (!core_norm_axis(im, n, axis, t.rank, &a)) return false;
    if (!present && num_outputs > 0) {
        /* Opset 18: equal parts of ceil(dim / num_outputs), the last one smaller. */
        int64_t dim;
        if (!ir_dim_value(onnx_graph(im), t.dims[a], &dim))
            return onnx_error(im, n, "num_outputs on a symbolic dim is unsupported");
        if (num_outputs != n->n_outputs)
            return onnx_error(im, n, "num_outputs %lld differs from the %d outputs",
                              (long long)num_outputs, n->n_outputs);
        /* ceil(dim / num_outputs) without the overflow of dim + num_outputs - 1 */
        int64_t part = dim / num_outputs + (dim % num_outputs != 0);
        for (int k = 0; k < n->n_outputs; k++) {
            int64_t left = dim - part * k; /* part * k < dim + num_outputs: no overflow */
            split[k] = left < 0 ? 0 : (left < part ? left : part);
        }
        count = n->n_outputs;
        present = true;
    }
    if (present && count != n->n_outputs)
        return onnx_error(im, n, "%d split sizes for %d outputs", count, n->n_outputs);
    int x = onnx_input(im, n, 0);
    int node = onnx_node_begin(im, n, IR_OP_SPLIT, &x, 1, n->outputs, n->n_outputs);
    ir_attr_set_int(onnx_graph(im), node, "axis", a);
    if (present) ir_attr_set_ints(onnx_graph(im), node, "split", split, count);
    return onnx_node_end(im, n, node, NULL);
}

static bool core_shape(OnnxImporter *im, const OnnxNode *n) {
    int64_t start, end;
    if (!core_need_inputs(im, n, 1) || !onnx_attr_int(im, n, "start", 0, &start) ||
        !onnx_attr_int(im, n, "end", INT64_MAX, &end))
        return false;
    IrType t = onnx_input_type(im, n, 0);
    IrGraph *g = onnx_graph(im);
    if (start < 0) start += t.rank;
    if (end < 0) end += t.rank;
    start = start < 0 ? 0 : (start > t.rank ? t.rank : start);
    end = end < start ? start : (end > t.rank ? t.rank : end);
    int64_t dims[IR_MAX_RANK];
    for (int64_t i = start; i < end; i++) {
        if (!ir_dim_value(g, t.dims[i], &dims[i - start]))
            return onnx_error(im, n,
                              "the shape of '%s' depends on the unbound symbol '%s' (give its "
                              "size with --bind)",
                              n->inputs[0], g->symbols[t.dims[i].sym].name);
    }
    int64_t len = end - start;
    onnx_bind_output(im, n, 0, onnx_const(im, n, n->outputs[0], IR_DTYPE_I64, 1, &len, dims));
    return true;
}

static bool core_size(OnnxImporter *im, const OnnxNode *n) {
    if (!core_need_inputs(im, n, 1)) return false;
    IrType t = onnx_input_type(im, n, 0);
    IrGraph *g = onnx_graph(im);
    int64_t numel = 1;
    for (int i = 0; i < t.rank; i++) {
        int64_t v;
        if (!ir_dim_value(g, t.dims[i], &v))
            return onnx_error(im, n, "the size of '%s' depends on the unbound symbol '%s'",
                              n->inputs[0], g->symbols[t.dims[i].sym].name);
        if (__builtin_mul_overflow(numel, v, &numel))
            return onnx_error(im, n, "the element count of '%s' overflows", n->inputs[0]);
    }
    onnx_bind_output(im, n, 0, onnx_const(im, n, n->outputs[0], IR_DTYPE_I64, 0, NULL, &numel));
    return true;
}

/* A constant of the given shape filled with the single element of `value` (f32 0 if NULL). */
static bool core_fill_const(OnnxImporter *im, const OnnxNode *n, const OnnxTensor *value,
                            const int64_t *dims, int rank) {
    IrDtype dt = value ? value->dtype : IR_DTYPE_F32;
    size_t es = ir_dtype_size(dt);
    int64_t numel = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0 || __builtin_mul_overflow(numel, dims[i], &numel) ||
            numel > ((int64_t)1 << 32))
            return onnx_error(im, n, "the shape is negative or too large");
    }
    if (value && value->nbytes != es)
        return onnx_error(im, n, "attribute 'value' must hold exactly one element");
    unsigned char *buf = calloc((size_t)numel + 1, es);
    if (!buf) return onnx_error(im, n, "out of memory");
    for (int64_t i = 0; value && i < numel; i++) memcpy(buf + (size_t)i * es, value->data, es);
    onnx_bind_output(im, n, 0, onnx_const(im, n, n->outputs[0], dt, rank, dims, buf));
    free(buf);
    return true;
}

static bool core_constant_of_shape(OnnxImporter *im, const OnnxNode *n) {
    int64_t dims[IR_MAX_RANK];
    int rank;
    if (!core_need_inputs(im, n, 1) ||
        !onnx_input_ints(im, n, 0, "the output shape", dims, IR_MAX_RANK, &rank))
        return false;
    const OnnxAttr *v = onnx_attr(n, "value");
    if (v && v->type != ONNX_ATTR_TENSOR)
        return onnx_error(im, n, "attribute 'value' must be a tensor");
    return core_fill_const(im, n, v ? v->t : NULL, dims, rank);
}

static bool core_constant(OnnxImporter *im, const OnnxNode *n) {
    if (n->n_attrs != 1)
        return onnx_error(im, n, "needs exactly one value attribute, not %d", n->n_attrs);
    const OnnxAttr *a = &n->attrs[0];
    const char *out = n->outputs[0];
    if (strcmp(a->name, "value") == 0 && a->type == ONNX_ATTR_TENSOR) {
        onnx_bind_output(im, n, 0,
                         onnx_const(im, n, out, a->t->dtype, a->t->rank, a->t->dims, a->t->data));
    } else if (strcmp(a->name, "value_float") == 0 && a->type == ONNX_ATTR_FLOAT) {
        float f = (float)a->f;
        onnx_bind_output(im, n, 0, onnx_const(im, n, out, IR_DTYPE_F32, 0, NULL, &f));
    } else if (strcmp(a->name, "value_int") == 0 && a->type == ONNX_ATTR_INT) {
        onnx_bind_output(im, n, 0, onnx_const(im, n, out, IR_DTYPE_I64, 0, NULL, &a->i));
    } else if (strcmp(a->name, "value_floats") == 0 && a->type == ONNX_ATTR_FLOATS) {
        float *f = malloc(sizeof *f * (size_t)(a->count + 1));
        if (!f) return onnx_error(im, n, "out of memory");
        for (int i = 0; i < a->count; i++) f[i] = (float)a->floats[i];
        int64_t len = a->count;
        onnx_bind_output(im, n, 0, onnx_const(im, n, out, IR_DTYPE_F32, 1, &len, f));
        free(f);
    } else if (strcmp(a->name, "value_ints") == 0 && a->type == ONNX_ATTR_INTS) {
        int64_t len = a->count;
        onnx_bind_output(im, n, 0, onnx_const(im, n, out, IR_DTYPE_I64, 1, &len, a->ints));
    } else {
        return onnx_error(im, n, "attribute '%s' is unsupported (string and sparse constants)",
                          a->name);
    }
    return true;
}

static bool core_range(OnnxImporter *im, const OnnxNode *n) {
    IrTensor t[3];
    const char *why[3] = {"the start", "the limit", "the delta"};
    for (int i = 0; i < 3; i++)
        if (!onnx_input_const(im, n, i, why[i], &t[i])) return false;
    IrDtype dt = t[0].dtype;
    if (t[1].dtype != dt || t[2].dtype != dt || ir_tensor_numel(&t[0]) != 1 ||
        ir_tensor_numel(&t[1]) != 1 || ir_tensor_numel(&t[2]) != 1)
        return onnx_error(im, n, "start, limit and delta must be scalars of one type");
    double s = ir_tensor_get(&t[0], 0), l = ir_tensor_get(&t[1], 0), d = ir_tensor_get(&t[2], 0);
    if (d == 0) return onnx_error(im, n, "delta is zero");
    double cnt = ceil((l - s) / d);
    if (!(cnt < (double)(1 << 26))) return onnx_error(im, n, "the range is too long");
    int64_t len = cnt > 0 ? (int64_t)cnt : 0;
    size_t es = ir_dtype_size(dt);
    unsigned char *buf = calloc((size_t)len + 1, es);
    if (!buf) return onnx_error(im, n, "out of memory");
    for (int64_t i = 0; i < len; i++) {
        unsigned char *p = buf + (size_t)i * es;
        switch (dt) {
        case IR_DTYPE_F32: {
            float v = (float)s + (float)i * (float)d;
            memcpy(p, &v, 4);
            break;
        }
        case IR_DTYPE_F64: {
            double v = s + (double)i * d;
            memcpy(p, &v, 8);
            break;
        }
        case IR_DTYPE_I32: {
            int32_t v = (int32_t)(s + (double)i * d);
            memcpy(p, &v, 4);
            break;
        }
        case IR_DTYPE_I64: {
            int64_t v = ((const int64_t *)t[0].data)[0] + i * ((const int64_t *)t[2].data)[0];
            memcpy(p, &v, 8);
            break;
        }
        default:
            free(buf);
            return onnx_error(im, n, "Range of %s is unsupported", ir_dtype_name(dt));
        }
    }
    onnx_bind_output(im, n, 0, onnx_const(im, n, n->outputs[0], dt, 1, &len, buf));
    free(buf);
    return true;
}

static bool core_gemm(OnnxImporter *im, const OnnxNode *n) {
    double alpha, beta;
    int64_t ta, tb;
    if (!core_need_inputs(im, n, 2) || !onnx_attr_float(im, n, "alpha", 1.0, &alpha) ||
        !onnx_attr_float(im, n, "beta", 1.0, &beta) || !onnx_attr_int(im, n, "transA", 0, &ta) ||
        !onnx_attr_int(im, n, "transB", 0, &tb))
        return false;
    IrGraph *g = onnx_graph(im);
    int a = onnx_input(im, n, 0), b = onnx_input(im, n, 1), c = onnx_input(im, n, 2), node;
    IrDtype dt = onnx_input_type(im, n, 0).dtype;
    if (onnx_input_type(im, n, 1).dtype != dt || (c >= 0 && onnx_input_type(im, n, 2).dtype != dt))
        return onnx_error(im, n, "inputs have different element types");
    if (ta) {
        core_emit(im, n, IR_OP_TRANSPOSE, &a, 1, false, &node);
        if ((a = core_finish(im, n, node)) < 0) return false;
    }
    bool last = alpha == 1.0 && (c < 0 || beta == 0.0);
    int ins[2] = {a, b};
    core_emit(im, n, IR_OP_LINEAR, ins, 2, last, &node);
    ir_attr_set_int(g, node, "transpose_w", tb ? 1 : 0);
    int y = core_finish(im, n, node);
    if (y < 0) return false;
    if (alpha != 1.0) {
        int s[2] = {y, core_scalar(im, n, dt, alpha)};
        last = c < 0 || beta == 0.0;
        if ((y = core_finish(im, n, core_emit(im, n, IR_OP_MUL, s, 2, last, NULL))) < 0)
            return false;
    }
    if (c < 0 || beta == 0.0) return true;
    if (beta != 1.0) {
        int s[2] = {c, core_scalar(im, n, dt, beta)};
        if ((c = core_finish(im, n, core_emit(im, n, IR_OP_MUL, s, 2, false, NULL))) < 0)
            return false;
    }
    int s[2] = {y, c};
    return core_finish(im, n, core_emit(im, n, IR_OP_ADD, s, 2, true, NULL)) >= 0;
}

/* Emits a node of op over ins with one output named out (NULL: intermediate); fn, when set,
 * is the string attribute `fn` of a math-family op. Returns the output value or -1. */
static int core_step(OnnxImporter *im, const OnnxNode *n, IrOp op, const char *fn, const int *ins,
                     int n_in, const char *out) {
    const char *names[1] = {out};
    int node = onnx_node_begin(im, n, op, ins, n_in, names, 1);
    if (fn) ir_attr_set_string(onnx_graph(im), node, "fn", fn);
    return node;
}

/* LayerNormalization's optional outputs, over the normalized dims [axis, rank) kept as 1:
 * Mean = mean(x) and InvStdDev = 1 / sqrt(mean((x - Mean)^2) + epsilon), computed in f32
 * (stash_type 1, ONNX's default; other stash types are refused). */
static bool core_layernorm_stats(OnnxImporter *im, const OnnxNode *n, int64_t axis, double eps) {
    int64_t stash;
    if (!onnx_attr_int(im, n, "stash_type", 1, &stash)) return false;
    if (stash != 1)
        return onnx_error(im, n, "stash_type %lld is unsupported (only 1, float)",
                          (long long)stash);
    IrGraph *g = onnx_graph(im);
    IrType xt = onnx_input_type(im, n, 0);
    if (axis < 0) axis += xt.rank;
    if (axis < 0 || axis >= xt.rank) return onnx_error(im, n, "axis is out of range");
    int64_t axes[IR_MAX_RANK];
    int count = 0;
    for (int64_t a = axis; a < xt.rank; a++) axes[count++] = a;
    const char *mean_name = n->n_outputs > 1 && n->outputs[1][0] ? n->outputs[1] : NULL;
    const char *inv_name = n->n_outputs > 2 && n->outputs[2][0] ? n->outputs[2] : NULL;
    int x = onnx_input(im, n, 0), v;
    if (xt.dtype != IR_DTYPE_F32) {
        int node = core_step(im, n, IR_OP_CAST, NULL, &x, 1, NULL);
        ir_attr_set_string(g, node, "to", "f32");
        if ((x = core_finish(im, n, node)) < 0) return false;
    }
    int node = core_step(im, n, IR_OP_REDUCE, "mean", &x, 1, mean_name);
    ir_attr_set_ints(g, node, "axes", axes, count);
    ir_attr_set_int(g, node, "keepdims", 1);
    int mean = core_finish(im, n, node);
    if (mean < 0 || !inv_name) return mean >= 0;
    int d_in[2] = {x, mean};
    if ((v = core_finish(im, n, core_step(im, n, IR_OP_SUB, NULL, d_in, 2, NULL))) < 0)
        return false;
    int sq_in[2] = {v, v};
    if ((v = core_finish(im, n, core_step(im, n, IR_OP_MUL, NULL, sq_in, 2, NULL))) < 0)
        return false;
    node = core_step(im, n, IR_OP_REDUCE, "mean", &v, 1, NULL);
    ir_attr_set_ints(g, node, "axes", axes, count);
    ir_attr_set_int(g, node, "keepdims", 1);
    if ((v = core_finish(im, n, node)) < 0) return false;
    int e_in[2] = {v, core_scalar(im, n, IR_DTYPE_F32, eps)};
    if ((v = core_finish(im, n, core_step(im, n, IR_OP_ADD, NULL, e_in, 2, NULL))) < 0)
        return false;
    return core_finish(im, n, core_step(im, n, IR_OP_RSQRT, NULL, &v, 1, inv_name)) >= 0;
}

static bool core_layernorm(OnnxImporter *im, const OnnxNode *n) {
    int64_t axis;
    double eps;
    if (!core_need_inputs(im, n, 1) || !onnx_attr_int(im, n, "axis", -1, &axis) ||
        !onnx_attr_float(im, n, "epsilon", 1e-5, &eps))
        return false;
    int ins[3] = {onnx_input(im, n, 0), onnx_input(im, n, 1), onnx_input(im, n, 2)}, node;
    int n_in = ins[2] >= 0 ? 3 : (ins[1] >= 0 ? 2 : 1);
    core_emit(im, n, IR_OP_LAYERNORM, ins, n_in, true, &node);
    ir_attr_set_int(onnx_graph(im), node, "axis", axis);
    ir_attr_set_float(onnx_graph(im), node, "epsilon", eps);
    if (core_finish(im, n, node) < 0) return false;
    bool stats = (n->n_outputs > 1 && n->outputs[1][0]) || (n->n_outputs > 2 && n->outputs[2][0]);
    return !stats || core_layernorm_stats(im, n, axis, eps);
}

static bool core_rmsnorm(OnnxImporter *im, const OnnxNode *n) {
    int64_t axis;
    double eps;
    if (!core_need_inputs(im, n, 1) || !onnx_attr_int(im, n, "axis", -1, &axis) ||
        !onnx_attr_float(im, n, "epsilon", 1e-5, &eps))
        return false;
    int ins[2] = {onnx_input(im, n, 0), onnx_input(im, n, 1)}, node;
    core_emit(im, n, IR_OP_RMSNORM, ins, ins[1] >= 0 ? 2 : 1, true, &node);
    ir_attr_set_int(onnx_graph(im), node, "axis", axis);
    ir_attr_set_float(onnx_graph(im), node, "epsilon", eps);
    return core_finish(im, n, node) >= 0;
}

const OnnxOpImport onnx_import_core[] = {
    {"", "Add", core_add},
    {"", "Sub", core_sub},
    {"", "Mul", core_mul},
    {"", "Div", core_div},
    {"", "MatMul", core_matmul},
    {"", "Gemm", core_gemm},
    {"", "Relu", core_relu},
    {"", "Sigmoid", core_sigmoid},
    {"", "Tanh", core_tanh},
    {"", "Exp", core_exp},
    {"", "Sqrt", core_sqrt},
    {"", "Neg", core_neg},
    {"", "Gelu", core_gelu},
    {"", "Softmax", core_softmax},
    {"", "Reshape", core_reshape},
    {"", "Transpose", core_transpose},
    {"", "Concat", core_concat},
    {"", "Split", core_split},
    {"", "Slice", core_slice},
    {"", "Squeeze", core_squeeze},
    {"", "Unsqueeze", core_unsqueeze},
    {"", "Flatten", core_flatten},
    {"", "Gather", core_gather},
    {"", "Cast", core_cast},
    {"", "CastLike", core_cast_like},
    {"", "Identity", core_identity},
    {"", "Dropout", core_dropout},
    {"", "Shape", core_shape},
    {"", "Size", core_size},
    {"", "ConstantOfShape", core_constant_of_shape},
    {"", "Range", core_range},
    {"", "LayerNormalization", core_layernorm},
    {"", "RMSNormalization", core_rmsnorm},
    {"", "RotaryEmbedding", onnx_import_rotary_embedding},
    {"", "Constant", core_constant},
    {NULL, NULL, NULL},
};
