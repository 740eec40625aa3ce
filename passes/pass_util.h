/* Graph-editing helpers the passes share (passes/pass_util.c). Only passes/ includes this. */
#ifndef KILN_PASS_UTIL_H
#define KILN_PASS_UTIL_H

#include "pass.h"

/* Uses of every value: count[v] = number of node input slots reading v plus one per graph output
 * slot. Returns a malloc'd array of g->n_values entries (at least one). */
int *pu_use_counts(const IrGraph *g);

/* True when v is one of the graph outputs. */
bool pu_is_graph_output(const IrGraph *g, int v);

/* Makes every node input that reads `from` read `to` instead (graph outputs are not touched). */
void pu_replace_uses(IrGraph *g, int from, int to);

/* Removes the nodes marked in dead[] (g->n_nodes entries), keeping the order of the others.
 * Outputs of removed nodes lose their producer (-1). */
void pu_remove_nodes(IrGraph *g, const bool *dead);

/* Reorders the nodes into a topological order that keeps the current order where it can (a
 * node moves only behind the producers of its inputs). Used after appending nodes that must run
 * earlier. */
void pu_toposort(IrGraph *g);

/* Adds a node like ir_node_add, copying loc from node `like` (an index; -1 for none) and giving
 * it a fresh unique node name derived from base. */
int pu_node_add(IrGraph *g, IrOp op, const char *base, const int *inputs, int n_inputs,
                const int *outputs, int n_outputs, int like);

/* True when the value is a constant (data, no producer). */
bool pu_is_const(const IrGraph *g, int v);

/* True when every element of constant v equals x (float dtypes f32/f64 only). */
bool pu_const_all(const IrGraph *g, int v, double x);

/* Copies every attribute of node src onto node dst (same op schema). */
void pu_copy_attrs(IrGraph *g, int dst, const IrNode *src);

#endif
