/* The weight-format Linear and Gather (krt_wformat.h): the split of a Linear's output columns
 * across the thread pool with the kernel for the shape (matvec for one row, matmul for more),
 * and the gather that dequantizes only the rows it reads. */
#include "krt_wformat.h"

#include "kiln_rt.h"

typedef struct KrtWfJob {
    KrtWfKernels kern;
    const float *x, *bias;
    const void *w;
    float *y;
    int64_t m, k, n, chunk; /* chunk: columns per task */
} KrtWfJob;

static void krt_wf_cols(const KrtWfJob *j, int64_t j0, int64_t j1) {
    if (j->m == 1)
        j->kern.matvec(j->x, j->w, j->y, j->k, j0, j1);
    else
        j->kern.matmul(j->x, j->w, j->y, j->m, j->k, j->n, j0, j1);
    if (j->bias)
        for (int64_t i = 0; i < j->m; i++)
            for (int64_t c = j0; c < j1; c++) j->y[i * j->n + c] += j->bias[c];
}

static void krt_wf_task(void *arg, int task) {
    const KrtWfJob *j = arg;
    int64_t j0 = (int64_t)task * j->chunk;
    int64_t j1 = j0 + j->chunk < j->n ? j0 + j->chunk : j->n;
    if (j0 < j1) krt_wf_cols(j, j0, j1);
}

void krt_linear_wf_pool(KrtPool *pool, const float *x, const void *w, const float *bias, float *y,
                        int64_t m, int64_t k, int64_t n, int format) {
    KrtWfJob job = {krt_wf_portable[format], x, bias, w, y, m, k, n, n};
    if (m == 0 || n == 0) return;
    int threads = krt_pool_threads(pool);
    /* below ~64K multiply-adds a task costs more to hand out than to run */
    if (threads <= 1 || n < 8 || m * k * n < 65536) {
        krt_wf_cols(&job, 0, n);
        return;
    }
    int64_t tasks = threads;
    job.chunk = (n + tasks - 1) / tasks;
    tasks = (n + job.chunk - 1) / job.chunk;
    krt_pool_run(pool, krt_wf_task, &job, (int)tasks);
}

#define KRT_DEFINE_GATHER_WF(NAME, IT)                                                             \
    bool NAME(const void *data, const IT *idx, float *out, int64_t axis_len, int64_t n_idx,        \
              int64_t row, int format) {                                                           \
        size_t row_bytes = krt_wf_row_bytes(format, row);                                          \
        for (int64_t t = 0; t < n_idx; t++) {                                                      \
            int64_t i = (int64_t)idx[t];                                                           \
            if (i < 0) i += axis_len;                                                              \
            if (i < 0 || i >= axis_len) return false;                                              \
            krt_wf_dequant_row(format, (const unsigned char *)data + (size_t)i * row_bytes, row,   \
                               out + t * row);                                                     \
        }                                                                                          \
        return true;                                                                               \
    }

KRT_DEFINE_GATHER_WF(krt_gather_wf_i64, int64_t)
KRT_DEFINE_GATHER_WF(krt_gather_wf_i32, int32_t)
