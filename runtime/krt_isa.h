/* krt_isa.h: the instruction sets the heavy kernels can use, how the runtime detects them, and
 * the kernel table of each.
 *
 * A kernel table is one const struct of function pointers per instruction set (ISA): the
 * portable C kernels, AVX2+FMA, AVX-512 (x86-64), NEON (aarch64, not built yet). A context
 * chooses one when it is created (krt_isa_choose: KILN_ISA, else the best the CPU runs) and its
 * thread pool carries it to the kernels (krt_pool_kernels in krt_threads.h), so there is no
 * mutable global. Per-format kernels (bf16, i8, i4 matrix-vector and GEMM) are new fields of
 * KrtKernels; an ISA without one leaves it NULL and the caller falls back to the portable
 * kernel.
 *
 * The SIMD kernels are compiled with per-function target attributes, so the generated library
 * still builds with plain `cc` and no -march; they only run when the CPU (and, for AVX, the OS's
 * saved register state) supports them. */
#ifndef KILN_KRT_ISA_H
#define KILN_KRT_ISA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum KrtIsa {
    KRT_ISA_PORTABLE, /* plain C11, vectorized by the compiler for the baseline target */
    KRT_ISA_AVX2,     /* x86-64 AVX2 + FMA */
    KRT_ISA_AVX512,   /* x86-64 AVX-512 F (kernels use 512-bit f32 vectors and masks) */
    KRT_ISA_NEON,     /* aarch64 Advanced SIMD */
    KRT_ISA_COUNT
} KrtIsa;

/* Rows of x per packed panel and the depth of one GEMM pass: the driver (krt_matmul.c) packs
 * KRT_GEMM_MC x KRT_GEMM_KC floats of x into a thread's scratch at a time. */
#define KRT_GEMM_MC 128
#define KRT_GEMM_KC 512
/* The largest register tile of any table (rows of w x rows of x). */
#define KRT_GEMM_MR_MAX 16
#define KRT_GEMM_NR_MAX 32
/* Bytes of scratch one thread of a pool holds for the GEMM (64-byte aligned): the packed x
 * panels, f32[KRT_GEMM_MC][KRT_GEMM_KC], then the last rows of w zero-padded to a full tile,
 * f32[KRT_GEMM_MR_MAX][KRT_GEMM_KC]. */
#define KRT_GEMM_SCRATCH_BYTES                                                                     \
    ((size_t)(KRT_GEMM_MC + KRT_GEMM_MR_MAX) * KRT_GEMM_KC * sizeof(float))

/* The kernels of one ISA. Shapes: x[m, k] activations, w[n, k] weights (torch nn.Linear layout,
 * row j of w is output column j), y[m, n]; all dense row-major. */
typedef struct KrtKernels {
    KrtIsa isa;
    const char *name; /* as KILN_ISA spells it */
    /* Matrix-vector (decode, and a few rows): out[r] = x[0, k) . w[r][0, k) for four rows of
     * w, in an order that does not depend on the other three rows (a group short of four
     * repeats a row). The driver (krt_matmul.c) runs it over groups of four rows of w, every row
     * of x against a group while it is in L1, so w is streamed from memory once. */
    void (*dot4_f32)(const float *x, const float *const w[4], int64_t k, float out[4]);
    /* GEMM register tile (NULL: the ISA has none and the portable blocked kernel runs):
     * tile[r][l] = sum over p < kc of w[r * w_stride + p] * panel[p][l] for r < gemm_mr and
     * l < gemm_nr, summed in order of p, where panel[kc][gemm_nr] is kc columns of gemm_nr rows
     * of x, transposed and packed (64-byte aligned), and w points at kc floats of gemm_mr rows
     * of the weights w_stride floats apart. tile is [gemm_mr][gemm_nr], 64-byte aligned. */
    void (*gemm_tile_f32)(const float *w, int64_t w_stride, const float *panel, int64_t kc,
                          float *tile);
    int gemm_mr, gemm_nr;
    int64_t gemm_min_rows; /* m from which the GEMM path runs instead of dot4_f32 */
} KrtKernels;

const char *krt_isa_name(KrtIsa isa);

/* True when s names an ISA (portable, avx2, avx512, neon); *isa is set then. */
bool krt_isa_parse(const char *s, KrtIsa *isa);

/* True when this CPU and OS can run isa's kernels and this build has them. Detection runs
 * cpuid (and xgetbv for the OS's AVX state) on x86-64, getauxval(AT_HWCAP) on aarch64 Linux. */
bool krt_isa_supported(KrtIsa isa);

/* The fastest ISA krt_isa_supported accepts. */
KrtIsa krt_isa_best(void);

typedef enum KrtIsaChoice {
    KRT_ISA_CHOICE_OK,          /* *isa is KILN_ISA's, or the best when KILN_ISA is unset */
    KRT_ISA_CHOICE_UNKNOWN,     /* KILN_ISA is not an ISA name */
    KRT_ISA_CHOICE_UNSUPPORTED, /* KILN_ISA names one this CPU or build cannot run (*isa) */
} KrtIsaChoice;

/* The ISA a new context runs: the environment variable KILN_ISA when set and not empty, else
 * krt_isa_best(). */
KrtIsaChoice krt_isa_choose(KrtIsa *isa);

/* The kernel table of isa, or NULL when this build has none (NEON on x86-64). */
const KrtKernels *krt_kernels_of(KrtIsa isa);

/* The tables of the SIMD files (krt_matmul_avx2.c, krt_matmul_avx512.c), on x86-64 only. */
extern const KrtKernels krt_kernels_avx2;
extern const KrtKernels krt_kernels_avx512;
/* The portable table (krt_matmul.c). */
extern const KrtKernels krt_kernels_portable;

#endif
