/* Helpers for the backends' differential tests: build graphs with the ir.h builder, plan them
 * with the real passes, emit them with a backend into a temporary folder, build the shared
 * library with the backend's build step, load it, and compare its outputs with the reference
 * interpreter. As in ggml's test-backend-ops, every case runs on every registered backend
 * (codegen/backend.h); a backend that does not support a node of the case skips it. Each
 * backend's passed, failed and skipped counts are printed by cgt_report(). */
#ifndef KILN_CG_HARNESS_H
#define KILN_CG_HARNESS_H

#include "../../codegen/backend.h"
#include "../../include/kiln/kiln_model.h"
#include "../../ir/ir.h"
#include "test_util.h"

/* A graph input of the given dtype and static shape. */
int cgt_input(IrGraph *g, const char *name, IrDtype t, int rank, const int64_t *dims);
/* A constant with random contents (floats in [-1, 1), integers in [-3, 3]). */
int cgt_const(IrGraph *g, TestRng *r, const char *name, IrDtype t, int rank, const int64_t *dims);
/* A node with n_out fresh output values named "<name>.out<i>" (types come from shape
 * inference, run by cgt_plan). Returns the node index; outs[i] receive the output values. */
int cgt_node(IrGraph *g, IrOp op, const char *name, const int *ins, int n_in, int *outs, int n_out);
/* A one-output node; returns its output value. */
int cgt_op(IrGraph *g, IrOp op, const char *name, const int *ins, int n_in);
/* Shape inference, bind, plan_memory and verify. Reports failures as test failures. */
bool cgt_plan(IrGraph *g);

/* A compiled model loaded from its shared library. */
typedef struct CgtLib {
    const CgBackend *backend; /* that compiled it */
    char dir[4096];           /* the folder the sources were emitted into */
    char prefix[64];
    void *handle;
    const KilnModel *model;
    bool no_device; /* built and loaded, but create() found no device to run it on (a skip) */
} CgtLib;

/* Whether backend b supports every node of g (planned). When not, prints each refused node
 * with its reason ("skip: ...") and counts one skipped case for b. */
bool cgt_supported(const CgBackend *b, const IrGraph *g);
/* Emits g (planned) with backend b into a fresh folder, builds lib<prefix>.so with b's build
 * step in strict mode (for c: $CC -std=c11 -Wall -Wextra -Werror -pedantic -O2), and loads it.
 * False when b does not support g (a skip, see cgt_supported, not a failure), when the library
 * built but its create() returns KILN_ERR_DEVICE (a GPU backend on a machine without one:
 * lib->no_device, a skip too) or when any step fails (a failed case for b). */
bool cgt_build(const CgBackend *b, const IrGraph *g, const char *prefix, bool embed_weights,
               CgtLib *lib);
void cgt_unload(CgtLib *lib);
/* The weights file path of lib (inside lib->dir). */
const char *cgt_weights_path(const CgtLib *lib, char *buf, size_t cap);

/* Runs lib and the interpreter on the same random inputs (seeded by seed) and checks every
 * output within tol x max(1, |ref|) (ints and bools exactly). Returns false on any mismatch.
 * Counts one passed or failed comparison for lib->backend. */
bool cgt_compare(const IrGraph *g, const CgtLib *lib, uint64_t seed, double tol);

/* The differential case: plans g, then on every registered backend that supports it builds it
 * and compares it with the interpreter on each of the n_seeds seeds. Frees g. */
void cgt_run_all(IrGraph *g, const char *prefix, const uint64_t *seeds, int n_seeds, double tol);

/* Per-backend tallies: comparisons passed and failed (a failed build counts as failed), and
 * cases skipped because supports() refused a node. */
typedef struct CgtTally {
    int passed, failed, skipped;
} CgtTally;
CgtTally cgt_tally(const CgBackend *b);
/* Prints "backend 'NAME': N passed, N failed, N skipped" for every registered backend, and
 * fails the test when no backend ran any comparison. Call before test_finish(). */
void cgt_report(void);

/* Runs a shell command; true when it exits 0. */
bool cgt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
