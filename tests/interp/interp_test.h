/* Helpers for the interpreter's tests: build a small graph (usually one node), run it on inputs
 * given as doubles, and compare the outputs with hand-computed values.
 *
 *     IrGraph *g = ti_graph();
 *     int x = ti_input(g, IR_DTYPE_F32, TI_DIMS(2, 3));
 *     int n = ti_node(g, IR_OP_RELU, (int[]){x}, 1, 1);
 *     IrTensor out[1];
 *     if (ti_run(g, (const double *[]){xs}, out))
 *         ti_expect("relu", &out[0], IR_DTYPE_F32, TI_DIMS(2, 3), want, 1e-6);
 *     ti_done(g, out);
 */
#ifndef KILN_INTERP_TEST_H
#define KILN_INTERP_TEST_H

#include "ir/interp.h"
#include "test_util.h"

/* A dims list for the helpers below: expands to `const int64_t *dims, int rank`. */
#define TI_DIMS(...)                                                                               \
    (const int64_t[]){__VA_ARGS__}, (int)(sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
#define TI_SCALAR NULL, 0

IrType ti_type(IrDtype dt, const int64_t *dims, int rank);

/* A fresh graph whose source path is "test.kir" (so messages start with "test.kir: "). */
IrGraph *ti_graph(void);

/* Adds graph input "x<k>" (k counts the inputs) of a static type. */
int ti_input(IrGraph *g, IrDtype dt, const int64_t *dims, int rank);

/* Adds constant "c<k>" holding vals converted to dt. */
int ti_const(IrGraph *g, IrDtype dt, const int64_t *dims, int rank, const double *vals);

/* Adds node "n<k>" of op on the given inputs with n_out fresh outputs (typed later by
 * ir_infer_shapes) and returns the node index. ti_out(g, node, i) is the value of output i. */
int ti_node(IrGraph *g, IrOp op, const int *inputs, int n_inputs, int n_out);
int ti_out(const IrGraph *g, int node, int i);

/* Infers shapes and verifies g, then makes every output of the graph's last node a graph output
 * if the graph has none yet. Reports and returns false on failure. */
bool ti_finish(IrGraph *g);

/* Finishes g, builds the input tensors from vals[k] (one array per graph input, numel elements,
 * converted to the input's dtype), runs the interpreter and frees the inputs. Failures are
 * counted and their messages printed. */
bool ti_run(IrGraph *g, const double *const *vals, IrTensor *outputs);

/* A tensor of the given type holding vals converted to dt. */
IrTensor ti_tensor(IrDtype dt, const int64_t *dims, int rank, const double *vals);

/* Element i of a tensor as a double. */
double ti_get(const IrTensor *t, int64_t i);

/* Checks t's dtype and shape, then every element: |got - want| <= tol * max(1, |want|), with
 * NaN equal to NaN and infinities compared exactly. Counts one pass or one failure. */
bool ti_expect(const char *what, const IrTensor *t, IrDtype dt, const int64_t *dims, int rank,
               const double *want, double tol);

/* Checks that the only message in d contains `part`; counts one pass or one failure. */
bool ti_expect_message(const Diag *d, const char *part);

/* Frees the graph's outputs (as many as g has) and the graph. */
void ti_done(IrGraph *g, IrTensor *outputs);

#endif
