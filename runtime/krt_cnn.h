/* krt_cnn.h: convolution, pooling and resizing kernels for the CNN op family (ir/ops_cnn.h).
 * Included by kiln_rt.h; same conventions (dense row-major tensors, int64_t sizes, no globals). */
#ifndef KILN_KRT_CNN_H
#define KILN_KRT_CNN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#endif
