/* The ONNX frontend's public entry points: reading a model and reading a TensorProto file. */
#ifndef KILN_ONNX_FRONTEND_H
#define KILN_ONNX_FRONTEND_H

#include "../../ir/interp.h"
#include "../frontend.h"

/* A graph input fixed at compile time: the reader turns it into a constant (an initializer),
 * so ops that need the value while importing (Reduce axes, Resize scales, Pad pads) get it.  */
typedef struct OnnxConstInput {
    const char *name;      /* the graph input's name */
    const IrTensor *value; /* its data: dtype and every static dim must match the declaration */
} OnnxConstInput;

/* Reads an ONNX model (*.onnx) into an IR graph with inferred types. Symbols named in
 * opt->bindings are bound while importing, so shape subgraphs fold to constants. Returns NULL
 * with messages "FILE: node 'N' (OP): msg" on any malformed or unsupported input. */
IrGraph *fe_onnx_load(const char *path, const FeOptions *opt, Diag *d);
/* fe_onnx_load with the graph inputs named in consts (n entries) specialized to those values:
 * each becomes a constant, as if it were an initializer. An entry whose dtype or static dims
 * differ from the input's declaration is an error; a name the graph lacks is ignored. */
IrGraph *fe_onnx_load_spec(const char *path, const FeOptions *opt, const OnnxConstInput *consts,
                           int n, Diag *d);

/* Reads a file holding one serialized TensorProto (ONNX test data input_N.pb / output_N.pb)
 * into t (malloc-owned data; free with ir_tensor_free). External data and string tensors are
 * refused. On error returns false with a message naming path. */
bool onnx_tensor_read_file(const char *path, IrTensor *t, Diag *d);

#endif
