/* CPU detection and the kernel-table choice (krt_isa.h): ISA names, KILN_ISA forcing (an
 * unknown name and an ISA this CPU lacks are errors, never a crash), the tables' fields, and
 * each table's GEMM register tile against a double-precision loop at odd depths. */
#include <stdlib.h>
#include <string.h>

#include "kiln_rt.h"
#include "krt_isa.h"
#include "test_util.h"

static TestRng rng = {11};

static void test_names(void) {
    for (int i = 0; i < KRT_ISA_COUNT; i++) {
        KrtIsa isa;
        CHECK(krt_isa_parse(krt_isa_name((KrtIsa)i), &isa) && isa == (KrtIsa)i);
        const KrtKernels *kt = krt_kernels_of((KrtIsa)i);
        if (kt) CHECK(kt->isa == (KrtIsa)i && strcmp(kt->name, krt_isa_name((KrtIsa)i)) == 0);
        if (!kt) CHECK(!krt_isa_supported((KrtIsa)i));
    }
    KrtIsa isa = KRT_ISA_AVX2;
    CHECK(!krt_isa_parse("AVX2", &isa) && !krt_isa_parse("", &isa) && !krt_isa_parse(NULL, &isa));
    CHECK(isa == KRT_ISA_AVX2); /* untouched on failure */
    CHECK(strcmp(krt_isa_name(KRT_ISA_COUNT), "unknown") == 0);
    CHECK(krt_isa_supported(KRT_ISA_PORTABLE));
    CHECK(krt_isa_supported(krt_isa_best()));
    /* one CPU is never both */
    CHECK(!(krt_isa_supported(KRT_ISA_NEON) && krt_isa_supported(KRT_ISA_AVX2)));
    /* AVX-512 kernels assume AVX2 and FMA too */
    if (krt_isa_supported(KRT_ISA_AVX512)) CHECK(krt_isa_supported(KRT_ISA_AVX2));
}

static void test_choose(void) {
    KrtIsa isa;
    unsetenv("KILN_ISA");
    CHECK(krt_isa_choose(&isa) == KRT_ISA_CHOICE_OK && isa == krt_isa_best());
    setenv("KILN_ISA", "", 1);
    CHECK(krt_isa_choose(&isa) == KRT_ISA_CHOICE_OK && isa == krt_isa_best());
    setenv("KILN_ISA", "portable", 1);
    CHECK(krt_isa_choose(&isa) == KRT_ISA_CHOICE_OK && isa == KRT_ISA_PORTABLE);
    setenv("KILN_ISA", "sse9", 1);
    CHECK(krt_isa_choose(&isa) == KRT_ISA_CHOICE_UNKNOWN);
    for (int i = 0; i < KRT_ISA_COUNT; i++) {
        setenv("KILN_ISA", krt_isa_name((KrtIsa)i), 1);
        KrtIsaChoice c = krt_isa_choose(&isa);
        CHECK(isa == (KrtIsa)i);
        CHECK(c == (krt_isa_supported((KrtIsa)i) ? KRT_ISA_CHOICE_OK : KRT_ISA_CHOICE_UNSUPPORTED));
    }
    /* a pool from krt_pool_create falls back to the best table when KILN_ISA is unusable */
    setenv("KILN_ISA", "sse9", 1);
    KrtPool *p = krt_pool_create(1);
    CHECK(p && krt_pool_kernels(p) == krt_kernels_of(krt_isa_best()));
    krt_pool_destroy(p);
    setenv("KILN_ISA", "portable", 1);
    p = krt_pool_create(2);
    CHECK(p && krt_pool_kernels(p) == &krt_kernels_portable);
    krt_pool_destroy(p);
    unsetenv("KILN_ISA");
}

/* tile = w[mr rows, stride ws] . panel[kc][nr] for each table with a tile. */
static void test_tiles(void) {
    static const int64_t kcs[] = {1, 2, 7, 31, 100, 512};
    for (int i = 0; i < KRT_ISA_COUNT; i++) {
        const KrtKernels *kt = krt_kernels_of((KrtIsa)i);
        if (!kt || !kt->gemm_tile_f32 || !krt_isa_supported((KrtIsa)i)) continue;
        int mr = kt->gemm_mr, nr = kt->gemm_nr;
        CHECK(mr >= 1 && mr <= KRT_GEMM_MR_MAX && nr >= 1 && nr <= KRT_GEMM_NR_MAX);
        CHECK(96 % mr == 0 && 48 % mr == 0 && KRT_GEMM_MC % nr == 0);
        for (size_t c = 0; c < sizeof kcs / sizeof kcs[0]; c++) {
            int64_t kc = kcs[c], ws = kc + 3; /* rows of w a stride apart, not packed */
            float *w = malloc(sizeof *w * (size_t)(mr * ws));
            float *panel = aligned_alloc(64, sizeof *panel * (size_t)(kc * nr + 16));
            float *tile = aligned_alloc(64, sizeof *tile * KRT_GEMM_MR_MAX * KRT_GEMM_NR_MAX);
            double *ref = calloc((size_t)(mr * nr), sizeof *ref);
            for (int64_t e = 0; e < mr * ws; e++) w[e] = (float)test_rng_uniform(&rng, -1, 1);
            for (int64_t e = 0; e < kc * nr; e++) panel[e] = (float)test_rng_uniform(&rng, -1, 1);
            for (int r = 0; r < mr; r++)
                for (int l = 0; l < nr; l++)
                    for (int64_t p = 0; p < kc; p++)
                        ref[r * nr + l] += (double)w[r * ws + p] * panel[p * nr + l];
            kt->gemm_tile_f32(w, ws, panel, kc, tile);
            if (!test_close(kt->name, tile, ref, mr * nr, 1e-5 * (kc > 100 ? kc / 100.0 : 1)))
                fprintf(stderr, "  %s tile at kc=%lld\n", kt->name, (long long)kc);
            free(w), free(panel), free(tile), free(ref);
        }
    }
}

int main(void) {
    test_names();
    test_choose();
    test_tiles();
    for (int i = 0; i < KRT_ISA_COUNT; i++)
        fprintf(stderr, "%s: %s\n", krt_isa_name((KrtIsa)i),
                krt_isa_supported((KrtIsa)i) ? "runs here" : "not here");
    return test_finish();
}
