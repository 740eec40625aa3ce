/* Op family "cnn": Convolution, pooling, batch normalization, padding and resizing for CNNs.
 *
 * X(ENUM, "Name", fn, min_inputs, max_inputs, min_outputs, max_outputs), as in ops.h; semantics
 * of each op are documented here. Attribute schemas: ir/ops_cnn.c; shape rules:
 * ir/shape_cnn.c. */
#ifndef KILN_OPS_CNN_H
#define KILN_OPS_CNN_H

#define IR_OPS_CNN(X)

#endif
