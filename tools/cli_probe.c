/* The limit probes of `kiln bench`: memory-read bandwidth and FMA throughput, each on a given
 * number of threads (the run's) with the widest vectors this CPU runs (runtime/krt_isa.h), as
 * the median of several passes. Every thread reads its own part of one buffer, which it wrote
 * first (so its pages are mapped before the clock starts); all threads start a pass together
 * at a barrier and the pass ends when the last one finishes. */
#include "cli.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/krt_isa.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CLI_PROBE_X86 1
#include <immintrin.h>
#endif

/* Reads bytes (a multiple of 4096) at p, 64-byte aligned, and folds them into a checksum so
 * that no load can be dropped. */
typedef uint64_t (*CliReadFn)(const unsigned char *p, size_t bytes);
/* iters rounds of 16 independent FMA chains; returns a value that depends on all of them. */
typedef float (*CliFmaFn)(int64_t iters, float seed);

static uint64_t cli_read_portable(const unsigned char *p, size_t bytes) {
    const uint64_t *w = (const uint64_t *)(const void *)p;
    uint64_t lane[8] = {0};
    for (size_t i = 0; i + 8 <= bytes / 8; i += 8)
        for (int l = 0; l < 8; l++) lane[l] ^= w[i + l];
    uint64_t s = 0;
    for (int l = 0; l < 8; l++) s += lane[l];
    return s;
}

/* A portable FMA chain: plain C, so the compiler's baseline vectors at best. */
static float cli_fma_portable(int64_t iters, float seed) {
    float a[16];
    for (int r = 0; r < 16; r++) a[r] = seed + (float)r;
    for (int64_t i = 0; i < iters; i++)
        for (int r = 0; r < 16; r++) a[r] = a[r] * 0.999999f + 1e-7f;
    float s = 0;
    for (int r = 0; r < 16; r++) s += a[r];
    return s;
}

#ifdef CLI_PROBE_X86
#define CLI_FMA16(FMA)                                                                             \
    FMA(0);                                                                                        \
    FMA(1);                                                                                        \
    FMA(2);                                                                                        \
    FMA(3);                                                                                        \
    FMA(4);                                                                                        \
    FMA(5);                                                                                        \
    FMA(6);                                                                                        \
    FMA(7);                                                                                        \
    FMA(8);                                                                                        \
    FMA(9);                                                                                        \
    FMA(10);                                                                                       \
    FMA(11);                                                                                       \
    FMA(12);                                                                                       \
    FMA(13);                                                                                       \
    FMA(14);                                                                                       \
    FMA(15)

/* The vector readers walk four quarters of their range at once, as the matrix-vector kernels
 * walk four rows of w: one core's sequential stream alone measured 12 GB/s where four gave 16
 * on the Xeon VM, and a probe slower than the kernels it bounds is a wrong floor. */
__attribute__((target("avx512f"))) static uint64_t cli_read_avx512(const unsigned char *p,
                                                                   size_t bytes) {
    size_t q = bytes / 4;
    const unsigned char *p1 = p + q, *p2 = p + 2 * q, *p3 = p + 3 * q;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i + 64 <= q; i += 64) {
        a0 = _mm512_xor_si512(a0, _mm512_load_si512((const void *)(p + i)));
        a1 = _mm512_xor_si512(a1, _mm512_load_si512((const void *)(p1 + i)));
        a2 = _mm512_xor_si512(a2, _mm512_load_si512((const void *)(p2 + i)));
        a3 = _mm512_xor_si512(a3, _mm512_load_si512((const void *)(p3 + i)));
    }
    __m512i s = _mm512_xor_si512(_mm512_xor_si512(a0, a1), _mm512_xor_si512(a2, a3));
    return (uint64_t)_mm512_reduce_add_epi64(s);
}

__attribute__((target("avx2"))) static uint64_t cli_read_avx2(const unsigned char *p,
                                                              size_t bytes) {
    size_t q = bytes / 4;
    const unsigned char *p1 = p + q, *p2 = p + 2 * q, *p3 = p + 3 * q;
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i + 64 <= q; i += 64) {
#define CLI_LOAD256(base, off)                                                                     \
    _mm256_load_si256((const __m256i *)(const void *)((base) + i + (off)))
        a0 = _mm256_xor_si256(a0, _mm256_xor_si256(CLI_LOAD256(p, 0), CLI_LOAD256(p, 32)));
        a1 = _mm256_xor_si256(a1, _mm256_xor_si256(CLI_LOAD256(p1, 0), CLI_LOAD256(p1, 32)));
        a2 = _mm256_xor_si256(a2, _mm256_xor_si256(CLI_LOAD256(p2, 0), CLI_LOAD256(p2, 32)));
        a3 = _mm256_xor_si256(a3, _mm256_xor_si256(CLI_LOAD256(p3, 0), CLI_LOAD256(p3, 32)));
#undef CLI_LOAD256
    }
    __m256i s = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
    uint64_t lane[4];
    memcpy(lane, &s, sizeof lane);
    return lane[0] + lane[1] + lane[2] + lane[3];
}

__attribute__((target("avx512f"))) static float cli_fma_avx512(int64_t iters, float seed) {
    __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    __m512 a[16];
    for (int r = 0; r < 16; r++) a[r] = _mm512_set1_ps(seed + (float)r);
    for (int64_t i = 0; i < iters; i++) {
#define CLI_FMA512(r) a[r] = _mm512_fmadd_ps(a[r], m, c)
        CLI_FMA16(CLI_FMA512);
#undef CLI_FMA512
    }
    __m512 s = a[0];
    for (int r = 1; r < 16; r++) s = _mm512_add_ps(s, a[r]);
    return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) static float cli_fma_avx2(int64_t iters, float seed) {
    __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    __m256 a[16];
    for (int r = 0; r < 16; r++) a[r] = _mm256_set1_ps(seed + (float)r);
    for (int64_t i = 0; i < iters; i++) {
#define CLI_FMA256(r) a[r] = _mm256_fmadd_ps(a[r], m, c)
        CLI_FMA16(CLI_FMA256);
#undef CLI_FMA256
    }
    __m256 s = a[0];
    for (int r = 1; r < 16; r++) s = _mm256_add_ps(s, a[r]);
    float lane[8];
    memcpy(lane, &s, sizeof lane);
    return lane[0] + lane[1] + lane[2] + lane[3] + lane[4] + lane[5] + lane[6] + lane[7];
}
#endif

/* The probes' vector width: the widest of this CPU, whatever KILN_ISA says (a limit is the
 * machine's, not the kernels'). */
static KrtIsa cli_probe_isa(int *lanes) {
    KrtIsa isa = krt_isa_best();
    *lanes = isa == KRT_ISA_AVX512 ? 16 : isa == KRT_ISA_AVX2 ? 8 : 1;
    return isa;
}

/* One probe's work, shared by its threads. */
typedef struct CliProbeJob {
    /* workers wait for go (set once every thread started; abort when one could not be) */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int go, abort;
    pthread_barrier_t start, stop;
    int threads, passes;
    unsigned char *buf;
    size_t slice; /* bytes per thread, a multiple of 4096 */
    CliReadFn read;
    CliFmaFn fma;
    int64_t iters;
    volatile uint64_t sink;
} CliProbeJob;

typedef struct CliProbeThread {
    CliProbeJob *job;
    int index;
} CliProbeThread;

/* One thread's share of pass after pass: its slice of the buffer, or its FMA chains. */
static void cli_probe_work(CliProbeJob *j, int t) {
    uint64_t s = 0;
    if (j->read) s += j->read(j->buf + (size_t)t * j->slice, j->slice);
    if (j->fma) s += (uint64_t)(j->fma(j->iters, (float)t) > 1e30f);
    j->sink = j->sink + s;
}

static void *cli_probe_worker(void *arg) {
    CliProbeThread *pt = arg;
    CliProbeJob *j = pt->job;
    pthread_mutex_lock(&j->lock);
    while (!j->go) pthread_cond_wait(&j->wake, &j->lock);
    int abort = j->abort;
    pthread_mutex_unlock(&j->lock);
    if (abort) return NULL;
    if (j->read) memset(j->buf + (size_t)pt->index * j->slice, pt->index + 1, j->slice);
    for (int p = 0; p < j->passes; p++) {
        pthread_barrier_wait(&j->start);
        cli_probe_work(j, pt->index);
        pthread_barrier_wait(&j->stop);
    }
    return NULL;
}

static int cli_probe_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double cli_median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cli_probe_cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Runs j->passes passes of the job on j->threads threads (the caller is thread 0) and writes
 * each pass's seconds to secs. False when a thread could not be started. */
static bool cli_probe_run(CliProbeJob *j, double *secs, Diag *d) {
    int n = j->threads;
    pthread_t *tid = calloc((size_t)n, sizeof *tid);
    CliProbeThread *pt = calloc((size_t)n, sizeof *pt);
    KILN_ASSERT(tid && pt);
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->wake, NULL);
    pthread_barrier_init(&j->start, NULL, (unsigned)n);
    pthread_barrier_init(&j->stop, NULL, (unsigned)n);
    int started = 1;
    bool ok = true;
    for (int t = 1; t < n && ok; t++) {
        pt[t] = (CliProbeThread){j, t};
        ok = pthread_create(&tid[t], NULL, cli_probe_worker, &pt[t]) == 0;
        if (ok) started++;
    }
    /* the barriers count n threads: without all of them no pass can run */
    pthread_mutex_lock(&j->lock);
    j->go = 1;
    j->abort = !ok;
    pthread_cond_broadcast(&j->wake);
    pthread_mutex_unlock(&j->lock);
    if (!ok) {
        diag_error(d, "cannot start %d probe threads", n);
        for (int t = 1; t < started; t++) pthread_join(tid[t], NULL);
    } else {
        if (j->read) memset(j->buf, 1, j->slice);
        for (int p = 0; p < j->passes; p++) {
            pthread_barrier_wait(&j->start);
            double t0 = cli_generate_now_ms();
            cli_probe_work(j, 0);
            pthread_barrier_wait(&j->stop);
            secs[p] = (cli_generate_now_ms() - t0) / 1e3;
        }
        for (int t = 1; t < n; t++) pthread_join(tid[t], NULL);
    }
    pthread_barrier_destroy(&j->start);
    pthread_barrier_destroy(&j->stop);
    pthread_cond_destroy(&j->wake);
    pthread_mutex_destroy(&j->lock);
    free(tid);
    free(pt);
    return ok;
}

bool cli_probe_bandwidth(int threads, int64_t mib, int passes, CliProbeResult *out, Diag *d) {
    int lanes;
    KrtIsa isa = cli_probe_isa(&lanes);
    CliProbeJob j = {.threads = threads, .passes = passes, .read = cli_read_portable};
#ifdef CLI_PROBE_X86
    if (isa == KRT_ISA_AVX512) j.read = cli_read_avx512;
    if (isa == KRT_ISA_AVX2) j.read = cli_read_avx2;
#endif
    j.slice = ((size_t)mib << 20) / (size_t)threads / 4096 * 4096;
    j.buf = j.slice ? aligned_alloc(4096, j.slice * (size_t)threads) : NULL;
    if (!j.buf) {
        diag_error(d, "cannot allocate %" PRId64 " MiB for the bandwidth probe", mib);
        return false;
    }
    double *secs = calloc((size_t)passes, sizeof *secs);
    KILN_ASSERT(secs != NULL);
    bool ok = cli_probe_run(&j, secs, d);
    if (ok) {
        double bytes = (double)j.slice * threads;
        for (int p = 0; p < passes; p++) secs[p] = secs[p] > 0 ? bytes / secs[p] : 0;
        out->median = cli_median(secs, passes);
        out->isa = krt_isa_name(isa);
        out->bytes = bytes;
    }
    free(secs);
    free(j.buf);
    return ok;
}

bool cli_probe_fma(int threads, int passes, CliProbeResult *out, Diag *d) {
    int lanes;
    KrtIsa isa = cli_probe_isa(&lanes);
    CliProbeJob j = {.threads = threads, .passes = passes, .fma = cli_fma_portable};
#ifdef CLI_PROBE_X86
    if (isa == KRT_ISA_AVX512) j.fma = cli_fma_avx512;
    if (isa == KRT_ISA_AVX2) j.fma = cli_fma_avx2;
#endif
    /* 15 GFLOP per thread and pass whatever the width: about 0.1 s at 16 lanes */
    j.iters = (int64_t)30 * 1000 * 1000 * 16 / lanes;
    double *secs = calloc((size_t)passes, sizeof *secs);
    KILN_ASSERT(secs != NULL);
    bool ok = cli_probe_run(&j, secs, d);
    if (ok) {
        double flops = 2.0 * 16 * lanes * (double)j.iters * threads;
        for (int p = 0; p < passes; p++) secs[p] = secs[p] > 0 ? flops / secs[p] : 0;
        out->median = cli_median(secs, passes);
        out->isa = krt_isa_name(isa);
        out->bytes = 0;
    }
    free(secs);
    return ok;
}
