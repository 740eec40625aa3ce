/* ONNX import functions for the ops of IR family "index" (ir/ops_index.h); see onnx_import.h. */
#include "onnx_import.h"

const OnnxOpImport onnx_import_index[] = {
    {NULL, NULL, NULL},
};
