/* Op family "index": gathers and scatters driven by index tensors beyond the core Gather
 * (GatherElements, GatherND, ScatterElements, ScatterND, OneHot, TopK), as ONNX exports use them.
 *
 * X(ENUM, "Name", fn, min_inputs, max_inputs, min_outputs, max_outputs), as in ops.h; semantics
 * of each op are documented here. Attribute schemas: ir/ops_index.c; shape rules:
 * ir/shape_index.c. */
#ifndef KILN_OPS_INDEX_H
#define KILN_OPS_INDEX_H

#define IR_OPS_INDEX(X)

#endif
