/* Op family "llm": Decoder-LLM ops: KV cache reads and writes for prefill and decode.
 *
 * X(ENUM, "Name", fn, min_inputs, max_inputs, min_outputs, max_outputs), as in ops.h; semantics
 * of each op are documented here. Attribute schemas: ir/ops_llm.c; shape rules:
 * ir/shape_llm.c. */
#ifndef KILN_OPS_LLM_H
#define KILN_OPS_LLM_H

#define IR_OPS_LLM(X)

#endif
