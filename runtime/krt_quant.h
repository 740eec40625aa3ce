/* krt_quant.h: integer kernels for the quantization op family (ir/ops_quant.h).
 * Included by kiln_rt.h; same conventions (dense row-major tensors, int64_t sizes, no globals). */
#ifndef KILN_KRT_QUANT_H
#define KILN_KRT_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#endif
