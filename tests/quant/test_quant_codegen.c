/* Differential tests of the "quant" op family in the C backend: QuantizeLinear and
 * DequantizeLinear (per tensor and per axis, i8/u8/i32), DynamicQuantizeLinear, MatMulInteger
 * (every i8/u8 pairing, zero points per tensor, row and column, batched and broadcast) and
 * QLinearMatMul, compiled and compared with the interpreter on random inputs: integer outputs
 * exactly, float outputs within 1e-5 x max(1, |ref|). */
#include "codegen/cg_harness.h"

#include <string.h>

#define TOL 1e-5
#define F32 IR_DTYPE_F32
#define U8 IR_DTYPE_U8
#define I8 IR_DTYPE_I8

#define D(...) ((const int64_t[]){__VA_ARGS__})
#define N(...) (int)(sizeof D(__VA_ARGS__) / sizeof(int64_t))
#define IN(name, t, ...) cgt_input(g, name, t, N(__VA_ARGS__), D(__VA_ARGS__))

/* A constant of dtype t and shape dims[rank] holding vals (converted as a C cast would). */
static int const_vals(IrGraph *g, const char *name, IrDtype t, int rank, const int64_t *dims,
                      const double *vals) {
    IrType ty = {t, rank, {{0}}};
    int64_t n = 1;
    for (int i = 0; i < rank; i++) {
        ty.dims[i] = ir_dim_const(dims[i]);
        n *= dims[i];
    }
    unsigned char buf[2048];
    size_t es = ir_dtype_size(t);
    KILN_ASSERT((size_t)n * es <= sizeof buf);
    for (int64_t i = 0; i < n; i++) {
        if (t == F32) {
            float f = (float)vals[i];
            memcpy(buf + i * 4, &f, 4);
        } else if (t == U8) {
            buf[i] = (uint8_t)vals[i];
        } else if (t == I8) {
            int8_t v = (int8_t)vals[i];
            memcpy(buf + i, &v, 1);
        } else {
            int32_t v = (int32_t)vals[i];
            memcpy(buf + i * 4, &v, 4);
        }
    }
    return ir_const_add(g, name, &ty, buf, (size_t)n * es, true);
}
#define SCALAR(name, t, v) const_vals(g, name, t, 0, NULL, (const double[]){v})
#define VEC(name, t, n, ...) const_vals(g, name, t, 1, D(n), (const double[]){__VA_ARGS__})

static int node(IrGraph *g, IrOp op, const char *name, const int *ins, int n_in) {
    int out;
    int nd = cgt_node(g, op, name, ins, n_in, &out, 1);
    ir_output_add(g, out);
    return nd;
}

/* Plans g, runs it on every registered backend against the interpreter, then frees it. */
static void run_graph(IrGraph *g, const char *prefix) {
    cgt_run_all(g, prefix, (const uint64_t[]){21, 22}, 2, TOL);
}

static void test_quantize_dequantize(void) {
    IrGraph *g = ir_graph_new("qdq", "qdq.json", ".");
    int x = IN("x", F32, 2, 3, 8);
    /* x in [-1, 1): scale 1/128 keeps values in range, 1/256 saturates half of them, and
     * 0.0078125 * k lands exactly on .5 steps for some inputs */
    int s1 = SCALAR("s1", F32, 1.0 / 128), z1 = SCALAR("z1", U8, 128);
    node(g, IR_OP_QUANTIZELINEAR, "q_u8", (int[]){x, s1, z1}, 3);
    int s2 = SCALAR("s2", F32, 1.0 / 256), z2 = SCALAR("z2", I8, -3);
    node(g, IR_OP_QUANTIZELINEAR, "q_i8_sat", (int[]){x, s2, z2}, 3);
    int sa = VEC("sa", F32, 3, 0.01, 0.02, 0.004), za = VEC("za", I8, 3, 0, 5, -3);
    node(g, IR_OP_QUANTIZELINEAR, "q_axis", (int[]){x, sa, za}, 3);
    int sl = VEC("sl", F32, 8, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08);
    int n = node(g, IR_OP_QUANTIZELINEAR, "q_last_axis_no_zp", (int[]){x, sl}, 2);
    ir_attr_set_int(g, n, "axis", -1);
    ir_attr_set_string(g, n, "output_dtype", "i8");

    int qu = IN("qu", U8, 3, 4), qi = IN("qi", I8, 3, 4), q32 = IN("q32", IR_DTYPE_I32, 3, 4);
    int ds = SCALAR("ds", F32, 0.5), dz = SCALAR("dz", U8, 3);
    node(g, IR_OP_DEQUANTIZELINEAR, "dq_u8", (int[]){qu, ds, dz}, 3);
    int das = VEC("das", F32, 4, 0.5, 0.25, 2, 3), daz = VEC("daz", I8, 4, 1, -1, 0, 2);
    n = node(g, IR_OP_DEQUANTIZELINEAR, "dq_i8_axis", (int[]){qi, das, daz}, 3);
    ir_attr_set_int(g, n, "axis", 1);
    node(g, IR_OP_DEQUANTIZELINEAR, "dq_i32", (int[]){q32, ds}, 2);

    int outs[3];
    cgt_node(g, IR_OP_DYNAMICQUANTIZELINEAR, "dyn", &x, 1, outs, 3);
    for (int i = 0; i < 3; i++) ir_output_add(g, outs[i]);
    run_graph(g, "qdq");
}

static void test_integer_matmuls(void) {
    IrGraph *g = ir_graph_new("qmm", "qmm.json", ".");
    IrDtype types[2] = {U8, I8};
    const char *tn[2] = {"u8", "i8"};
    /* every pairing, 2-D, with per-tensor and per-row / per-column zero points */
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            char name[64];
            snprintf(name, sizeof name, "a_%s%s", tn[ta], tn[tb]);
            int a = cgt_input(g, name, types[ta], 2, D(5, 7));
            snprintf(name, sizeof name, "b_%s%s", tn[ta], tn[tb]);
            int b = cgt_input(g, name, types[tb], 2, D(7, 300)); /* > one accumulator chunk */
            snprintf(name, sizeof name, "azp_%s%s", tn[ta], tn[tb]);
            int az = const_vals(g, name, types[ta], 1, D(5), (const double[]){1, 2, 0, 3, 1});
            snprintf(name, sizeof name, "bzp_%s%s", tn[ta], tn[tb]);
            int bz = const_vals(g, name, types[tb], 0, NULL, (const double[]){2});
            snprintf(name, sizeof name, "mmi_%s%s", tn[ta], tn[tb]);
            node(g, IR_OP_MATMULINTEGER, name, (int[]){a, b, az, bz}, 4);
            snprintf(name, sizeof name, "mmi_nozp_%s%s", tn[ta], tn[tb]);
            node(g, IR_OP_MATMULINTEGER, name, (int[]){a, b}, 2);

            /* QLinearMatMul: b's scale and zero point per column for the i8 outputs */
            snprintf(name, sizeof name, "qa_%s%s", tn[ta], tn[tb]);
            int as = const_vals(g, name, F32, 0, NULL, (const double[]){0.05});
            snprintf(name, sizeof name, "qaz_%s%s", tn[ta], tn[tb]);
            int qaz = const_vals(g, name, types[ta], 0, NULL, (const double[]){1});
            snprintf(name, sizeof name, "qbs_%s%s", tn[ta], tn[tb]);
            double bsv[300], bzv[300];
            for (int j = 0; j < 300; j++) {
                bsv[j] = 0.01 * (1 + j % 7);
                bzv[j] = j % 3;
            }
            int bs = const_vals(g, name, F32, 1, D(300), bsv);
            snprintf(name, sizeof name, "qbz_%s%s", tn[ta], tn[tb]);
            int qbz = const_vals(g, name, types[tb], 1, D(300), bzv);
            for (int ty = 0; ty < 2; ty++) {
                snprintf(name, sizeof name, "qys_%s%s%s", tn[ta], tn[tb], tn[ty]);
                int ys = const_vals(g, name, F32, 0, NULL, (const double[]){0.003});
                snprintf(name, sizeof name, "qyz_%s%s%s", tn[ta], tn[tb], tn[ty]);
                int yz = const_vals(g, name, types[ty], 0, NULL, (const double[]){ty ? -2 : 100});
                snprintf(name, sizeof name, "qlmm_%s%s%s", tn[ta], tn[tb], tn[ty]);
                node(g, IR_OP_QLINEARMATMUL, name, (int[]){a, as, qaz, b, bs, qbz, ys, yz}, 8);
            }
        }
    /* batched: shared b, batched b, broadcast batch dims */
    int a3 = IN("a3", U8, 2, 3, 4), b2 = IN("b2", I8, 4, 5), b3 = IN("b3", I8, 2, 4, 5);
    int a4 = IN("a4", U8, 2, 1, 3, 4), b4 = IN("b4", I8, 3, 4, 5);
    int z = SCALAR("z", U8, 2);
    node(g, IR_OP_MATMULINTEGER, "mmi_shared", (int[]){a3, b2, z}, 3);
    node(g, IR_OP_MATMULINTEGER, "mmi_batched", (int[]){a3, b3}, 2);
    node(g, IR_OP_MATMULINTEGER, "mmi_broadcast", (int[]){a4, b4, z}, 3);
    /* onnxruntime's dynamic quantization pattern: DynamicQuantizeLinear feeding MatMulInteger */
    int xf = IN("xf", F32, 3, 4), dq[3];
    cgt_node(g, IR_OP_DYNAMICQUANTIZELINEAR, "dyn", &xf, 1, dq, 3);
    node(g, IR_OP_MATMULINTEGER, "mmi_dynamic", (int[]){dq[0], b2, dq[2]}, 3);
    run_graph(g, "qmm");
}

static void test_integer_convs(void) {
    IrGraph *g = ir_graph_new("qconv", "qconv.json", ".");
    IrDtype types[2] = {U8, I8};
    const char *tn[2] = {"u8", "i8"};
    for (int tx = 0; tx < 2; tx++)
        for (int tw = 0; tw < 2; tw++) {
            char name[64];
            snprintf(name, sizeof name, "x_%s%s", tn[tx], tn[tw]);
            int x = cgt_input(g, name, types[tx], 4, D(2, 4, 7, 6));
            snprintf(name, sizeof name, "w_%s%s", tn[tx], tn[tw]);
            int w = cgt_input(g, name, types[tw], 4, D(6, 2, 3, 3));
            snprintf(name, sizeof name, "xz_%s%s", tn[tx], tn[tw]);
            int xz = const_vals(g, name, types[tx], 0, NULL, (const double[]){2});
            snprintf(name, sizeof name, "wz_%s%s", tn[tx], tn[tw]);
            int wz = const_vals(g, name, types[tw], 1, D(6), (const double[]){0, 1, 2, 3, 1, 0});
            snprintf(name, sizeof name, "ci_%s%s", tn[tx], tn[tw]);
            int n = node(g, IR_OP_CONVINTEGER, name, (int[]){x, w, xz, wz}, 4);
            ir_attr_set_int(g, n, "group", 2);
            ir_attr_set_ints(g, n, "pads", D(1, 0, 2, 1), 4);
            ir_attr_set_ints(g, n, "strides", D(2, 1), 2);
            snprintf(name, sizeof name, "ci_plain_%s%s", tn[tx], tn[tw]);
            n = node(g, IR_OP_CONVINTEGER, name, (int[]){x, w}, 2);
            ir_attr_set_int(g, n, "group", 2);
            ir_attr_set_string(g, n, "auto_pad", "SAME_UPPER");

            snprintf(name, sizeof name, "xs_%s%s", tn[tx], tn[tw]);
            int xs = const_vals(g, name, F32, 0, NULL, (const double[]){0.1});
            snprintf(name, sizeof name, "ws_%s%s", tn[tx], tn[tw]);
            int ws = const_vals(g, name, F32, 1, D(6), (const double[]){0.1, 0.2, 0.05, 0.3, 1, 2});
            snprintf(name, sizeof name, "b_%s%s", tn[tx], tn[tw]);
            int b =
                const_vals(g, name, IR_DTYPE_I32, 1, D(6), (const double[]){5, -7, 0, 100, -3, 1});
            for (int ty = 0; ty < 2; ty++) {
                snprintf(name, sizeof name, "ys_%s%s%s", tn[tx], tn[tw], tn[ty]);
                int ys = const_vals(g, name, F32, 0, NULL, (const double[]){0.02});
                snprintf(name, sizeof name, "yz_%s%s%s", tn[tx], tn[tw], tn[ty]);
                int yz = const_vals(g, name, types[ty], 0, NULL, (const double[]){ty ? 3 : 120});
                snprintf(name, sizeof name, "qlc_%s%s%s", tn[tx], tn[tw], tn[ty]);
                n = node(g, IR_OP_QLINEARCONV, name, (int[]){x, xs, xz, w, ws, wz, ys, yz, b},
                         ty ? 9 : 8);
                ir_attr_set_int(g, n, "group", 2);
                ir_attr_set_ints(g, n, "pads", D(1, 1, 1, 1), 4);
                ir_attr_set_ints(g, n, "dilations", D(1, 2), 2);
            }
        }
    run_graph(g, "qconv");
}

int main(void) {
    test_quantize_dequantize();
    test_integer_matmuls();
    test_integer_convs();
    cgt_report();
    return test_finish();
}
