/* ONNX import functions for the ops of IR family "math" (ir/ops_math.h); see onnx_import.h. */
#include "onnx_import.h"

const OnnxOpImport onnx_import_math[] = {
    {NULL, NULL, NULL},
};
