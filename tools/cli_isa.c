/* The kernel table a compiled library's context runs, as kiln reports it. A context chooses
 * its table from KILN_ISA and the CPU (runtime/krt_isa.h); kiln links the same runtime and reads
 * the same environment, so it tells what the library chose without asking it. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "../runtime/krt_isa.h"

/* Appends the ISAs this CPU runs to buf, separated by blanks. */
static void cli_isa_list(char *buf, size_t n) {
    size_t len = strlen(buf);
    for (int i = 0; i < KRT_ISA_COUNT && len < n; i++)
        if (krt_isa_supported((KrtIsa)i))
            len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? " " : "",
                                    krt_isa_name((KrtIsa)i));
}

void cli_isa_describe(char *buf, size_t n) {
    KrtIsa isa;
    KrtIsaChoice c = krt_isa_choose(&isa);
    const char *env = getenv("KILN_ISA");
    char runs[64] = "";
    cli_isa_list(runs, sizeof runs);
    if (c == KRT_ISA_CHOICE_UNKNOWN)
        snprintf(buf, n, "none: KILN_ISA=%s is not one of portable, avx2, avx512, neon", env);
    else if (c == KRT_ISA_CHOICE_UNSUPPORTED)
        snprintf(buf, n, "none: KILN_ISA=%s, but this CPU runs only: %s", env, runs);
    else if (env && *env)
        snprintf(buf, n, "%s (forced by KILN_ISA; this CPU runs: %s)", krt_isa_name(isa), runs);
    else
        snprintf(buf, n, "%s (the best this CPU runs: %s)", krt_isa_name(isa), runs);
}

void cli_create_error(Diag *d, const char *where, const KilnModel *m, int status) {
    char isa[160] = "";
    if (status == KILN_ERR_ISA) cli_isa_describe(isa, sizeof isa);
    diag_at(d, where, NULL, NULL, "cannot create the model: %s%s%s", m->status_string(status),
            *isa ? "; kernels: " : "", isa);
}
