/* Helpers for the C backend's tests: build graphs with the ir.h builder, plan them with the
 * real passes, emit them into a temporary folder, build a shared library with the system
 * compiler, load it, and compare its outputs with the reference interpreter. */
#ifndef KILN_CG_HARNESS_H
#define KILN_CG_HARNESS_H

#include "../../include/kiln/model.h"
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
    char dir[4096]; /* the folder the sources were emitted into */
    char prefix[64];
    void *handle;
    const KilnModel *model;
} CgtLib;

/* Emits g (planned) with the C backend into a fresh folder, builds lib<prefix>.so with
 * $CC (default cc) -std=c11 -Wall -Wextra -Werror -pedantic -O2, and loads it. */
bool cgt_build(const IrGraph *g, const char *prefix, bool embed_weights, CgtLib *lib);
void cgt_unload(CgtLib *lib);
/* The weights file path of lib (inside lib->dir). */
const char *cgt_weights_path(const CgtLib *lib, char *buf, size_t cap);

/* Runs lib and the interpreter on the same random inputs (seeded by seed) and checks every
 * output within tol x max(1, |ref|) (ints and bools exactly). Returns false on any mismatch. */
bool cgt_compare(const IrGraph *g, const CgtLib *lib, uint64_t seed, double tol);

/* Runs a shell command; true when it exits 0. */
bool cgt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
