/* Differential cases of the quant family (ir/ops_quant.h): per-tensor and per-axis parameters,
 * i8/u8/i32, every i8/u8 pairing of the integer products and convolutions, batched and
 * broadcast operands. Integer outputs must match exactly. */
#include <string.h>

#include "cg_cases.h"

/* A constant of dtype t (f32, u8, i8 or i32) and shape dims[rank] holding vals, converted as a C
 * cast would. */
static int const_vals(CgtCase *c, const char *name, IrDtype t, int rank, const int64_t *dims,
                      const double *vals) {
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    unsigned char buf[2048];
    KILN_ASSERT((size_t)n * ir_dtype_size(t) <= sizeof buf);
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
    return cgt_case_const_data(c, name, t, rank, dims, buf);
}
#define SCALAR(name, t, v) const_vals(c, name, t, 0, NULL, (const double[]){v})
#define VEC(name, t, n, ...) const_vals(c, name, t, 1, D(n), (const double[]){__VA_ARGS__})

static int node(CgtCase *c, IrOp op, const char *name, const int *ins, int n_in) {
    int out;
    int nd = cgt_case_node(c, op, name, ins, n_in, &out, 1);
    OUT(out);
    return nd;
}

static const IrDtype qtypes[2] = {U8, I8};

void cgt_case_quantizelinear(CgtCase *c) {
    int x = IN("x", F32, 2, 3, 8);
    /* x in [-1, 1): scale 1/128 keeps values in range, 1/256 saturates half of them, and
     * 0.0078125 * k lands exactly on .5 steps for some inputs */
    int s1 = SCALAR("s1", F32, 1.0 / 128), z1 = SCALAR("z1", U8, 128);
    node(c, IR_OP_QUANTIZELINEAR, "u8", VALS(x, s1, z1));
    int s2 = SCALAR("s2", F32, 1.0 / 256), z2 = SCALAR("z2", I8, -3);
    node(c, IR_OP_QUANTIZELINEAR, "i8_sat", VALS(x, s2, z2));
    int sa = VEC("sa", F32, 3, 0.01, 0.02, 0.004), za = VEC("za", I8, 3, 0, 5, -3);
    node(c, IR_OP_QUANTIZELINEAR, "axis", VALS(x, sa, za));
    int sl = VEC("sl", F32, 8, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08);
    int n = node(c, IR_OP_QUANTIZELINEAR, "last_axis_no_zp", VALS(x, sl));
    ir_attr_set_int(c->g, n, "axis", -1);
    ir_attr_set_string(c->g, n, "output_dtype", "i8");
}

void cgt_case_dequantizelinear(CgtCase *c) {
    int qu = IN("qu", U8, 3, 4), qi = IN("qi", I8, 3, 4), q32 = IN("q32", I32, 3, 4);
    int ds = SCALAR("ds", F32, 0.5), dz = SCALAR("dz", U8, 3);
    node(c, IR_OP_DEQUANTIZELINEAR, "u8", VALS(qu, ds, dz));
    int das = VEC("das", F32, 4, 0.5, 0.25, 2, 3), daz = VEC("daz", I8, 4, 1, -1, 0, 2);
    int n = node(c, IR_OP_DEQUANTIZELINEAR, "i8_axis", VALS(qi, das, daz));
    ir_attr_set_int(c->g, n, "axis", 1);
    node(c, IR_OP_DEQUANTIZELINEAR, "i32", VALS(q32, ds));
}

void cgt_case_dynamicquantizelinear(CgtCase *c) {
    int x = IN("x", F32, 2, 3, 8), outs[3];
    cgt_case_node(c, IR_OP_DYNAMICQUANTIZELINEAR, "dyn", &x, 1, outs, 3);
    for (int i = 0; i < 3; i++) OUT(outs[i]);
    /* all zeros: scale 0, zero point 0 */
    int z = const_vals(c, "zeros", F32, 1, D(4), (const double[]){0, 0, 0, 0});
    cgt_case_node(c, IR_OP_DYNAMICQUANTIZELINEAR, "zeros", &z, 1, outs, 3);
    for (int i = 0; i < 3; i++) OUT(outs[i]);
    /* onnxruntime's dynamic quantization pattern: DynamicQuantizeLinear feeding MatMulInteger */
    int xf = IN("xf", F32, 3, 4), b2 = IN("b2", I8, 4, 5), dq[3];
    cgt_case_node(c, IR_OP_DYNAMICQUANTIZELINEAR, "into_mmi", &xf, 1, dq, 3);
    node(c, IR_OP_MATMULINTEGER, "mmi_dynamic", VALS(dq[0], b2, dq[2]));
}

/* 2-D a[5,7] and b[7,300] (more columns than one accumulator chunk) for pairing (ta, tb). */
static void qmm_operands(CgtCase *c, int ta, int tb, int *a, int *b) {
    *a = cgt_case_input(c, "a", qtypes[ta], 2, D(5, 7));
    *b = cgt_case_input(c, "b", qtypes[tb], 2, D(7, 300));
}

void cgt_case_matmulinteger(CgtCase *c) {
    /* every pairing, 2-D, with per-row and per-tensor zero points, and without */
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            int a, b;
            qmm_operands(c, ta, tb, &a, &b);
            int az = const_vals(c, "azp", qtypes[ta], 1, D(5), (const double[]){1, 2, 0, 3, 1});
            int bz = const_vals(c, "bzp", qtypes[tb], 0, NULL, (const double[]){2});
            node(c, IR_OP_MATMULINTEGER, "zp", VALS(a, b, az, bz));
            node(c, IR_OP_MATMULINTEGER, "nozp", VALS(a, b));
        }
    /* batched: shared b, batched b, broadcast batch dims */
    int a3 = IN("a3", U8, 2, 3, 4), b2 = IN("b2", I8, 4, 5), b3 = IN("b3", I8, 2, 4, 5);
    int a4 = IN("a4", U8, 2, 1, 3, 4), b4 = IN("b4", I8, 3, 4, 5);
    int z = SCALAR("z", U8, 2);
    node(c, IR_OP_MATMULINTEGER, "shared", VALS(a3, b2, z));
    node(c, IR_OP_MATMULINTEGER, "batched", VALS(a3, b3));
    node(c, IR_OP_MATMULINTEGER, "broadcast", VALS(a4, b4, z));
}

void cgt_case_qlinearmatmul(CgtCase *c) {
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            int a, b;
            qmm_operands(c, ta, tb, &a, &b);
            /* b's scale and zero point per column */
            int as = SCALAR("as", F32, 0.05), qaz = SCALAR("az", qtypes[ta], 1);
            double bsv[300], bzv[300];
            for (int j = 0; j < 300; j++) {
                bsv[j] = 0.01 * (1 + j % 7);
                bzv[j] = j % 3;
            }
            int bs = const_vals(c, "bs", F32, 1, D(300), bsv);
            int qbz = const_vals(c, "bz", qtypes[tb], 1, D(300), bzv);
            int bs1 = SCALAR("bs1", F32, 0.02), qbz1 = SCALAR("bz1", qtypes[tb], 1);
            for (int ty = 0; ty < 2; ty++) {
                int ys = SCALAR("ys", F32, 0.003), yz = SCALAR("yz", qtypes[ty], ty ? -2 : 100);
                node(c, IR_OP_QLINEARMATMUL, "per_col", VALS(a, as, qaz, b, bs, qbz, ys, yz));
                node(c, IR_OP_QLINEARMATMUL, "per_tensor", VALS(a, as, qaz, b, bs1, qbz1, ys, yz));
            }
        }
}

/* x[2,4,7,6] and w[6,2,3,3] (group 2) for pairing (tx, tw), with x's zero point per tensor and
 * w's per output channel. */
static void qconv_operands(CgtCase *c, int tx, int tw, int *x, int *w, int *xz, int *wz) {
    *x = cgt_case_input(c, "x", qtypes[tx], 4, D(2, 4, 7, 6));
    *w = cgt_case_input(c, "w", qtypes[tw], 4, D(6, 2, 3, 3));
    *xz = SCALAR("xz", qtypes[tx], 2);
    *wz = const_vals(c, "wz", qtypes[tw], 1, D(6), (const double[]){0, 1, 2, 3, 1, 0});
}

void cgt_case_convinteger(CgtCase *c) {
    for (int tx = 0; tx < 2; tx++)
        for (int tw = 0; tw < 2; tw++) {
            int x, w, xz, wz;
            qconv_operands(c, tx, tw, &x, &w, &xz, &wz);
            int n = node(c, IR_OP_CONVINTEGER, "zp", VALS(x, w, xz, wz));
            ir_attr_set_int(c->g, n, "group", 2);
            ir_attr_set_ints(c->g, n, "pads", INTS(1, 0, 2, 1));
            ir_attr_set_ints(c->g, n, "strides", INTS(2, 1));
            n = node(c, IR_OP_CONVINTEGER, "plain", VALS(x, w));
            ir_attr_set_int(c->g, n, "group", 2);
            ir_attr_set_string(c->g, n, "auto_pad", "SAME_UPPER");
        }
}

void cgt_case_qlinearconv(CgtCase *c) {
    for (int tx = 0; tx < 2; tx++)
        for (int tw = 0; tw < 2; tw++) {
            int x, w, xz, wz;
            qconv_operands(c, tx, tw, &x, &w, &xz, &wz);
            int xs = SCALAR("xs", F32, 0.1);
            int ws = const_vals(c, "ws", F32, 1, D(6), (const double[]){0.1, 0.2, 0.05, 0.3, 1, 2});
            int b = const_vals(c, "b", I32, 1, D(6), (const double[]){5, -7, 0, 100, -3, 1});
            for (int ty = 0; ty < 2; ty++) {
                int ys = SCALAR("ys", F32, 0.02), yz = SCALAR("yz", qtypes[ty], ty ? 3 : 120);
                /* the i8 output has a bias, the u8 one none */
                int n = node(c, IR_OP_QLINEARCONV, "qlc",
                             (const int[]){x, xs, xz, w, ws, wz, ys, yz, b}, ty ? 9 : 8);
                ir_attr_set_int(c->g, n, "group", 2);
                ir_attr_set_ints(c->g, n, "pads", INTS(1, 1, 1, 1));
                ir_attr_set_ints(c->g, n, "dilations", INTS(1, 2));
            }
        }
}
