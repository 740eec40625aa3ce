/* Gather along one axis, moving whole rows as bytes so one kernel serves every dtype. */
#include "kiln_rt.h"

#define KRT_DEFINE_GATHER(NAME, IT)                                                                \
    bool NAME(const void *data, const IT *idx, void *out, int64_t outer, int64_t axis_len,         \
              int64_t n_idx, size_t row_bytes) {                                                   \
        const unsigned char *src = data;                                                           \
        unsigned char *dst = out;                                                                  \
        for (int64_t o = 0; o < outer; o++) {                                                      \
            for (int64_t t = 0; t < n_idx; t++) {                                                  \
                int64_t i = (int64_t)idx[t];                                                       \
                if (i < 0) i += axis_len;                                                          \
                if (i < 0 || i >= axis_len) return false;                                          \
                memcpy(dst + (size_t)(o * n_idx + t) * row_bytes,                                  \
                       src + (size_t)(o * axis_len + i) * row_bytes, row_bytes);                   \
            }                                                                                      \
        }                                                                                          \
        return true;                                                                               \
    }

KRT_DEFINE_GATHER(krt_gather_i64, int64_t)
KRT_DEFINE_GATHER(krt_gather_i32, int32_t)
