/* CPU detection and the choice of kernel table (krt_isa.h). Nothing is cached: a context asks
 * once, when it is created, and keeps the answer in its pool. */
#include "krt_isa.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KRT_ISA_X86 1
#include <cpuid.h>
#elif defined(__aarch64__) && defined(__linux__)
#define KRT_ISA_ARM 1
#include <sys/auxv.h>
#endif

static const char *const krt_isa_names[KRT_ISA_COUNT] = {"portable", "avx2", "avx512", "neon"};

const char *krt_isa_name(KrtIsa isa) {
    return (unsigned)isa < KRT_ISA_COUNT ? krt_isa_names[isa] : "unknown";
}

bool krt_isa_parse(const char *s, KrtIsa *isa) {
    for (int i = 0; s && i < KRT_ISA_COUNT; i++) {
        if (strcmp(s, krt_isa_names[i]) == 0) {
            *isa = (KrtIsa)i;
            return true;
        }
    }
    return false;
}

#ifdef KRT_ISA_X86
/* The register state the OS saves on a context switch (XCR0): bits 1-2 are SSE and AVX,
 * 5-7 the AVX-512 opmask and upper ZMM registers. Only valid when CPUID reports OSXSAVE. */
static uint64_t krt_isa_xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

static bool krt_isa_x86_has(KrtIsa isa) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    bool osxsave = c >> 27 & 1, avx = c >> 28 & 1, fma = c >> 12 & 1;
    if (!osxsave || !avx || !fma) return false;
    uint64_t xcr0 = krt_isa_xcr0();
    if ((xcr0 & 0x6) != 0x6) return false; /* the OS does not save the YMM registers */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    bool avx2 = b >> 5 & 1;
    if (isa == KRT_ISA_AVX2) return avx2;
    /* AVX-512 F, DQ, BW and VL (the Skylake-server set every AVX-512 CPU since has), and the
     * OS saving the opmask and all 32 ZMM registers */
    bool f = b >> 16 & 1, dq = b >> 17 & 1, bw = b >> 30 & 1, vl = b >> 31 & 1;
    return isa == KRT_ISA_AVX512 && avx2 && f && dq && bw && vl && (xcr0 & 0xe0) == 0xe0;
}
#endif

bool krt_isa_supported(KrtIsa isa) {
    if (isa == KRT_ISA_PORTABLE) return true;
    if (!krt_kernels_of(isa)) return false;
#ifdef KRT_ISA_X86
    return krt_isa_x86_has(isa);
#elif defined(KRT_ISA_ARM)
    return isa == KRT_ISA_NEON && (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0;
#else
    return false;
#endif
}

KrtIsa krt_isa_best(void) {
    static const KrtIsa order[] = {KRT_ISA_AVX512, KRT_ISA_AVX2, KRT_ISA_NEON};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (krt_isa_supported(order[i])) return order[i];
    return KRT_ISA_PORTABLE;
}

KrtIsaChoice krt_isa_choose(KrtIsa *isa) {
    const char *env = getenv("KILN_ISA");
    *isa = KRT_ISA_PORTABLE;
    if (!env || !*env) {
        *isa = krt_isa_best();
        return KRT_ISA_CHOICE_OK;
    }
    if (!krt_isa_parse(env, isa)) return KRT_ISA_CHOICE_UNKNOWN;
    return krt_isa_supported(*isa) ? KRT_ISA_CHOICE_OK : KRT_ISA_CHOICE_UNSUPPORTED;
}

const KrtKernels *krt_kernels_of(KrtIsa isa) {
    switch (isa) {
    case KRT_ISA_PORTABLE:
        return &krt_kernels_portable;
#ifdef KRT_ISA_X86
    case KRT_ISA_AVX2:
        return &krt_kernels_avx2;
    case KRT_ISA_AVX512:
        return &krt_kernels_avx512;
#endif
    default:
        return NULL;
    }
}
