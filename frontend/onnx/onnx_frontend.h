/* The ONNX frontend's public entry points: reading a model and reading a TensorProto file. */
#ifndef KILN_ONNX_FRONTEND_H
#define KILN_ONNX_FRONTEND_H

#include "../../ir/interp.h"
#include "../frontend.h"

/* Reads an ONNX model (*.onnx) into an IR graph with inferred types. Symbols named in
 * opt->bindings are bound while importing, so shape subgraphs fold to constants. Returns NULL
 * with messages "FILE: node 'N' (OP): msg" on any malformed or unsupported input. */
IrGraph *fe_onnx_load(const char *path, const FeOptions *opt, Diag *d);

/* Reads a file holding one serialized TensorProto (ONNX test data input_N.pb / output_N.pb)
 * into t (malloc-owned data; free with ir_tensor_free). External data and string tensors are
 * refused. On error returns false with a message naming path. */
bool onnx_tensor_read_file(const char *path, IrTensor *t, Diag *d);

#endif
