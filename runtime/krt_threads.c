/* The fork-join pool of krt_threads.h: workers sleep on a condition variable until the job
 * generation changes, then take task numbers from a shared counter until none are left; the
 * last thread to finish a job wakes the caller. One mutex guards all of the state; tasks are
 * coarse (one range of output columns per thread), so the lock is taken a few times per job. */
#include "krt_threads.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define KRT_MAX_THREADS 256

struct KrtPool {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* workers: a new job or stop */
    pthread_cond_t done; /* caller: the job's last task finished */
    int threads;         /* caller + workers */
    const KrtKernels *kernels;
    unsigned char *scratch; /* [threads][KRT_GEMM_SCRATCH_BYTES], 64-byte aligned */
    int started;            /* workers running */
    pthread_t *workers;     /* [threads - 1] */
    /* the current job, valid while busy > 0 */
    KrtTaskFn fn;
    void *arg;
    int tasks, next; /* task count and the next task to hand out */
    int busy;        /* tasks handed out and not yet finished, plus tasks left */
    uint64_t generation;
    int stop;
};

int krt_threads_default(void) {
    const char *env = getenv("KILN_THREADS");
    if (env && *env) {
        char *end = NULL;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v >= 1 && v <= KRT_MAX_THREADS) return (int)v;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1) return 1;
    return cpus > KRT_MAX_THREADS ? KRT_MAX_THREADS : (int)cpus;
}

/* Takes and runs tasks of the current job until none are left; called with the lock held and
 * returns with it held. */
static void krt_pool_work(KrtPool *p) {
    while (p->next < p->tasks) {
        int t = p->next++;
        KrtTaskFn fn = p->fn;
        void *arg = p->arg;
        pthread_mutex_unlock(&p->lock);
        fn(arg, t);
        pthread_mutex_lock(&p->lock);
        if (--p->busy == 0) pthread_cond_signal(&p->done);
    }
}

static void *krt_pool_worker(void *arg) {
    KrtPool *p = arg;
    pthread_mutex_lock(&p->lock);
    uint64_t seen = p->generation;
    for (;;) {
        while (!p->stop && p->generation == seen) pthread_cond_wait(&p->wake, &p->lock);
        if (p->stop) break;
        seen = p->generation;
        krt_pool_work(p);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

KrtPool *krt_pool_create(int threads) {
    KrtIsa isa;
    if (krt_isa_choose(&isa) != KRT_ISA_CHOICE_OK) isa = krt_isa_best();
    return krt_pool_create_with(threads, krt_kernels_of(isa));
}

/* Frees a pool whose workers were never started. */
static void krt_pool_free(KrtPool *p) {
    free(p->scratch);
    free(p->workers);
    free(p);
}

KrtPool *krt_pool_create_with(int threads, const KrtKernels *kernels) {
    if (threads < 1) threads = 1;
    if (threads > KRT_MAX_THREADS) threads = KRT_MAX_THREADS;
    KrtPool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->threads = threads;
    p->kernels = kernels ? kernels : &krt_kernels_portable;
    /* not zeroed: the kernels write scratch before they read it, and untouched pages stay
     * unmapped */
    p->scratch = aligned_alloc(64, (size_t)threads * KRT_GEMM_SCRATCH_BYTES);
    if (!p->scratch) {
        krt_pool_free(p);
        return NULL;
    }
    if (threads == 1) return p;
    p->workers = calloc((size_t)threads - 1, sizeof *p->workers);
    if (!p->workers || pthread_mutex_init(&p->lock, NULL) != 0) {
        krt_pool_free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->wake, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        krt_pool_free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->done, NULL) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        krt_pool_free(p);
        return NULL;
    }
    for (int i = 0; i < threads - 1; i++) {
        if (pthread_create(&p->workers[i], NULL, krt_pool_worker, p) != 0) {
            krt_pool_destroy(p);
            return NULL;
        }
        p->started++;
    }
    return p;
}

void krt_pool_destroy(KrtPool *p) {
    if (!p) return;
    if (p->threads > 1) {
        pthread_mutex_lock(&p->lock);
        p->stop = 1;
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->lock);
        for (int i = 0; i < p->started; i++) pthread_join(p->workers[i], NULL);
        pthread_cond_destroy(&p->done);
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
    }
    krt_pool_free(p);
}

int krt_pool_threads(const KrtPool *p) {
    return p ? p->threads : 1;
}

_Static_assert(sizeof(KrtPool) <= KRT_POOL_SOLO_BYTES, "KRT_POOL_SOLO_BYTES is too small");
_Static_assert(_Alignof(KrtPool) <= _Alignof(KrtPoolSolo), "KrtPoolSolo is under-aligned");

KrtPool *krt_pool_init_solo(KrtPoolSolo *room, const KrtKernels *kernels) {
    KrtPool *p = (KrtPool *)(void *)room->bytes;
    *p = (KrtPool){.threads = 1, .kernels = kernels ? kernels : &krt_kernels_portable};
    return p;
}

const KrtKernels *krt_pool_kernels(const KrtPool *p) {
    return p ? p->kernels : &krt_kernels_portable;
}

float *krt_pool_scratch(KrtPool *p, int task) {
    if (!p || task < 0 || task >= p->threads) return NULL;
    return (float *)(void *)(p->scratch + (size_t)task * KRT_GEMM_SCRATCH_BYTES);
}

void krt_pool_run(KrtPool *p, KrtTaskFn fn, void *arg, int tasks) {
    if (tasks <= 0) return;
    if (!p || p->threads <= 1 || tasks == 1) {
        for (int t = 0; t < tasks; t++) fn(arg, t);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->arg = arg;
    p->tasks = tasks;
    p->next = 0;
    p->busy = tasks;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    krt_pool_work(p);
    while (p->busy > 0) pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}
