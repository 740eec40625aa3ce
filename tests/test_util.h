/* Minimal helpers shared by kiln's C unit tests: checks that count failures instead of aborting,
 * a seeded random generator, and a tolerance comparison. A test's main() ends with
 * `return test_finish();`, which prints "N passed, N failed" and returns non-zero on failure. */
#ifndef KILN_TEST_UTIL_H
#define KILN_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

extern int test_passed, test_failed;

bool test_check(bool ok, const char *expr, const char *file, int line);
#define CHECK(cond) test_check((cond), #cond, __FILE__, __LINE__)

/* Checks |a-b| <= tol * max(1, |b|) elementwise; reports the first few mismatches. */
bool test_close(const char *what, const float *got, const double *want, int64_t n, double tol);

/* Deterministic generator (splitmix64). */
typedef struct TestRng {
    uint64_t state;
} TestRng;
uint64_t test_rng_next(TestRng *r);
double test_rng_uniform(TestRng *r, double lo, double hi); /* in [lo, hi) */

/* Path of a file below the source tree (uses $KILN_SOURCE_DIR); static buffer. */
const char *test_source_path(const char *rel);

/* A fresh empty temporary folder (removed by nothing: the test harness uses build/ space). */
const char *test_tmpdir(const char *tag);

int test_finish(void);

#endif
