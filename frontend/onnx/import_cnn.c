/* ONNX import functions for the ops of IR family "cnn" (ir/ops_cnn.h); see onnx_import.h. */
#include "onnx_import.h"

const OnnxOpImport onnx_import_cnn[] = {
    {NULL, NULL, NULL},
};
