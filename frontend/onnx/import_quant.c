/* ONNX import functions for the ops of IR family "quant" (ir/ops_quant.h); see onnx_import.h. */
#include "onnx_import.h"

const OnnxOpImport onnx_import_quant[] = {
    {NULL, NULL, NULL},
};
