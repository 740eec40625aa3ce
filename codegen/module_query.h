/* Questions every backend asks of a planned graph and its lowered module the same way
 * (codegen/module_query.c), so the C and llvm backends cannot disagree on them. */
#ifndef KILN_MODULE_QUERY_H
#define KILN_MODULE_QUERY_H

#include "module.h"

/* Whether value v of planned graph g has a static shape and a home: a run parameter, a
 * constant (in the weights), or a planned slot inside the workspace. False with the reason
 * (cap bytes) otherwise. */
bool cg_value_has_home(const IrGraph *g, int v, char *reason, size_t cap);

/* Whether graph output `slot` is not written by any node into its own buffer, so the entry
 * must copy it in: a graph input, a constant, or a value listed as an output before. */
bool cg_output_needs_copy(const CgModule *m, int slot);

#endif
