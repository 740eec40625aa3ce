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

typedef struct KrtPool KrtPool;

/* Task `task` (0 <= task < tasks) of a job; arg is the job's argument. */
typedef void (*KrtTaskFn)(void *arg, int task);

/* The thread count a context starts with: the environment variable KILN_THREADS when it holds
 * an integer in [1, 256], else the number of online CPUs (at least 1, at most 256). */
int krt_threads_default(void);

/* A pool of `threads` threads in all: the caller of krt_pool_run plus threads - 1 workers, which
 * sleep between jobs. threads <= 1 gives a pool without workers. NULL when memory or a thread
 * could not be had (nothing is left running then). */
KrtPool *krt_pool_create(int threads);

/* Stops and joins the workers and frees the pool; NULL is ignored. */
void krt_pool_destroy(KrtPool *pool);

/* Threads of the pool, the caller included; 1 for NULL. */
int krt_pool_threads(const KrtPool *pool);

/* Runs fn(arg, t) for every t in [0, tasks) on the pool's threads and the caller, and returns
 * when all have finished. A NULL pool runs them in order on the caller. */
void krt_pool_run(KrtPool *pool, KrtTaskFn fn, void *arg, int tasks);

/* y = Linear(x, w, bias) exactly as krt_linear_f32 (kiln_rt.h), with the output columns split
 * across the pool's threads; a NULL or one-thread pool, or a product too small to be worth
 * splitting, runs krt_linear_f32 itself. Each column is computed by one thread in the same
 * order as krt_linear_f32, so the result does not depend on the thread count. */
void krt_linear_f32_pool(KrtPool *pool, const float *x, const float *w, const float *bias, float *y,
                         int64_t m, int64_t k, int64_t n, int transpose_w);

#endif
