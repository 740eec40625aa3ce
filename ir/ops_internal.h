/* Declarations shared by the files that define op attribute schemas (ir/ops*.c). */
#ifndef KILN_OPS_INTERNAL_H
#define KILN_OPS_INTERNAL_H

#include "ir.h"

/* Ends every attribute schema list; IR_NO_ATTRS(fn) defines an empty schema. */
#define IR_ATTRS_END                                                                               \
    { NULL, IR_ATTR_INT, false, 0, 0.0, NULL }
#define IR_NO_ATTRS(fn) const IrAttrSpec ir_attrs_##fn[] = {IR_ATTRS_END};

/* ir_attrs_<fn>: the attribute schema of each op, NULL-name terminated. */
#define IR_X(E, name, fn, min_in, max_in, min_out, max_out, flags)                                 \
    extern const IrAttrSpec ir_attrs_##fn[];
IR_OPS(IR_X)
#undef IR_X

#endif
