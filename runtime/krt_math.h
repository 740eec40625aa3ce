/* krt_math.h: kernels for the math op family (ir/ops_math.h): reductions and other ops too heavy to
 * inline. Included by kiln_rt.h; same conventions (dense row-major tensors, int64_t sizes, no
 * globals). */
#ifndef KILN_KRT_MATH_H
#define KILN_KRT_MATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#endif
