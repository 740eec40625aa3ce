/* The CUDA kernels of each node (cgcu.h): a node's loop records become grid-stride loops over
 * their points in one __global__ function (a fused elementwise chain is one kernel with its
 * registers as locals), its call becomes a __global__ function calling the device runtime
 * (runtime/cuda/krt_cuda_kernels.cuh) with the record's sizes as constants and, for
 * FusedLinear and FusedNorm, the epilogue as a functor applied before each store. */
#include "cgcu.h"

#include <stdlib.h>
#include <string.h>

#define CGCU_BLOCK 256      /* threads per block of the loop kernels */
#define CGCU_MAX_GRID 65535 /* blocks of a grid-stride launch (every loop strides over them) */

const char *cgcu_ctype(IrDtype t) {
    switch (t) {
    case IR_DTYPE_F32:
        return "float";
    case IR_DTYPE_F64:
        return "double";
    case IR_DTYPE_I64:
        return "long long";
    case IR_DTYPE_I32:
        return "int";
    case IR_DTYPE_F16:
    case IR_DTYPE_BF16:
        return "unsigned short";
    case IR_DTYPE_I8:
        return "signed char";
    case IR_DTYPE_U8:
    case IR_DTYPE_BOOL:
        return "unsigned char";
    case IR_DTYPE_COUNT:
        break;
    }
    KILN_ASSERT(!"unknown dtype");
    return "void";
}

/* The value behind operand o of node n. */
static int cgcu_operand_value(const IrNode *n, const CgOperand *o) {
    return o->output ? n->outputs[o->slot] : n->inputs[o->slot];
}

/* Blocks for `points` grid-stride points of CGCU_BLOCK threads (at least 1). */
static unsigned cgcu_blocks(int64_t points) {
    int64_t b = (points + CGCU_BLOCK - 1) / CGCU_BLOCK;
    return b < 1 ? 1u : b > CGCU_MAX_GRID ? (unsigned)CGCU_MAX_GRID : (unsigned)b;
}

static void cgcu_launch_1d(CgcuLaunch *l, unsigned blocks, unsigned threads) {
    l->grid[0] = blocks;
    l->grid[1] = l->grid[2] = 1;
    l->block[0] = threads;
    l->block[1] = l->block[2] = 1;
}

/* The byte range of value v when it lives in the workspace arena (not a graph input or
 * output, not a constant). */
static bool cgcu_arena_range(const IrGraph *g, int v, int64_t *start, int64_t *end) {
    const IrValue *val = ir_value(g, v);
    for (int i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] == v) return false;
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v) return false;
    size_t bytes = 0;
    if (val->data || val->arena_offset < 0 || !ir_type_nbytes(&val->type, &bytes)) return false;
    *start = val->arena_offset;
    *end = val->arena_offset + (int64_t)bytes;
    return true;
}

/* Whether loop l of node n must run in order on one thread: its stored operand shares bytes
 * with a loaded one other than element for element (the same bytes read at the same strides,
 * which every thread reads before it writes), or the record asks for a reverse order (an
 * in-place widening Cast). */
static bool cgcu_loop_sequential(const IrGraph *g, const IrNode *n, const CgLoop *l) {
    if (l->reverse) return true;
    int64_t s0, e0;
    if (!cgcu_arena_range(g, cgcu_operand_value(n, &l->operands[0]), &s0, &e0)) return false;
    for (int k = 1; k < l->n_operands; k++) {
        const CgOperand *o = &l->operands[k];
        int64_t s, e;
        if (o->absent || !cgcu_arena_range(g, cgcu_operand_value(n, o), &s, &e)) continue;
        if (e <= s0 || s >= e0) continue;
        bool same = s == s0 && e == e0 && o->base == l->operands[0].base;
        for (int d = 0; same && d < l->rank; d++)
            same = o->strides[d] == l->operands[0].strides[d] ||
                   (l->dims[d] == 1); /* a dim of 1 is never stepped */
        if (!same) return true;
    }
    return false;
}

/* A loop's dims with dims of 1 dropped and neighbours merged where every operand steps
 * contiguously from the inner dim to the outer one. */
typedef struct CgcuShape {
    int rank;
    int64_t dims[IR_MAX_RANK];
    int64_t strides[CG_CALL_MAX_OPERANDS > 16 ? CG_CALL_MAX_OPERANDS : 16][IR_MAX_RANK];
    int64_t points;
} CgcuShape;

static void cgcu_shape_of(const CgLoop *l, CgcuShape *s) {
    memset(s, 0, sizeof *s);
    KILN_ASSERT(l->n_operands <= 16);
    s->points = 1;
    for (int d = 0; d < l->rank; d++) {
        s->points *= l->dims[d];
        if (l->dims[d] == 1) continue;
        int r = s->rank;
        bool merge = r > 0;
        for (int k = 0; merge && k < l->n_operands; k++)
            merge = s->strides[k][r - 1] == l->operands[k].strides[d] * l->dims[d];
        for (int k = 0; k < l->n_operands; k++)
            s->strides[k][merge ? r - 1 : r] = l->operands[k].strides[d];
        if (merge)
            s->dims[r - 1] *= l->dims[d];
        else
            s->dims[s->rank++] = l->dims[d];
    }
}

/* Writes the element index of operand k at the point (i0, i1, ...) of shape s. */
static void cgcu_put_index(FILE *f, const CgcuShape *s, const CgOperand *o, int k) {
    fprintf(f, "%lld", (long long)o->base);
    for (int d = 0; d < s->rank; d++)
        if (s->strides[k][d] != 0) fprintf(f, " + i%d * %lldLL", d, (long long)s->strides[k][d]);
}

/* The operand's name in the kernel: x<slot> or y<slot>. */
static const char *cgcu_name(const CgOperand *o, char *buf, size_t cap) {
    snprintf(buf, cap, "%s%d", o->output ? "y" : "x", o->slot);
    return buf;
}

/* Writes the grid-stride loop over the points of l, decomposing each into i0, i1, ... */
static void cgcu_loop_open(FILE *f, const CgcuShape *s, bool reverse) {
    fprintf(f, "    for (long long p = krt_cu_thread(); p < %lldLL; p += krt_cu_threads()) {\n",
            (long long)s->points);
    if (reverse) /* the points last to first */
        fprintf(f, "        long long t = %lldLL - 1 - p;\n", (long long)s->points);
    else
        fputs("        long long t = p;\n", f);
    for (int d = s->rank - 1; d >= 0; d--) {
        if (d > 0)
            fprintf(f, "        const long long i%d = t %% %lldLL;\n        t /= %lldLL;\n", d,
                    (long long)s->dims[d], (long long)s->dims[d]);
        else
            fprintf(f, "        const long long i0 = t;\n");
    }
    fputs("        (void)t;\n", f);
}

/* The expression reading operand value `v` of dtype t as the computing float type. */
static void cgcu_widen(IrDtype t, const char *v, char *buf, size_t cap) {
    if (t == IR_DTYPE_F16)
        snprintf(buf, cap, "krt_cu_f16_to_f32(%s)", v);
    else if (t == IR_DTYPE_BF16)
        snprintf(buf, cap, "krt_cu_bf16_to_f32(%s)", v);
    else
        snprintf(buf, cap, "%s", v);
}

/* Writes the scalar program of loop l (operands 1.. loaded into r0.., instructions after
 * them) as const locals of type ctype, the loads through `load(k)`; false when a row cannot
 * be rendered. */
static bool cgcu_program(CgcEmitter *e, const IrNode *n, const CgLoop *l, const char *ctype,
                         const char *sfx, const char *indent, const char *const *loads) {
    for (int k = 1; k < l->n_operands; k++)
        fprintf(e->f, "%sconst %s r%d = %s;\n", indent, ctype, k - 1, loads[k]);
    int reg = l->n_operands - 1;
    for (int j = 0; j < l->n_instrs; j++, reg++) {
        const CgInstr *in = &l->program[j];
        char regs[2][32] = {"", ""};
        const char *operands[2] = {regs[0], regs[1]};
        if (in->a >= 0) snprintf(regs[0], sizeof regs[0], "r%d", in->a);
        if (in->b >= 0) snprintf(regs[1], sizeof regs[1], "r%d", in->b);
        char expr[512];
        if (!cgc_scalar_expr(e, n, in->fn, operands, in->params, ctype, sfx, expr, sizeof expr))
            return false;
        fprintf(e->f, "%sconst %s r%d = %s;\n", indent, ctype, reg, expr);
    }
    return true;
}

/* One loop record of node n as a grid-stride loop (the kernel's braces are the caller's). */
static bool cgcu_emit_loop(CgcEmitter *e, const IrNode *n, const CgLoop *l, bool reverse) {
    const IrGraph *g = e->g;
    FILE *f = e->f;
    CgcuShape s;
    cgcu_shape_of(l, &s);
    if (s.points == 0) return true;
    char idx[16][256], names[16][16];
    for (int k = 0; k < l->n_operands; k++) {
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        KILN_ASSERT(m != NULL);
        cgcu_name(&l->operands[k], names[k], sizeof names[k]);
        fprintf(m, "%s[", names[k]);
        cgcu_put_index(m, &s, &l->operands[k], k);
        fputc(']', m);
        KILN_ASSERT(fclose(m) == 0);
        if (len >= sizeof idx[k]) {
            free(text);
            return cgc_node_fail(e, n, "an index expression is too long");
        }
        memcpy(idx[k], text, len + 1);
        free(text);
    }
    IrDtype out = ir_value(g, cgcu_operand_value(n, &l->operands[0]))->type.dtype;
    if (l->body == CG_BODY_COPY) {
        IrDtype src = ir_value(g, cgcu_operand_value(n, &l->operands[1]))->type.dtype;
        cgcu_loop_open(f, &s, reverse);
        if (src == out) {
            fprintf(f, "        %s = %s;\n    }\n", idx[0], idx[1]);
            return true;
        }
        char load[300], conv[160];
        cgcu_widen(src, idx[1], load, sizeof load);
        cgc_cast_expr(src, out, "krt_cu_", cgcu_ctype, conv, sizeof conv);
        bool narrow = src == IR_DTYPE_F16 || src == IR_DTYPE_BF16;
        fprintf(f, "        const %s v = %s;\n        %s = %s;\n    }\n",
                narrow ? "float" : cgcu_ctype(src), load, idx[0], conv);
        return true;
    }
    if (l->body != CG_BODY_PROGRAM)
        return cgc_node_fail(e, n,
                             l->body == CG_BODY_OP     ? "its elementwise function (no scalar row) "
                                                         "is not in the CUDA backend yet"
                             : l->body == CG_BODY_SCAN ? "scans are not in the CUDA backend yet"
                                                       : "reductions are not in the CUDA backend "
                                                         "yet");
    if (out != IR_DTYPE_F32 && out != IR_DTYPE_F64) return cgc_unsupported_dtype(e, n, out);
    for (int k = 1; k < l->n_operands; k++)
        if (ir_value(g, cgcu_operand_value(n, &l->operands[k]))->type.dtype != out)
            return cgc_unsupported_dtype(
                e, n, ir_value(g, cgcu_operand_value(n, &l->operands[k]))->type.dtype);
    const char *loads[16];
    for (int k = 0; k < l->n_operands; k++) loads[k] = idx[k];
    cgcu_loop_open(f, &s, reverse);
    if (!cgcu_program(e, n, l, cgcu_ctype(out), out == IR_DTYPE_F32 ? "f" : "", "        ", loads))
        return false;
    fprintf(f, "        %s = r%d;\n    }\n", idx[0], l->n_operands - 2 + l->n_instrs);
    return true;
}

/* The parameters of node n's kernels: its present inputs, its outputs, then the extras. */
static void cgcu_put_params(FILE *f, const IrGraph *g, const IrNode *n, const CgcuNode *node) {
    bool first = true;
    for (int j = 0; j < n->n_inputs; j++) {
        if (n->inputs[j] < 0) continue;
        fprintf(f, "%sconst %s *x%d", first ? "" : ", ",
                cgcu_ctype(ir_value(g, n->inputs[j])->type.dtype), j);
        first = false;
    }
    for (int j = 0; j < n->n_outputs; j++) {
        fprintf(f, "%s%s *y%d", first ? "" : ", ",
                cgcu_ctype(ir_value(g, n->outputs[j])->type.dtype), j);
        first = false;
    }
    if (node->kv) fputs(", float *kc, float *vc, long long kv_pos, long long kv_rows", f);
    if (node->status) fputs(", unsigned *status", f);
}

/* Opens kernel `name` of node n. */
static void cgcu_open_kernel(CgcEmitter *e, const IrNode *n, const CgcuNode *node,
                             const char *name) {
    fprintf(e->f, "extern \"C\" __global__ void %s(", name);
    cgcu_put_params(e->f, e->g, n, node);
    fputs(") {\n", e->f);
}

/* Every input present and the output f32 (the device runtime's kernels are f32). */
static bool cgcu_require_f32(CgcEmitter *e, const IrNode *n) {
    for (int i = 0; i < n->n_inputs; i++)
        if (cgc_has_input(n, i) && cgc_in_type(e, n, i)->dtype != IR_DTYPE_F32)
            return cgc_unsupported_dtype(e, n, cgc_in_type(e, n, i)->dtype);
    for (int i = 0; i < n->n_outputs; i++)
        if (cgc_out_type(e, n, i)->dtype != IR_DTYPE_F32)
            return cgc_unsupported_dtype(e, n, cgc_out_type(e, n, i)->dtype);
    return true;
}

/* Writes the epilogue functor `struct node_<i>_epi` of call c (its operands 2.. are the
 * node's epilogue inputs, indexed over the loop's dims [D0, D1] from the flat output index),
 * or nothing when c has none; *type receives the functor type the kernel passes. */
static bool cgcu_epilogue(CgcEmitter *e, const IrNode *n, int index, const CgCall *c, char *type,
                          size_t cap) {
    if (!c->epilogue) {
        snprintf(type, cap, "KrtCuNoEpi()");
        return true;
    }
    const CgLoop *l = c->epilogue;
    KILN_ASSERT(l->rank == 2);
    FILE *f = e->f;
    fprintf(f,
            "/* the epilogue of node %d, applied to each output element before its store */\n"
            "struct node_%d_epi {\n",
            index, index);
    for (int k = 2; k < l->n_operands; k++)
        fprintf(f, "    const float *x%d;\n", l->operands[k].slot);
    fprintf(f,
            "    __device__ float operator()(long long e, float v) const {\n"
            "        const long long i0 = e / %lldLL, i1 = e %% %lldLL;\n"
            "        (void)i0;\n        (void)i1;\n",
            (long long)l->dims[1], (long long)l->dims[1]);
    char idx[16][160];
    const char *loads[16] = {"v", "v"}; /* operand 1 (the output) is the kernel's value */
    for (int k = 2; k < l->n_operands; k++) {
        const CgOperand *o = &l->operands[k];
        snprintf(idx[k], sizeof idx[k], "x%d[%lldLL + i0 * %lldLL + i1 * %lldLL]", o->slot,
                 (long long)o->base, (long long)o->strides[0], (long long)o->strides[1]);
        loads[k] = idx[k];
    }
    /* register 0 is the output element itself (operands 0 and 1 are the output) */
    if (!cgcu_program(e, n, l, "float", "f", "        ", loads)) return false;
    int reg = l->n_operands - 1 + l->n_instrs;
    fprintf(f, "        return r%d;\n    }\n};\n\n", reg - 1);
    int len = snprintf(type, cap, "node_%d_epi{", index);
    for (int k = 2; k < l->n_operands && len > 0 && (size_t)len < cap; k++)
        len += snprintf(type + len, cap - (size_t)len, "%sx%d", k > 2 ? ", " : "",
                        l->operands[k].slot);
    if (len > 0 && (size_t)len < cap) snprintf(type + len, cap - (size_t)len, "}");
    return true;
}

/* A literal of v for the kernel text; false (recorded) when v is not finite. */
static bool cgcu_lit(CgcEmitter *e, const IrNode *n, double v, const char *what, char *buf,
                     size_t cap) {
    if (cgc_double_literal(v, "", buf, cap)) return true;
    char msg[96];
    snprintf(msg, sizeof msg, "%s must be finite", what);
    return cgc_node_fail(e, n, msg);
}

/* Grid rows for a kernel that strides its blocks over `units`. */
static unsigned cgcu_units(int64_t units) {
    return units < 1 ? 1u : units > CGCU_MAX_GRID ? (unsigned)CGCU_MAX_GRID : (unsigned)units;
}

/* A call record of node n (index i) as its kernels. */
static bool cgcu_emit_call(CgcEmitter *e, const IrNode *n, int i, const CgCall *c, CgcuNode *node) {
    FILE *f = e->f;
    const int64_t *p = c->params;
    char name[48], epi[256], a[3][64];
    snprintf(name, sizeof name, "node_%d", i);
    /* Gather moves any dtype; Rotary's positions are integers (checked below) */
    if (c->id == CG_KRT_ROTARY_F32) {
        if (cgc_in_type(e, n, 0)->dtype != IR_DTYPE_F32)
            return cgc_unsupported_dtype(e, n, cgc_in_type(e, n, 0)->dtype);
        if (cgc_out_type(e, n, 0)->dtype != IR_DTYPE_F32)
            return cgc_unsupported_dtype(e, n, cgc_out_type(e, n, 0)->dtype);
    } else if (c->id != CG_KRT_GATHER && !cgcu_require_f32(e, n)) {
        return false;
    }
    if (c->batch_rank > 0 && c->id != CG_KRT_MATMUL_F32)
        return cgc_node_fail(e, n, "a batched call of this kernel is not in the CUDA backend yet");
    CgcuLaunch *l = &node->launches[0];
    snprintf(l->name, sizeof l->name, "%s", name);
    node->n_launches = 1;
    char opn[CG_CALL_MAX_OPERANDS][16];
    for (int k = 0; k < c->n_operands; k++) {
        if (c->operands[k].absent)
            snprintf(opn[k], sizeof opn[k], "nullptr");
        else
            cgcu_name(&c->operands[k], opn[k], sizeof opn[k]);
    }
    switch (c->id) {
    case CG_KRT_MATMUL_F32:
    case CG_KRT_LINEAR_F32: {
        bool mm = c->id == CG_KRT_MATMUL_F32;
        int64_t m = p[0], k = p[1], nn = p[2];
        int64_t gx = (nn + 15) / 16, gy = (m + 15) / 16, batch = 1;
        for (int d = 0; d < c->batch_rank; d++) batch *= c->batch_dims[d];
        if (m * nn * batch == 0) {
            node->n_launches = 0;
            return true;
        }
        if (gx > 2147483647 || gy > CGCU_MAX_GRID)
            return cgc_node_fail(e, n, "the output is too large for one CUDA grid");
        if (!cgcu_epilogue(e, n, i, c, epi, sizeof epi)) return false;
        cgcu_open_kernel(e, n, node, name);
        fprintf(f, "    /* x [%lld, %lld] . W [%lld, %lld]%s */\n", (long long)m, (long long)k,
                (long long)k, (long long)nn, mm || c->operands[2].absent ? "" : " + bias [N]");
        if (mm) {
            /* the batch: blockIdx.z strides over the batch points, each operand at its base +
             * the point's index . strides */
            fprintf(f,
                    "    for (long long z = blockIdx.z; z < %lldLL; z += gridDim.z) {\n"
                    "        long long oa = %lldLL, ob = %lldLL, oc = %lldLL;\n",
                    (long long)batch, (long long)c->operands[0].base,
                    (long long)c->operands[1].base, (long long)c->operands[2].base);
            if (c->batch_rank == 0) fputs("        (void)z;\n", f);
            if (c->batch_rank > 0) fputs("        long long t = z;\n", f);
            for (int d = c->batch_rank - 1; d >= 0; d--) {
                fprintf(f,
                        "        { const long long id = t %% %lldLL; t /= %lldLL;\n"
                        "          oa += id * %lldLL; ob += id * %lldLL; oc += id * %lldLL; }\n",
                        (long long)c->batch_dims[d], (long long)c->batch_dims[d],
                        (long long)c->operands[0].strides[d], (long long)c->operands[1].strides[d],
                        (long long)c->operands[2].strides[d]);
            }
            fprintf(f,
                    "        krt_cu_linear_f32(x0 + oa, x1 + ob, nullptr, y0 + oc, %lldLL, "
                    "%lldLL, %lldLL, 0, %s);\n    }\n}\n\n",
                    (long long)m, (long long)k, (long long)nn, epi);
        } else {
            fprintf(f,
                    "    krt_cu_linear_f32(x0, x1, %s, y0, %lldLL, %lldLL, %lldLL, %d, %s);\n}\n\n",
                    opn[2], (long long)m, (long long)k, (long long)nn, (int)p[3], epi);
        }
        l->grid[0] = (unsigned)gx;
        l->grid[1] = (unsigned)gy;
        l->grid[2] = cgcu_units(batch);
        l->block[0] = l->block[1] = 16;
        l->block[2] = 1;
        return true;
    }
    case CG_KRT_SOFTMAX_F32:
        if (p[0] * p[1] * p[2] == 0) {
            node->n_launches = 0;
            return true;
        }
        cgcu_open_kernel(e, n, node, name);
        fprintf(f, "    krt_cu_softmax_f32(x0, y0, %lldLL, %lldLL, %lldLL);\n}\n\n",
                (long long)p[0], (long long)p[1], (long long)p[2]);
        cgcu_launch_1d(l, cgcu_units(p[0] * p[2]), 256);
        return true;
    case CG_KRT_RMSNORM_F32:
    case CG_KRT_LAYERNORM_F32: {
        if (p[0] * p[1] == 0) {
            node->n_launches = 0;
            return true;
        }
        if (!cgcu_lit(e, n, c->floats[0], "epsilon", a[0], sizeof a[0])) return false;
        if (!cgcu_epilogue(e, n, i, c, epi, sizeof epi)) return false;
        cgcu_open_kernel(e, n, node, name);
        if (c->id == CG_KRT_RMSNORM_F32)
            fprintf(f, "    krt_cu_rmsnorm_f32(x0, %s, y0, %lldLL, %lldLL, %s, %s);\n}\n\n", opn[1],
                    (long long)p[0], (long long)p[1], a[0], epi);
        else
            fprintf(f, "    krt_cu_layernorm_f32(x0, %s, %s, y0, %lldLL, %lldLL, %s, %s);\n}\n\n",
                    opn[1], opn[2], (long long)p[0], (long long)p[1], a[0], epi);
        cgcu_launch_1d(l, cgcu_units(p[0]), 256);
        return true;
    }
    case CG_KRT_ROTARY_F32: {
        /* batch s h d rotary_dim interleaved position_offset */
        if (!cgcu_lit(e, n, c->floats[0], "theta", a[0], sizeof a[0])) return false;
        const char *p64 = "nullptr", *p32 = "nullptr";
        if (!c->operands[1].absent) {
            IrDtype pt = cgc_in_type(e, n, 1)->dtype;
            if (pt == IR_DTYPE_I64)
                p64 = "x1";
            else if (pt == IR_DTYPE_I32)
                p32 = "x1";
            else
                return cgc_unsupported_dtype(e, n, pt);
        }
        int64_t units = p[0] * p[1] * p[2] * (p[3] > p[4] / 2 ? p[3] : p[4] / 2);
        if (units == 0) {
            node->n_launches = 0;
            return true;
        }
        cgcu_open_kernel(e, n, node, name);
        fprintf(f,
                "    krt_cu_rotary_f32(x0, y0, %lldLL, %lldLL, %lldLL, %lldLL, %lldLL, %d, %s, "
                "%s, %s, %lldLL);\n}\n\n",
                (long long)p[0], (long long)p[1], (long long)p[2], (long long)p[3], (long long)p[4],
                (int)p[5], a[0], p64, p32, (long long)p[6]);
        cgcu_launch_1d(l, cgcu_blocks(units), CGCU_BLOCK);
        return true;
    }
    case CG_KRT_ATTENTION_F32: {
        /* batch sq skv hq hkv d dv causal */
        if (p[6] > 512) return cgc_node_fail(e, n, "value heads wider than 512 channels");
        if (!cgcu_lit(e, n, c->floats[0], "scale", a[0], sizeof a[0])) return false;
        int64_t units = p[0] * p[1] * p[3];
        if (units == 0 || p[6] == 0) {
            node->n_launches = 0;
            return true;
        }
        cgcu_open_kernel(e, n, node, name);
        fprintf(f,
                "    krt_cu_attention_f32(x0, x1, x2, y0, %lldLL, %lldLL, %lldLL, %lldLL, "
                "%lldLL, %lldLL, %lldLL, %lldLL, (float)%s, %d);\n}\n\n",
                (long long)p[0], (long long)p[1], (long long)p[1], (long long)p[2], (long long)p[3],
                (long long)p[4], (long long)p[5], (long long)p[6], a[0], (int)p[7]);
        cgcu_launch_1d(l, cgcu_units(units), 128);
        return true;
    }
    case CG_KRT_KV_ATTENTION_F32: {
        /* capacity k_offset v_offset s hq hkv d: the cache write, then attention over the
         * cache rows 0..pos+rows-1 with rows rows of queries, the padding rows zeroed */
        if (p[6] > 512) return cgc_node_fail(e, n, "heads wider than 512 channels");
        if (!cgcu_lit(e, n, c->floats[0], "scale", a[0], sizeof a[0])) return false;
        node->kv = true;
        CgcuLaunch *st = &node->launches[0];
        snprintf(st->name, sizeof st->name, "node_%d_store", i);
        cgcu_open_kernel(e, n, node, st->name);
        fprintf(f,
                "    (void)x0;\n    (void)y0;\n"
                "    krt_cu_kv_store_f32(x1, x2, kc, vc, kv_pos, kv_rows, %lldLL);\n}\n\n",
                (long long)(p[5] * p[6]));
        cgcu_launch_1d(st, cgcu_blocks(p[3] * p[5] * p[6]), CGCU_BLOCK);
        CgcuLaunch *at = &node->launches[1];
        snprintf(at->name, sizeof at->name, "%s", name);
        node->n_launches = 2;
        cgcu_open_kernel(e, n, node, name);
        fprintf(f,
                "    (void)x1;\n    (void)x2;\n"
                "    krt_cu_attention_f32(x0, kc, vc, y0, 1, kv_rows, %lldLL, kv_pos + kv_rows, "
                "%lldLL, %lldLL, %lldLL, %lldLL, (float)%s, 1);\n}\n\n",
                (long long)p[3], (long long)p[4], (long long)p[5], (long long)p[6], (long long)p[6],
                a[0]);
        cgcu_launch_1d(at, cgcu_units(p[3] * p[4]), 128);
        return true;
    }
    case CG_KRT_GATHER: {
        /* outer axis_len n_indices row */
        IrDtype it = cgc_in_type(e, n, 1)->dtype;
        if (it != IR_DTYPE_I32 && it != IR_DTYPE_I64) return cgc_unsupported_dtype(e, n, it);
        int64_t count = p[0] * p[2] * p[3];
        node->status = true;
        if (count == 0) {
            node->n_launches = 0;
            return true;
        }
        cgcu_open_kernel(e, n, node, name);
        fprintf(f, "    krt_cu_gather(x0, x1, y0, %lldLL, %lldLL, %lldLL, %lldLL, status);\n}\n\n",
                (long long)p[0], (long long)p[1], (long long)p[2], (long long)p[3]);
        cgcu_launch_1d(l, cgcu_blocks(count), CGCU_BLOCK);
        return true;
    }
    default:
        return cgc_node_fail(e, n, "its runtime kernel is not in the CUDA backend yet");
    }
}

bool cgcu_emit_node(CgcEmitter *e, const IrNode *n, CgcuNode *node) {
    memset(node, 0, sizeof *node);
    int i = (int)(n - e->g->nodes);
    const CgKernel *k = cgc_kernel(e, n);
    cgc_put_node_comment(e->f, e->g, n);
    if (k->kind == CG_KERNEL_NONE)
        return cgc_node_fail(e, n, "the op has no kernel record (docs/architecture.md)");
    if (k->kind == CG_KERNEL_CALL) return cgcu_emit_call(e, n, i, &k->call, node);
    int64_t points = 0;
    bool sequential = false;
    for (int j = 0; j < k->n_loops; j++) {
        int64_t pts = 1;
        for (int d = 0; d < k->loops[j].rank; d++) pts *= k->loops[j].dims[d];
        if (pts > points) points = pts;
        /* the memory plan's overlaps are known only with the module */
        if (e->m) sequential |= cgcu_loop_sequential(e->g, n, &k->loops[j]);
    }
    if (points == 0) {
        fputs("/* nothing to compute: the memory plan put the output on the input's bytes, or "
              "it is empty */\n\n",
              e->f);
        return true;
    }
    char name[48];
    snprintf(name, sizeof name, "node_%d", i);
    cgcu_open_kernel(e, n, node, name);
    for (int j = 0; j < k->n_loops; j++)
        if (!cgcu_emit_loop(e, n, &k->loops[j], k->loops[j].reverse)) return false;
    fputs("}\n\n", e->f);
    node->n_launches = 1;
    snprintf(node->launches[0].name, sizeof node->launches[0].name, "%s", name);
    /* overlapping bytes: one thread walks the points in the record's order */
    if (sequential)
        cgcu_launch_1d(&node->launches[0], 1, 1);
    else
        cgcu_launch_1d(&node->launches[0], cgcu_blocks(points), CGCU_BLOCK);
    return true;
}
