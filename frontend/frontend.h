/* Frontends: read a model file into an IR graph. They only build IR. */
#ifndef KILN_FRONTEND_H
#define KILN_FRONTEND_H

#include "../ir/ir.h"

/* Reads a model, choosing the reader by the path: *.json is kiln's JSON model description
 * (docs/model-format.md), *.kir the text IR. The returned graph has inferred types and passes
 * ir_verify. On error returns NULL with messages in d of the form "FILE: node 'N' (OP): msg". */
IrGraph *fe_load_model(const char *path, Diag *d);

/* kiln's JSON model description (frontend/json_model.c). */
IrGraph *fe_json_load(const char *path, Diag *d);

#endif
