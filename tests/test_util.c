#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int test_passed, test_failed;

bool test_check(bool ok, const char *expr, const char *file, int line) {
    if (ok) {
        test_passed++;
    } else {
        test_failed++;
        fprintf(stderr, "FAIL %s:%d: %s\n", file, line, expr);
    }
    return ok;
}

bool test_close(const char *what, const float *got, const double *want, int64_t n, double tol) {
    int shown = 0;
    bool ok = true;
    for (int64_t i = 0; i < n; i++) {
        double ref = want[i];
        double err = fabs((double)got[i] - ref);
        double bound = tol * (fabs(ref) > 1.0 ? fabs(ref) : 1.0);
        if (!(err <= bound)) {
            ok = false;
            if (shown++ < 5)
                fprintf(stderr, "  %s[%lld]: got %.9g want %.9g (err %.3g > %.3g)\n", what,
                        (long long)i, (double)got[i], ref, err, bound);
        }
    }
    if (ok) {
        test_passed++;
    } else {
        test_failed++;
        fprintf(stderr, "FAIL %s: values differ\n", what);
    }
    return ok;
}

uint64_t test_rng_next(TestRng *r) {
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double test_rng_uniform(TestRng *r, double lo, double hi) {
    return lo + (hi - lo) * (double)(test_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

const char *test_source_path(const char *rel) {
    static char buf[4096];
    const char *root = getenv("KILN_SOURCE_DIR");
    snprintf(buf, sizeof buf, "%s/%s", root ? root : ".", rel);
    return buf;
}

const char *test_tmpdir(const char *tag) {
    static char buf[4096];
    const char *root = getenv("KILN_BINARY_DIR");
    snprintf(buf, sizeof buf, "%s/test-tmp/%s-XXXXXX", root ? root : "/tmp", tag);
    char parent[4096];
    snprintf(parent, sizeof parent, "%s/test-tmp", root ? root : "/tmp");
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", parent);
    if (system(cmd) != 0) return NULL;
    return mkdtemp(buf);
}

int test_finish(void) {
    printf("%d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}
