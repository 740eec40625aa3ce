/* Op family "index": gathers and scatters driven by index tensors beyond the core Gather
 * (GatherElements, GatherND, ScatterElements, ScatterND, OneHot, TopK), as ONNX exports use them.
 *
 * X(ENUM, "Name", fn, min_inputs, max_inputs, min_outputs, max_outputs, flags), as in
 * ops.h; semantics of each op are documented here. Attribute schemas: ir/ops_index.c; shape rules:
 * ir/shape_index.c.
 *
 * Index tensors are i32 or i64; a negative index counts from the end of its dim. An index
 * outside [-dim, dim) is a run-time error (the interpreter names the node; generated code gives
 * KILN_ERR_INDEX where the backend lets the node report a status) except in OneHot, where ONNX
 * defines it.
 *
 *   GatherElements(data, indices) -> indices.shape, dtype of data
 *        out[i0, .., ik, ..] = data[i0, .., indices[i0, .., ik, ..], ..] with the index at `axis`;
 *        data and indices have one rank; indices' other dims are at most data's
 *   GatherND(data, indices) -> indices.shape[:-1] + data.shape[batch_dims + K:]
 *        K = indices.shape[-1] (constant, 1 <= K <= rank(data) - batch_dims); the first
 *        batch_dims dims of data and indices are equal and walked together; each K-tuple of
 *        indices selects a slice data[b..., i1, .., iK, ...]
 *   ScatterElements(data, indices, updates) -> data
 *        a copy of data, then for every position p of indices (updates has indices' shape):
 *        out[p with axis coordinate replaced by indices[p]] (op)= updates[p], in row-major order
 *        of p; reduction: none (assign; with duplicate indices the last one wins), add, mul,
 *        max, min
 *   ScatterND(data, indices[..., K], updates) -> data
 *        a copy of data, then for each K-tuple of indices (row-major) the slice
 *        out[i1, .., iK, ...] (op)= the matching slice of updates; updates.shape =
 *        indices.shape[:-1] + data.shape[K:]; reduction as ScatterElements
 *   OneHot(indices, values[2]) -> indices.shape with `depth` inserted at `axis`, dtype of values
 *        out[.., j, ..] = values[1] where j == indices[..] (a negative index counts from depth;
 *        an index outside [-depth, depth) gives a row of values[0]), else values[0]; axis counts
 *        in the output's rank (-1: last)
 *   TopK(x) -> values (x's dtype), indices (i64), both x.shape with dim `axis` = k
 *        the k largest (largest=1) or smallest (largest=0) elements along axis, in order
 *        (largest first, or smallest first); ties keep the lower index first; NaN counts as
 *        larger than every number. sorted=0 allows any order, and kiln still sorts.
 *        0 <= k <= dim.
 */
#ifndef KILN_OPS_INDEX_H
#define KILN_OPS_INDEX_H

#define IR_OPS_INDEX(X)                                                                            \
    X(GATHER_ELEMENTS, "GatherElements", gather_elements, 2, 2, 1, 1, IR_OPF_STATUS)               \
    X(GATHER_ND, "GatherND", gather_nd, 2, 2, 1, 1, IR_OPF_STATUS)                                 \
    X(SCATTER_ELEMENTS, "ScatterElements", scatter_elements, 3, 3, 1, 1, IR_OPF_STATUS)            \
    X(SCATTER_ND, "ScatterND", scatter_nd, 3, 3, 1, 1, IR_OPF_STATUS)                              \
    X(ONE_HOT, "OneHot", one_hot, 2, 2, 1, 1, IR_OPF_STATUS)                                       \
    X(TOPK, "TopK", topk, 1, 1, 2, 2, IR_OPF_STATUS)

/* Values of the `reduction` attribute of ScatterElements and ScatterND. */
typedef enum IrIndexReduction {
    IR_INDEX_RED_NONE,
    IR_INDEX_RED_ADD,
    IR_INDEX_RED_MUL,
    IR_INDEX_RED_MAX,
    IR_INDEX_RED_MIN,
} IrIndexReduction;

/* The reduction named by s ("none", "add", "mul", "max", "min"); -1 when unknown (shape
 * inference reports it, so later stages may assume a valid value). ir/ops_index.c. */
int ir_index_reduction(const char *s);

#endif
