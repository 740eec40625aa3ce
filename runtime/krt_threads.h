/* krt_threads.h: a fork-join thread pool for the runtime's kernels (pthreads).
 *
 * There is no global pool: a generated context owns one (its _create starts it) or has none (the
 * no-malloc _init path runs everything on the calling thread). Kernels that take a KrtPool
 * accept NULL as "one thread". A pool runs one job at a time: the thread that owns the context
 * calls krt_pool_run and takes part in the work; the pool must not be shared by two contexts
 * running at the same time. */
#ifndef KRT_THREADS_H
#define KRT_THREADS_H

#include <stdint.h>

#include "krt_isa.h"

typedef struct KrtPool KrtPool;

/* Task `task` (0 <= task < tasks) of a job; arg is the job's argument. */
typedef void (*KrtTaskFn)(void *arg, int task);

/* The thread count a context starts with: the environment variable KILN_THREADS when it holds
 * an integer in [1, 256], else the number of online CPUs (at least 1, at most 256). */
int krt_threads_default(void);

/* A pool of `threads` threads in all: the caller of krt_pool_run plus threads - 1 workers, which
 * sleep between jobs. threads <= 1 gives a pool without workers. Besides the threads a pool
 * holds the kernel table its kernels run (krt_isa.h) and KRT_GEMM_SCRATCH_BYTES of scratch per
 * thread, so the kernels never allocate. NULL when memory or a thread could not be had (nothing
 * is left running then). krt_pool_create runs the table krt_isa_choose picks (the best one when
 * KILN_ISA is unusable: a context checks KILN_ISA itself and reports it);
 * krt_pool_create_with runs `kernels` (NULL: the portable table). */
KrtPool *krt_pool_create(int threads);
KrtPool *krt_pool_create_with(int threads, const KrtKernels *kernels);

/* Room for a one-thread pool in caller memory. A context keeps one (krt_model.h) so that it runs
 * its kernel table even when it has no threads, without allocating. */
#define KRT_POOL_SOLO_BYTES 320
typedef union KrtPoolSolo {
    void *align_pointer;
    uint64_t align_u64;
    unsigned char bytes[KRT_POOL_SOLO_BYTES];
} KrtPoolSolo;

/* A pool of one thread (the caller) running `kernels` (NULL: the portable table), placed in
 * *room: no workers, no allocation, and no scratch, so the kernels take their paths that need
 * none (the GEMM path of a table needs a pool from krt_pool_create). Never destroyed: it holds
 * nothing to free; it is valid while *room is. */
KrtPool *krt_pool_init_solo(KrtPoolSolo *room, const KrtKernels *kernels);

/* The pool's kernel table; the portable one for NULL. */
const KrtKernels *krt_pool_kernels(const KrtPool *pool);

/* Task `task`'s scratch (KRT_GEMM_SCRATCH_BYTES, 64-byte aligned) while a job with at most
 * krt_pool_threads(pool) tasks runs; NULL for a NULL pool or a task number beyond that. */
float *krt_pool_scratch(KrtPool *pool, int task);

/* Stops and joins the workers and frees the pool; NULL is ignored. */
void krt_pool_destroy(KrtPool *pool);

/* Threads of the pool, the caller included; 1 for NULL. */
int krt_pool_threads(const KrtPool *pool);

/* Runs fn(arg, t) for every t in [0, tasks) on the pool's threads and the caller, and returns
 * when all have finished. A NULL pool runs them in order on the caller. */
void krt_pool_run(KrtPool *pool, KrtTaskFn fn, void *arg, int tasks);

/* y = Linear(x, w, bias) as krt_linear_f32 (kiln_rt.h) computes it, on the pool's kernel table
 * with the output columns split across its threads (a product too small to be worth splitting
 * runs on the caller). A NULL pool runs krt_linear_f32 itself, as does the portable table. Each
 * column is computed by one thread in an order fixed by the table and the shape, so the result
 * does not depend on the thread count; other tables round differently from krt_linear_f32
 * (they sum in another order). */
void krt_linear_f32_pool(KrtPool *pool, const float *x, const float *w, const float *bias, float *y,
                         int64_t m, int64_t k, int64_t n, int transpose_w);

#endif
