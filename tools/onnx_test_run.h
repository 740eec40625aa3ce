/* One ONNX backend node test run end to end (tools/onnx_test_run.c), used by kiln-onnx-test. */
#ifndef KILN_ONNX_TEST_RUN_H
#define KILN_ONNX_TEST_RUN_H

#include <stdbool.h>
#include <stddef.h>

typedef enum OtrStatus { OTR_PASS, OTR_FAIL, OTR_UNSUPPORTED } OtrStatus;

/* Runs the test folder `dir` (model.onnx + test_data_set_*): imports the model with its
 * symbols bound from the inputs' shapes, runs the interpreter and the C backend's library
 * (built in work_dir against the runtime archive rt_lib), and compares both with the expected
 * outputs. Writes a one-line reason into why (cap bytes) unless it passes; writes the model's
 * distinct op types, comma separated, into ops. With specialize, an input whose value the
 * importer needs at compile time (Reduce axes, Pad pads, Resize scales, ...) is fixed to the
 * test's data when it is small (at most 64 elements) and integer (or Resize's float scales);
 * a test that passes this way gets why = "specialized". */
OtrStatus otr_run_test(const char *dir, const char *work_dir, const char *rt_lib, bool specialize,
                       char *why, size_t cap, char *ops, size_t ops_cap);

/* Writes the runtime sources into work_dir/rt and builds work_dir/rt/libkrt.a with -fPIC;
 * stores its path in out. */
bool otr_build_runtime(const char *work_dir, char *out, size_t cap);

#endif
