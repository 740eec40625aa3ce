/* The weight formats' row sizes (krt_wformat.h), from the runtime's copy of the layout table of
 * ir/wformat.c (test_wformat checks that the two agree); used by the kernels and the Linear /
 * Gather drivers alike. */
#include "krt_wformat.h"

/* Per format: elements per block (0: the row), head bytes, bits per code. */
static const struct {
    int64_t block, head, bits;
} krt_wf_layout[KRT_WF_COUNT] = {
    {1, 0, 32}, {1, 0, 16},  {1, 0, 16}, {0, 4, 8},  {32, 4, 4},
    {64, 4, 4}, {128, 4, 4}, {32, 8, 4}, {64, 8, 4}, {128, 8, 4},
};

size_t krt_wf_row_bytes(int format, int64_t k) {
    int64_t b = krt_wf_layout[format].block ? krt_wf_layout[format].block : k;
    if (k == 0) return 0;
    return (size_t)(k / b) *
           (size_t)(krt_wf_layout[format].head + b * krt_wf_layout[format].bits / 8);
}
