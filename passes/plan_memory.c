/* pass plan_memory: static memory planning. Every intermediate value gets a 64-byte aligned
 * offset in one workspace arena; a value's bytes are reused once its last reader has run.
 *
 * Lifetimes are measured in node positions: value v is live from the node that writes it to
 * the last node that reads it. Outputs of a node are placed while its inputs are still live,
 * so a node never reads and writes the same bytes, except in place: an elementwise node whose
 * input has exactly the output's type, lives in the arena and is read by no later node writes
 * its output over that input (every element is read before the same element is written).
 * Placement is first fit over the blocks live at that moment, in offset order. */
#include "pass.h"

#include <stdlib.h>
#include <string.h>

#define PLAN_ALIGN 64
/* The largest workspace planned: 2^61 bytes. Every block and offset stays below it, so ends and
 * their rounding up to PLAN_ALIGN never overflow int64. */
#define PLAN_LIMIT (INT64_MAX / 4)

typedef struct PlanBlock {
    int64_t offset, size;
    int value;
} PlanBlock;

/* The live blocks, kept sorted by offset. */
typedef struct PlanLive {
    PlanBlock *blocks;
    int count;
} PlanLive;

/* First fit of size bytes (< PLAN_LIMIT); -1 when the block would end past PLAN_LIMIT. */
static int64_t plan_place(PlanLive *live, int64_t size, int value) {
    int64_t at = 0;
    int pos = 0;
    for (; pos < live->count; pos++) {
        if (live->blocks[pos].offset - at >= size) break;
        int64_t end = live->blocks[pos].offset + live->blocks[pos].size;
        end = (end + PLAN_ALIGN - 1) / PLAN_ALIGN * PLAN_ALIGN;
        if (end > at) at = end;
    }
    if (size > PLAN_LIMIT - at) return -1;
    memmove(&live->blocks[pos + 1], &live->blocks[pos],
            sizeof *live->blocks * (size_t)(live->count - pos));
    live->blocks[pos] = (PlanBlock){at, size, value};
    live->count++;
    return at;
}

/* The input of node n (at position ni) whose block the output may take over, or -1. */
static int plan_in_place_input(const IrGraph *g, const IrNode *n, int ni, const int *last_use) {
    if (!ir_op_has(n->op, IR_OPF_INPLACE) || n->n_outputs != 1) return -1;
    const IrType *out = &g->values[n->outputs[0]].type;
    for (int i = 0; i < n->n_inputs; i++) {
        int v = n->inputs[i];
        if (v < 0 || g->values[v].arena_offset < 0 || last_use[v] != ni) continue;
        if (ir_type_equal(&g->values[v].type, out)) return v;
    }
    return -1;
}

static void plan_release(PlanLive *live, int value) {
    for (int i = 0; i < live->count; i++) {
        if (live->blocks[i].value == value) {
            memmove(&live->blocks[i], &live->blocks[i + 1],
                    sizeof *live->blocks * (size_t)(live->count - i - 1));
            live->count--;
            return;
        }
    }
}

bool pass_plan_memory(IrGraph *g, const PassOptions *opt, Diag *d) {
    int64_t naive = 0;
    int nv = g->n_values ? g->n_values : 1;
    int *last_use = malloc(sizeof *last_use * (size_t)nv);
    bool *external = calloc((size_t)nv, sizeof *external); /* inputs, outputs: caller memory */
    PlanLive live = {malloc(sizeof(PlanBlock) * (size_t)nv), 0};
    KILN_ASSERT(last_use && external && live.blocks);
    for (int v = 0; v < g->n_values; v++) {
        last_use[v] = g->values[v].producer;
        g->values[v].arena_offset = -1;
    }
    for (int i = 0; i < g->n_inputs; i++) external[g->inputs[i]] = true;
    for (int i = 0; i < g->n_outputs; i++) external[g->outputs[i]] = true;
    for (int ni = 0; ni < g->n_nodes; ni++) {
        const IrNode *n = &g->nodes[ni];
        for (int i = 0; i < n->n_inputs; i++)
            if (n->inputs[i] >= 0) last_use[n->inputs[i]] = ni;
    }
    bool ok = true;
    int64_t peak = 0;
    for (int ni = 0; ni < g->n_nodes && ok; ni++) {
        const IrNode *n = &g->nodes[ni];
        for (int i = 0; i < n->n_outputs; i++) {
            IrValue *v = ir_value(g, n->outputs[i]);
            size_t bytes;
            if (external[n->outputs[i]] || v->data) continue;
            if (!ir_type_nbytes(&v->type, &bytes)) {
                ir_node_error(d, g, n, "output '%s' has no static size; bind its symbols first",
                              v->name);
                ok = false;
                break;
            }
            if (bytes >= (size_t)PLAN_LIMIT) {
                ir_node_error(d, g, n,
                              "output '%s' needs %zu bytes, more than the 2^61 a workspace holds",
                              v->name, bytes);
                ok = false;
                break;
            }
            int64_t aligned = ((int64_t)bytes + PLAN_ALIGN - 1) / PLAN_ALIGN * PLAN_ALIGN;
            naive = naive > INT64_MAX - aligned ? INT64_MAX : naive + aligned; /* a statistic */
            int reuse = i == 0 ? plan_in_place_input(g, n, ni, last_use) : -1;
            if (reuse >= 0) {
                /* The output takes over the dying input's block. */
                for (int b = 0; b < live.count; b++)
                    if (live.blocks[b].value == reuse) live.blocks[b].value = n->outputs[i];
                v->arena_offset = g->values[reuse].arena_offset;
                continue;
            }
            v->arena_offset = plan_place(&live, (int64_t)bytes, n->outputs[i]);
            if (v->arena_offset < 0) {
                ir_node_error(d, g, n,
                              "output '%s' does not fit: the workspace would need more than 2^61 "
                              "bytes",
                              v->name);
                ok = false;
                break;
            }
            if (v->arena_offset + (int64_t)bytes > peak) peak = v->arena_offset + (int64_t)bytes;
        }
        /* Release what this node was the last to touch (including outputs nobody reads). */
        for (int i = 0; i < n->n_inputs; i++)
            if (n->inputs[i] >= 0 && last_use[n->inputs[i]] == ni)
                plan_release(&live, n->inputs[i]);
        for (int i = 0; i < n->n_outputs; i++)
            if (last_use[n->outputs[i]] == ni) plan_release(&live, n->outputs[i]);
    }
    g->arena_bytes = ok ? (peak + PLAN_ALIGN - 1) / PLAN_ALIGN * PLAN_ALIGN : 0;
    if (ok && opt->stats) opt->stats->arena_naive = naive;
    free(last_use);
    free(external);
    free(live.blocks);
    return ok;
}
