/* pass fuse-ops: elementwise chains become FusedElementwise nodes (ir/ops_fused.h).
 *
 * Nodes are visited in order. An elementwise node (float, static shape) absorbs the group of
 * each input's producer when that producer is elementwise too, has the same output type, and
 * its output is read only by this node (and is no graph output). A group thus always has one
 * output, written by its last node (the root). Every group of two or more nodes is replaced,
 * at its root's position, by one FusedElementwise whose inputs are the values the group reads
 * from outside; scalar constants (one element) are folded into the program as immediates.
 *
 * Then epilogues: a FusedElementwise (or a lone elementwise node) reading the output of a Linear,
 * or of a MatMul by a rank-2 b (the same computation with transpose_w=0), that nothing else
 * reads becomes one FusedLinear whose epilogue is the group's program, provided its other inputs
 * are the whole output, one row of features, or one element (what the C emitter indexes).
 * Likewise after an f32 RMSNorm/LayerNorm that nothing else reads: one FusedNorm. */
#include <stdlib.h>
#include <string.h>

#include "pass_util.h"

/* The fused opcode of an elementwise node (its CORE row in ir/scalar.h), or -1 when the node
 * cannot join a group. */
static int fops_opcode(const IrGraph *g, const IrNode *n) {
    if (n->n_outputs != 1) return -1;
    const IrType *t = &g->values[n->outputs[0]].type;
    if ((t->dtype != IR_DTYPE_F32 && t->dtype != IR_DTYPE_F64) || !ir_type_is_static(t)) return -1;
    for (int i = 0; i < n->n_inputs; i++)
        if (n->inputs[i] < 0 || g->values[n->inputs[i]].type.dtype != t->dtype) return -1;
    return ir_scalar_of_node(n); /* -1 unless the op is flagged IR_OPF_EPILOGUE */
}

/* A constant of one element, usable as an immediate. */
static bool fops_scalar(const IrGraph *g, int v, double *x) {
    if (!pu_is_const(g, v)) return false;
    const IrValue *val = &g->values[v];
    size_t es = ir_dtype_size(val->type.dtype);
    if (val->nbytes != es) return false;
    if (val->type.dtype == IR_DTYPE_F32)
        *x = *(const float *)val->data;
    else
        *x = *(const double *)val->data;
    return true;
}

/* Replaces the group whose members are marked member[ni] == root by one fused node. */
static void fops_build(IrGraph *g, const int *group, int root, bool *dead, PassStats *stats) {
    int nn = root + 1;
    int n_regs_max = 0;
    for (int ni = 0; ni <= root; ni++)
        if (group[ni] == root) n_regs_max += 1 + g->nodes[ni].n_inputs * 2;
    int *ext = malloc(sizeof *ext * (size_t)n_regs_max);
    int *reg_of_node = malloc(sizeof *reg_of_node * (size_t)nn);
    int64_t *prog = malloc(sizeof *prog * 3 * (size_t)n_regs_max);
    double *consts = malloc(sizeof *consts * (size_t)n_regs_max);
    KILN_ASSERT(ext && reg_of_node && prog && consts);
    int n_ext = 0, n_prog = 0, n_consts = 0, members = 0;
    char names[1024] = "";
    /* External inputs first: they are registers 0..n_ext-1. */
    for (int ni = 0; ni <= root; ni++) {
        if (group[ni] != root) continue;
        const IrNode *n = &g->nodes[ni];
        for (int i = 0; i < n->n_inputs; i++) {
            int v = n->inputs[i], p = g->values[v].producer;
            double x;
            if ((p >= 0 && p <= root && group[p] == root) || fops_scalar(g, v, &x)) continue;
            bool known = false;
            for (int k = 0; k < n_ext; k++) known = known || ext[k] == v;
            if (!known) ext[n_ext++] = v;
        }
    }
    int reg = n_ext;
    for (int ni = 0; ni <= root; ni++) {
        if (group[ni] != root) continue;
        const IrNode *n = &g->nodes[ni];
        int r[2] = {0, 0};
        for (int i = 0; i < n->n_inputs && i < 2; i++) {
            int v = n->inputs[i], p = g->values[v].producer;
            double x;
            if (p >= 0 && p <= root && group[p] == root) {
                r[i] = reg_of_node[p];
            } else if (fops_scalar(g, v, &x)) {
                consts[n_consts] = x;
                prog[n_prog++] = IR_FUSED_CONST;
                prog[n_prog++] = n_consts++;
                prog[n_prog++] = 0;
                r[i] = reg++;
            } else {
                for (int k = 0; k < n_ext; k++)
                    if (ext[k] == v) r[i] = k;
            }
        }
        int op = fops_opcode(g, n);
        prog[n_prog++] = op;
        prog[n_prog++] = r[0];
        if (ir_fused_slot_is_param(op, 1)) {
            double p[3];
            ir_scalar_node_params(n, p);
            consts[n_consts] = p[0];
            prog[n_prog++] = n_consts++;
        } else {
            prog[n_prog++] = n->n_inputs > 1 ? r[1] : 0;
        }
        reg_of_node[ni] = reg++;
        dead[ni] = true;
        members++;
        strncat(names, members > 1 ? ", " : "", sizeof names - strlen(names) - 1);
        strncat(names, n->name, sizeof names - strlen(names) - 1);
    }
    int y = g->nodes[root].outputs[0];
    g->nodes[root].n_outputs = 0; /* keep the new node as y's producer when root goes */
    char base[1100];
    snprintf(base, sizeof base, "%s.fused", g->nodes[root].name);
    int f = pu_node_add(g, IR_OP_FUSED_ELEMENTWISE, base, ext, n_ext, &y, 1, root);
    ir_attr_set_ints(g, f, "program", prog, n_prog);
    if (n_consts) ir_attr_set_floats(g, f, "constants", consts, n_consts);
    ir_attr_set_string(g, f, "nodes", names);
    if (stats) stats->fused_ops += members;
    free(ext);
    free(reg_of_node);
    free(prog);
    free(consts);
}

/* True when node ni is a Linear, or a MatMul that computes one (b of rank 2), in f32 with static
 * shapes, whose only output is read once and is no graph output. */
static bool fops_base(const IrGraph *g, int ni, const int *uses) {
    const IrNode *n = &g->nodes[ni];
    if (n->op != IR_OP_LINEAR && n->op != IR_OP_MATMUL) return false;
    int y = n->outputs[0];
    const IrType *t = &g->values[y].type;
    if (t->dtype != IR_DTYPE_F32 || !ir_type_is_static(t) || uses[y] != 1 ||
        pu_is_graph_output(g, y))
        return false;
    if (n->op == IR_OP_LINEAR) return true;
    const IrType *a = &g->values[n->inputs[0]].type, *b = &g->values[n->inputs[1]].type;
    return a->rank >= 1 && b->rank == 2 && a->dtype == IR_DTYPE_F32 && b->dtype == IR_DTYPE_F32;
}

/* True when node ni is an RMSNorm or LayerNorm in f32 with static shapes whose only output is
 * read once and is no graph output (so the epilogue may rewrite it in place). */
static bool fops_norm_base(const IrGraph *g, int ni, const int *uses) {
    const IrNode *n = &g->nodes[ni];
    if (n->op != IR_OP_RMSNORM && n->op != IR_OP_LAYERNORM) return false;
    int y = n->outputs[0];
    const IrType *t = &g->values[y].type;
    return t->dtype == IR_DTYPE_F32 && ir_type_is_static(t) && t->rank >= 1 && uses[y] == 1 &&
           !pu_is_graph_output(g, y);
}

/* The FusedLinear index class of epilogue input v for output type out with nfeat features. */
static bool fops_epilogue_input_ok(const IrGraph *g, int v, const IrType *out, int64_t nfeat) {
    const IrType *t = &g->values[v].type;
    int64_t numel = 1, onumel = 1;
    for (int i = 0; i < t->rank; i++) numel *= t->dims[i].size;
    for (int i = 0; i < out->rank; i++) onumel *= out->dims[i].size;
    if (numel == 1) return true;
    if (numel == onumel) return ir_type_equal(t, out) || t->rank <= out->rank;
    return t->rank >= 1 && numel == nfeat && t->dims[t->rank - 1].size == nfeat;
}

/* Folds FusedElementwise node fi into the Linear/MatMul (or RMSNorm/LayerNorm) producing its
 * input slot; returns whether it did (marking both dead and adding the FusedLinear/FusedNorm). */
static bool fops_epilogue(IrGraph *g, int fi, const int *uses, bool *dead, PassStats *stats) {
    const IrNode *f = &g->nodes[fi];
    int y = f->outputs[0];
    const IrType *out = &g->values[y].type;
    for (int slot = 0; slot < f->n_inputs; slot++) {
        int v = f->inputs[slot], p = g->values[v].producer;
        if (p < 0 || dead[p] || !ir_type_equal(&g->values[v].type, out)) continue;
        bool norm = fops_norm_base(g, p, uses);
        if (!norm && !fops_base(g, p, uses)) continue;
        int64_t nfeat = out->dims[out->rank - 1].size;
        bool ok = f->n_inputs - 1 + 3 <= IR_FUSED_MAX_REGS;
        for (int i = 0; ok && i < f->n_inputs; i++)
            ok = i == slot ||
                 (f->inputs[i] != v && fops_epilogue_input_ok(g, f->inputs[i], out, nfeat));
        if (!ok) continue;
        const IrNode *b = &g->nodes[p];
        int n_in = f->n_inputs + 2;
        int *in = malloc(sizeof *in * (size_t)n_in);
        const IrAttr *prog = ir_attr_find(f, "program");
        int64_t *code = malloc(sizeof *code * (size_t)prog->count);
        KILN_ASSERT(in && code);
        in[0] = b->inputs[0];
        in[1] = b->n_inputs > 1 ? b->inputs[1] : -1;
        in[2] = (b->op == IR_OP_LINEAR || norm) && b->n_inputs > 2 ? b->inputs[2] : -1;
        /* register map: the slot becomes 0, the other inputs 1..; program registers keep their
         * numbers (there are as many input registers as before) */
        int map[IR_FUSED_MAX_REGS];
        for (int i = 0, k = 1; i < f->n_inputs; i++) {
            if (i == slot) {
                map[i] = 0;
            } else {
                map[i] = k;
                in[2 + k] = f->inputs[i];
                k++;
            }
        }
        for (int j = 0; j < prog->count; j += 3) {
            int64_t op = prog->ints[j], a = prog->ints[j + 1], c = prog->ints[j + 2];
            if (ir_fused_slot_is_reg(op, 0) && a < f->n_inputs) a = map[a];
            if (ir_fused_slot_is_reg(op, 1) && c < f->n_inputs) c = map[c];
            code[j] = op;
            code[j + 1] = a;
            code[j + 2] = c;
        }
        char names[1400];
        snprintf(names, sizeof names, "%s, %s", b->name, ir_attr_string(f, "nodes"));
        char base[1100];
        snprintf(base, sizeof base, "%s.fused", b->name);
        int tw = b->op == IR_OP_LINEAR ? (int)ir_attr_int(b, "transpose_w") : 0;
        int64_t axis = norm ? ir_attr_int(b, "axis") : 0;
        double eps = norm ? ir_attr_float(b, "epsilon") : 0.0;
        const char *base_op = b->op == IR_OP_RMSNORM ? "RMSNorm" : "LayerNorm";
        const IrAttr *consts = ir_attr_find(f, "constants");
        double *kc = NULL;
        int n_consts = consts ? consts->count : 0;
        if (n_consts) {
            kc = malloc(sizeof *kc * (size_t)n_consts);
            KILN_ASSERT(kc != NULL);
            memcpy(kc, consts->floats, sizeof *kc * (size_t)n_consts);
        }
        dead[p] = true;
        dead[fi] = true;
        g->nodes[fi].n_outputs = 0;
        int nn =
            pu_node_add(g, norm ? IR_OP_FUSED_NORM : IR_OP_FUSED_LINEAR, base, in, n_in, &y, 1, p);
        if (norm) {
            ir_attr_set_string(g, nn, "base", base_op);
            ir_attr_set_int(g, nn, "axis", axis);
            ir_attr_set_float(g, nn, "epsilon", eps);
        } else {
            ir_attr_set_int(g, nn, "transpose_w", tw);
        }
        ir_attr_set_ints(g, nn, "program", code, prog->count);
        if (n_consts) ir_attr_set_floats(g, nn, "constants", kc, n_consts);
        ir_attr_set_string(g, nn, "nodes", names);
        if (stats) stats->fused_ops += 1;
        free(kc);
        free(in);
        free(code);
        return true;
    }
    return false;
}

/* Recounts uses[] (g->n_values entries) over the nodes not marked dead, plus graph outputs. */
static void fops_live_uses(const IrGraph *g, const bool *dead, int *uses) {
    memset(uses, 0, sizeof *uses * (size_t)g->n_values);
    for (int ni = 0; ni < g->n_nodes; ni++) {
        if (dead[ni]) continue;
        for (int i = 0; i < g->nodes[ni].n_inputs; i++)
            if (g->nodes[ni].inputs[i] >= 0) uses[g->nodes[ni].inputs[i]]++;
    }
    for (int i = 0; i < g->n_outputs; i++) uses[g->outputs[i]]++;
}

bool pass_fuse_ops(IrGraph *g, const PassOptions *opt, Diag *d) {
    (void)d;
    int nn = g->n_nodes;
    if (nn == 0) return true;
    int *uses = pu_use_counts(g);
    int *group = malloc(sizeof *group * (size_t)nn); /* root node of each node's group, or -1 */
    int *size = calloc((size_t)nn, sizeof *size);
    bool *dead = calloc((size_t)nn, sizeof *dead);
    KILN_ASSERT(group && size && dead);
    for (int ni = 0; ni < nn; ni++) {
        const IrNode *n = &g->nodes[ni];
        group[ni] = -1;
        if (fops_opcode(g, n) < 0) continue;
        group[ni] = ni;
        size[ni] = 1;
        const IrType *t = &g->values[n->outputs[0]].type;
        for (int i = 0; i < n->n_inputs; i++) {
            int v = n->inputs[i], p = g->values[v].producer;
            if (p < 0 || group[p] != p || uses[v] != 1 || pu_is_graph_output(g, v) ||
                !ir_type_equal(&g->values[v].type, t))
                continue;
            /* p is the root of its group; the whole group joins ni's */
            for (int k = 0; k < ni; k++)
                if (group[k] == p) group[k] = ni;
            size[ni] += size[p];
            size[p] = 0;
        }
    }
    bool changed = false;
    for (int ni = 0; ni < nn; ni++) {
        if (group[ni] != ni) continue;
        bool feeds = false; /* a lone node after a Linear/MatMul/norm becomes an epilogue too */
        for (int i = 0; size[ni] == 1 && i < g->nodes[ni].n_inputs; i++) {
            int p = g->values[g->nodes[ni].inputs[i]].producer;
            feeds = feeds || (p >= 0 && (fops_base(g, p, uses) || fops_norm_base(g, p, uses)));
        }
        if (size[ni] < 2 && !feeds) continue;
        fops_build(g, group, ni, dead, opt->stats);
        changed = true;
    }
    if (changed) {
        int n_built = g->n_nodes;
        bool *all = calloc((size_t)g->n_nodes * 2 + 1, sizeof *all);
        KILN_ASSERT(all != NULL);
        memcpy(all, dead, sizeof *dead * (size_t)nn);
        /* A value several members of one group read (x in GELU's x * 0.5 * (1 + tanh(x ...)))
         * is read once by the fused node: count the readers that remain. */
        fops_live_uses(g, all, uses);
        for (int fi = nn; fi < n_built; fi++)
            if (g->nodes[fi].op == IR_OP_FUSED_ELEMENTWISE)
                fops_epilogue(g, fi, uses, all, opt->stats);
        pu_remove_nodes(g, all);
        pu_toposort(g);
        free(all);
    }
    free(uses);
    free(group);
    free(size);
    free(dead);
    return true;
}
