/* krt_llm.h: KV-cache attention kernels for decoder LLMs (ir/ops_llm.h).
 * Included by kiln_rt.h; same conventions (dense row-major tensors, int64_t sizes, no globals). */
#ifndef KILN_KRT_LLM_H
#define KILN_KRT_LLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#endif
