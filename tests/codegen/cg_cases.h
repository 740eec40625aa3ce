/* The per-op differential cases of test_codegen_every_op: one function cgt_case_<fn> per row of
 * IR_OPS (fn = the op's stem), declared here from the op list itself, so adding an op without
 * writing its case fails to link, as the op's other per-op tables do.
 *
 * A case adds inputs, constants, nodes of its op (in several shapes, dtypes and attribute
 * variants) and outputs to the graph c->g, which the driver shares among several cases so that
 * one compiler run covers many ops; the driver then compares the graph on every registered
 * backend against the interpreter. Names made through the helpers below are prefixed with the
 * op's stem and made unique, so cases never collide in a shared graph. A case must build the
 * same graph every time it is called (it draws only from c->rng): the driver re-runs a case on
 * its own to find which op of a failing or refused batch is responsible.
 *
 * An op that cannot be compared inside such a graph either runs its own comparison per backend
 * and records it with cgt_case_result, or says why with cgt_case_otherwise and tests what it can.
 * A case that does none of these fails. */
#ifndef KILN_CG_CASES_H
#define KILN_CG_CASES_H

#include "cg_harness.h"

/* The outcome of an op on one backend. */
typedef enum CgtStatus {
    CGT_NONE,      /* not run */
    CGT_PASSED,    /* compared with the interpreter and agreed */
    CGT_FAILED,    /* a build failed or a comparison disagreed */
    CGT_SKIPPED,   /* the backend's supports() refused a node */
    CGT_OTHERWISE, /* not compared in isolation: see the case's reason */
} CgtStatus;

#define CGT_CASE_MAX_BACKENDS 16

typedef struct CgtCase {
    IrGraph *g;     /* the graph the case adds to */
    TestRng rng;    /* seeded by op */
    IrOp op;        /* the op under test */
    const char *fn; /* its stem: the prefix of every name the helpers make */
    int counter;    /* makes names unique */
    double tol;     /* of float outputs, x max(1, |ref|); a case may tighten it */
    /* Set by cases that do not add to g. */
    const char *otherwise;                /* cgt_case_otherwise's reason */
    CgtStatus own[CGT_CASE_MAX_BACKENDS]; /* cgt_case_result, by registry index */
} CgtCase;

/* A graph input / a constant with random contents (as cgt_const) / a constant holding data
 * (packed, of dtype t), all named "<fn>.<name>#<k>". */
int cgt_case_input(CgtCase *c, const char *name, IrDtype t, int rank, const int64_t *dims);
int cgt_case_const(CgtCase *c, const char *name, IrDtype t, int rank, const int64_t *dims);
int cgt_case_const_data(CgtCase *c, const char *name, IrDtype t, int rank, const int64_t *dims,
                        const void *data);
/* A node named "<fn>.<name>#<k>" with n_out outputs (as cgt_node); returns the node index. */
int cgt_case_node(CgtCase *c, IrOp op, const char *name, const int *ins, int n_in, int *outs,
                  int n_out);
/* A one-output node; returns its output value (not yet a graph output). */
int cgt_case_op(CgtCase *c, IrOp op, const char *name, const int *ins, int n_in);
/* The op cannot be compared in a shared graph: prints "op NAME: <reason>" and counts the op as
 * covered otherwise. The case still tests what it can (and fails through CHECK). */
void cgt_case_otherwise(CgtCase *c, const char *reason);
/* Records the outcome of a case's own comparison on backend index b. */
void cgt_case_result(CgtCase *c, int b, CgtStatus s);

/* Shorthands for the cases, which name their CgtCase `c`: D(...) is an int64_t array literal,
 * INTS(...) that array and its length. */
#define D(...) ((const int64_t[]){__VA_ARGS__})
#define NDIM(...) (int)(sizeof D(__VA_ARGS__) / sizeof(int64_t))
#define INTS(...) D(__VA_ARGS__), NDIM(__VA_ARGS__)
#define VALS(...)                                                                                  \
    (const int[]){__VA_ARGS__}, (int)(sizeof((const int[]){__VA_ARGS__}) / sizeof(int))
#define IN(name, t, ...) cgt_case_input(c, name, t, NDIM(__VA_ARGS__), D(__VA_ARGS__))
#define CONST(name, t, ...) cgt_case_const(c, name, t, NDIM(__VA_ARGS__), D(__VA_ARGS__))
#define OP(op, name, ...) cgt_case_op(c, IR_OP_##op, name, VALS(__VA_ARGS__))
#define OUT(v) ir_output_add(c->g, v)
#define LAST (c->g->n_nodes - 1)
#define F32 IR_DTYPE_F32
#define F64 IR_DTYPE_F64
#define F16 IR_DTYPE_F16
#define BF16 IR_DTYPE_BF16
#define I8 IR_DTYPE_I8
#define U8 IR_DTYPE_U8
#define I32 IR_DTYPE_I32
#define I64 IR_DTYPE_I64
#define BOOL IR_DTYPE_BOOL

/* One case per op. The X-macro is variadic so that it does not depend on how many columns the
 * op list has after the stem. */
#define CGT_CASE_DECL(E, name, fn, ...) void cgt_case_##fn(CgtCase *c);
IR_OPS(CGT_CASE_DECL)
#undef CGT_CASE_DECL

#endif
