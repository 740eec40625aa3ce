/* JSON model loading: a small valid model (values, symbols, attributes, constants, weights),
 * and a table of broken models, each expected to fail with a specific message. */
#include <stdlib.h>
#include <string.h>

#include "fe_test_files.h"
#include "frontend/frontend.h"
#include "ir/text.h"
#include "test_util.h"

static const char *dir;

/* fc1.weight: f32[4, 3] (row r = {r, r + 0.5, r + 1}), fc1.bias: f32[4] = {0.25, ...}. */
static bool write_weights(const char *path) {
    float data[16];
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 3; c++) data[r * 3 + c] = (float)r + 0.5f * (float)c;
    for (int i = 0; i < 4; i++) data[12 + i] = 0.25f * (float)(i + 1);
    return fe_test_write_st(path,
                            "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[4,3],"
                            "\"data_offsets\":[0,48]},"
                            "\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[4],"
                            "\"data_offsets\":[48,64]}}",
                            data, sizeof data);
}

static const char *valid_model =
    "{\n"
    "  \"name\": \"mlp\",\n"
    "  \"weights\": \"w.safetensors\",\n"
    "  \"inputs\": [{\"name\": \"x\", \"dtype\": \"f32\", \"shape\": [\"batch\", 3]}],\n"
    "  \"outputs\": [\"y\"],\n"
    "  \"constants\": [\n"
    "    {\"name\": \"half\", \"dtype\": \"f32\", \"shape\": [], \"data\": [0.5]},\n"
    "    {\"name\": \"ids\", \"dtype\": \"i64\", \"shape\": [2, 2], \"data\": [1, -2, 3, 4]},\n"
    "    {\"name\": \"h16\", \"dtype\": \"f16\", \"shape\": [3], \"fill\": 1.5},\n"
    "    {\"name\": \"flags\", \"dtype\": \"bool\", \"shape\": [2], \"data\": [true, 0]}\n"
    "  ],\n"
    "  \"nodes\": [\n"
    "    {\"op\": \"Linear\", \"name\": \"fc1\", \"inputs\": [\"x\", \"fc1.weight\", "
    "\"fc1.bias\"], \"outputs\": [\"h1\"], \"attrs\": {\"transpose_w\": true}},\n"
    "    {\"op\": \"Relu\", \"name\": \"act1\", \"inputs\": [\"h1\"], \"outputs\": [\"a1\"]},\n"
    "    {\"op\": \"Mul\", \"name\": \"scale\", \"inputs\": [\"a1\", \"half\"], \"outputs\": "
    "[\"m\"]},\n"
    "    {\"op\": \"LayerNorm\", \"name\": \"ln\", \"inputs\": [\"m\", null, \"\"], \"outputs\": "
    "[\"y\"], \"attrs\": {\"epsilon\": 0.001, \"axis\": -1}}\n"
    "  ]\n"
    "}\n";

static void test_valid(void) {
    CHECK(write_weights(fe_test_path(dir, "w.safetensors")));
    const char *path = fe_test_path(dir, "model.json");
    CHECK(fe_test_write(path, valid_model, strlen(valid_model)));
    Diag d;
    diag_init(&d);
    IrGraph *g = fe_load_model(path, NULL, &d);
    if (!CHECK(g != NULL)) {
        diag_print(&d, stderr);
        diag_free(&d);
        return;
    }
    CHECK(strcmp(g->name, "mlp") == 0);
    CHECK(g->n_inputs == 1 && g->n_outputs == 1 && g->n_nodes == 4);
    CHECK(g->n_symbols == 1 && strcmp(g->symbols[0].name, "batch") == 0);
    CHECK(g->symbols[0].value == -1);

    int y = ir_value_find(g, "y");
    CHECK(y >= 0 && g->outputs[0] == y);
    if (y >= 0) {
        const IrType *t = &ir_value(g, y)->type;
        CHECK(t->dtype == IR_DTYPE_F32 && t->rank == 2 && t->dims[0].sym == 0);
        CHECK(ir_dim_is_const(t->dims[1]) && t->dims[1].size == 4);
    }
    int w = ir_value_find(g, "fc1.weight");
    CHECK(w >= 0);
    if (w >= 0) {
        const IrValue *v = ir_value(g, w);
        CHECK(v->producer == -1 && v->nbytes == 48 && v->type.rank == 2);
        CHECK(v->data_file && strcmp(v->data_file, "w.safetensors") == 0);
        CHECK(v->data_key && strcmp(v->data_key, "fc1.weight") == 0);
        float e;
        memcpy(&e, (const unsigned char *)v->data + 4 * 5, 4); /* row 1, col 2 */
        CHECK(e == 2.0f);
    }
    int half = ir_value_find(g, "half");
    CHECK(half >= 0 && ir_value(g, half)->data_file == NULL && ir_value(g, half)->nbytes == 4);
    if (half >= 0) CHECK(*(const float *)ir_value(g, half)->data == 0.5f);
    int ids = ir_value_find(g, "ids");
    if (CHECK(ids >= 0)) {
        const int64_t *p = ir_value(g, ids)->data;
        CHECK(p[0] == 1 && p[1] == -2 && p[3] == 4 && ir_value(g, ids)->nbytes == 32);
    }
    int h16 = ir_value_find(g, "h16");
    if (CHECK(h16 >= 0)) {
        const uint16_t *p = ir_value(g, h16)->data;
        CHECK(p[0] == ir_f32_to_f16(1.5f) && p[2] == p[0]);
    }
    int flags = ir_value_find(g, "flags");
    if (CHECK(flags >= 0)) {
        const unsigned char *p = ir_value(g, flags)->data;
        CHECK(p[0] == 1 && p[1] == 0);
    }
    int fc1 = ir_node_find(g, "fc1");
    if (CHECK(fc1 >= 0)) {
        const IrNode *n = ir_node(g, fc1);
        CHECK(n->op == IR_OP_LINEAR && n->n_inputs == 3 && ir_attr_int(n, "transpose_w") == 1);
        CHECK(strcmp(n->loc.file, path) == 0 && strcmp(n->loc.name, "fc1") == 0);
    }
    int ln = ir_node_find(g, "ln");
    if (CHECK(ln >= 0)) {
        const IrNode *n = ir_node(g, ln);
        CHECK(n->n_inputs == 3 && n->inputs[1] == -1 && n->inputs[2] == -1);
        CHECK(ir_attr_float(n, "epsilon") == 0.001 && ir_attr_int(n, "axis") == -1);
    }
    /* the unused tensor fc1.bias is still used by fc1; no weight is added twice */
    CHECK(ir_value_find(g, "fc1.bias") >= 0);
    CHECK(ir_verify(g, &d) && diag_ok(&d));
    ir_graph_free(g);
    diag_free(&d);
}

/* A broken model and the message it must produce. Each is written into `dir` next to the
 * weights file written by test_valid. */
typedef struct BadCase {
    const char *json;
    const char *want;
} BadCase;

#define HEAD "{\"name\":\"m\",\"inputs\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[2,3]}],"
#define ONE_NODE(node) HEAD "\"outputs\":[\"y\"],\"nodes\":[" node "]}"

static const BadCase bad_cases[] = {
    {"{\"name\": \"m\",\n  \"inputs\": [,]}", "JSON syntax error at line 2, column 14"},
    {"[1, 2]", "the top level must be an object"},
    {"{\"name\":\"m\",\"inputs\":[],\"outputs\":[]}", "missing \"nodes\""},
    {"{\"name\":5,\"inputs\":[],\"outputs\":[\"x\"],\"nodes\":[]}", "\"name\" must be a string"},
    {HEAD "\"outputs\":[\"x\"],\"nodes\":[],\"extra\":1}", "unknown key \"extra\""},
    {HEAD "\"outputs\":[\"x\"],\"outputs\":[\"x\"],\"nodes\":[]}", "key \"outputs\" appears twice"},
    {ONE_NODE("{\"op\":\"Frob\",\"name\":\"n1\",\"inputs\":[\"x\"],\"outputs\":[\"y\"]}"),
     "node 'n1' (Frob): unknown op 'Frob'"},
    {ONE_NODE("{\"op\":\"Relu\",\"name\":\"n1\",\"inputs\":[\"x\",\"x\"],\"outputs\":[\"y\"]}"),
     "node 'n1' (Relu): takes exactly 1 input, got 2"},
    {ONE_NODE("{\"op\":\"Linear\",\"name\":\"n1\",\"inputs\":[\"x\"],\"outputs\":[\"y\"]}"),
     "node 'n1' (Linear): takes 2 to 3 inputs, got 1"},
    {ONE_NODE("{\"op\":\"Relu\",\"name\":\"n1\",\"inputs\":[\"x\"],\"outputs\":[\"y\"],"
              "\"attrs\":{\"alpha\":1}}"),
     "node 'n1' (Relu): unknown attribute 'alpha'"},
    {ONE_NODE("{\"op\":\"Pow\",\"name\":\"n1\",\"inputs\":[\"x\"],\"outputs\":[\"y\"]}"),
     "node 'n1' (Pow): missing required attribute 'exponent'"},
    {ONE_NODE("{\"op\":\"Pow\",\"name\":\"n1\",\"inputs\":[\"x\"],\"outputs\":[\"y\"],"
              "\"attrs\":{\"exponent\":\"two\"}}"),
     "attribute 'exponent' must be a float, not a string"},
    {ONE_NODE("{\"op\":\"Softmax\",\"name\":\"n1\",\"inputs\":[\"x\"],\"outputs\":[\"y\"],"
              "\"attrs\":{\"axis\":1.5}}"),
     "attribute 'axis' must be an int"},
    {ONE_NODE("{\"op\":\"Reshape\",\"name\":\"n1\",\"inputs\":[\"x\"],\"outputs\":[\"y\"],"
              "\"attrs\":{\"shape\":[3,\"a\"]}}"),
     "attribute 'shape'[1] must be an integer"},
    {ONE_NODE("{\"op\":\"Relu\",\"name\":\"n1\",\"inputs\":[\"fc9.weight\"],\"outputs\":[\"y\"]}"),
     "node 'n1' (Relu): input 'fc9.weight' is not an input, constant, earlier output or weight"},
    {ONE_NODE("{\"op\":\"Relu\",\"name\":\"n1\",\"inputs\":[null],\"outputs\":[\"y\"]}"),
     "input 0 is required"},
    {ONE_NODE("{\"op\":\"Relu\",\"name\":\"n1\",\"inputs\":[\"x\"],\"outputs\":[\"x\"]}"),
     "output 'x' is already defined"},
    {HEAD "\"outputs\":[\"y\"],\"nodes\":[{\"op\":\"Relu\",\"name\":\"n1\",\"inputs\":[\"x\"],"
          "\"outputs\":[\"a\"]},{\"op\":\"Relu\",\"name\":\"n1\",\"inputs\":[\"a\"],"
          "\"outputs\":[\"y\"]}]}",
     "a node named 'n1' already exists"},
    {ONE_NODE("{\"op\":\"Relu\",\"name\":\"n1\",\"inputs\":[\"x\"],\"outputs\":[\"z\"]}"),
     "outputs[0]: unknown value 'y'"},
    {"{\"name\":\"m\",\"inputs\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[2,-3]}],"
     "\"outputs\":[\"x\"],\"nodes\":[]}",
     "inputs[0].shape[1]: dimension -3 is negative"},
    {"{\"name\":\"m\",\"inputs\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[2.5]}],"
     "\"outputs\":[\"x\"],\"nodes\":[]}",
     "inputs[0].shape[0]: dimension 2.5 is not an integer"},
    {"{\"name\":\"m\",\"inputs\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[\"9b\"]}],"
     "\"outputs\":[\"x\"],\"nodes\":[]}",
     "'9b' is not a valid symbol name"},
    {"{\"name\":\"m\",\"inputs\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":"
     "[4294967296,4294967296,4294967296]}],\"outputs\":[\"x\"],\"nodes\":[]}",
     "dimension 4294967296 makes the element count overflow"},
    {"{\"name\":\"m\",\"inputs\":[{\"name\":\"x\",\"dtype\":\"f64\",\"shape\":"
     "[2147483648, 2147483648]}],\"outputs\":[\"x\"],\"nodes\":[]}",
     "overflow the byte size"},
    {"{\"name\":\"m\",\"inputs\":[{\"name\":\"x\",\"dtype\":\"f12\",\"shape\":[]}],"
     "\"outputs\":[\"x\"],\"nodes\":[]}",
     "unknown dtype 'f12'"},
    {HEAD "\"constants\":[{\"name\":\"c\",\"dtype\":\"f32\",\"shape\":[3],\"data\":[1,2]}],"
          "\"outputs\":[\"x\"],\"nodes\":[]}",
     "constants[0].data has 2 elements but shape needs 3"},
    {HEAD "\"constants\":[{\"name\":\"c\",\"dtype\":\"i8\",\"shape\":[1],\"data\":[300]}],"
          "\"outputs\":[\"x\"],\"nodes\":[]}",
     "300 is not an integer in [-128, 127] for i8"},
    {HEAD "\"constants\":[{\"name\":\"c\",\"dtype\":\"f32\",\"shape\":[\"n\"],\"fill\":0}],"
          "\"outputs\":[\"x\"],\"nodes\":[]}",
     "symbol 'n' is not allowed here"},
    {HEAD "\"constants\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[],\"fill\":0}],"
          "\"outputs\":[\"x\"],\"nodes\":[]}",
     "constants[0]: value 'x' is already defined"},
    {HEAD "\"constants\":[{\"name\":\"c\",\"dtype\":\"f32\",\"shape\":[100000000],\"fill\":0}],"
          "\"outputs\":[\"x\"],\"nodes\":[]}",
     "put it in the weights file"},
    {HEAD "\"weights\":\"/etc/passwd\",\"outputs\":[\"x\"],\"nodes\":[]}",
     "weights '/etc/passwd': absolute paths are not allowed"},
    {HEAD "\"weights\":\"../w.safetensors\",\"outputs\":[\"x\"],\"nodes\":[]}",
     "'..' is not allowed"},
    {HEAD "\"weights\":\"nope.safetensors\",\"outputs\":[\"x\"],\"nodes\":[]}",
     "weights 'nope.safetensors': cannot open: No such file or directory"},
    {HEAD "\"outputs\":[\"y\"],\"nodes\":[{\"op\":\"Add\",\"name\":\"n1\",\"inputs\":[\"x\","
          "\"c\"],\"outputs\":[\"y\"]}],\"constants\":[{\"name\":\"c\",\"dtype\":\"f32\","
          "\"shape\":[4,5],\"fill\":1}]}",
     "node 'n1' (Add)"},
};

static void test_bad_cases(void) {
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "bad%zu.json", i);
        const char *path = fe_test_path(dir, name);
        CHECK(fe_test_write(path, bad_cases[i].json, strlen(bad_cases[i].json)));
        Diag d;
        diag_init(&d);
        IrGraph *g = fe_load_model(path, NULL, &d);
        if (!CHECK(g == NULL)) fprintf(stderr, "  case %zu loaded\n", i);
        ir_graph_free(g);
        if (!CHECK(fe_test_diag_has(&d, bad_cases[i].want))) fprintf(stderr, "  case %zu\n", i);
        /* every message starts with the model file */
        CHECK(d.count > 0 && strncmp(d.messages[0], path, strlen(path)) == 0);
        diag_free(&d);
    }
}

static void test_files(void) {
    Diag d;
    diag_init(&d);
    CHECK(fe_load_model(fe_test_path(dir, "missing.json"), NULL, &d) == NULL);
    CHECK(fe_test_diag_has(&d, "missing.json: cannot open: No such file or directory"));
    diag_free(&d);

    diag_init(&d);
    CHECK(fe_load_model(fe_test_path(dir, "model.pt"), NULL, &d) == NULL);
    CHECK(fe_test_diag_has(&d, "supported extensions: .json"));
    diag_free(&d);

    /* 100000 '[' characters: refused by the depth check, not by a stack overflow */
    size_t n = 100000;
    char *deep = malloc(n);
    memset(deep, '[', n);
    const char *path = fe_test_path(dir, "deep.json");
    CHECK(fe_test_write(path, deep, n));
    free(deep);
    diag_init(&d);
    CHECK(fe_load_model(path, NULL, &d) == NULL);
    CHECK(fe_test_diag_has(&d, "JSON nests deeper than 64 levels (line 1, column 65)"));
    diag_free(&d);

    /* a folder is not a model file */
    diag_init(&d);
    CHECK(fe_json_load(dir, &d) == NULL);
    CHECK(fe_test_diag_has(&d, "not a regular file"));
    diag_free(&d);
}

/* The text IR reads weights back through fe_load_model's constant loader: print(load(print(g)))
 * == print(g), and a .kir that declares the wrong type for a stored tensor is refused. */
static void test_kir_roundtrip(void) {
    Diag d;
    diag_init(&d);
    IrGraph *g = fe_load_model(fe_test_path(dir, "model.json"), NULL, &d);
    if (!CHECK(g != NULL)) {
        diag_print(&d, stderr);
        diag_free(&d);
        return;
    }
    char *text = ir_print_to_string(g);
    ir_graph_free(g);
    const char *kir = fe_test_path(dir, "model.kir");
    CHECK(fe_test_write(kir, text, strlen(text)));
    IrGraph *g2 = fe_load_model(kir, NULL, &d);
    if (CHECK(g2 != NULL)) {
        char *text2 = ir_print_to_string(g2);
        CHECK(strcmp(text, text2) == 0);
        int w = ir_value_find(g2, "fc1.weight");
        CHECK(w >= 0 && ir_value(g2, w)->nbytes == 48);
        if (w >= 0) {
            float e;
            memcpy(&e, (const unsigned char *)ir_value(g2, w)->data + 4 * 5, 4);
            CHECK(e == 2.0f);
        }
        free(text2);
        ir_graph_free(g2);
    } else {
        diag_print(&d, stderr);
    }
    diag_free(&d);

    /* the same text, but the stored tensor declared with another shape */
    char *at = strstr(text, "f32[4, 3]");
    if (CHECK(at != NULL)) {
        memcpy(at, "f32[3, 4]", 9);
        const char *bad = fe_test_path(dir, "bad-type.kir");
        CHECK(fe_test_write(bad, text, strlen(text)));
        diag_init(&d);
        CHECK(fe_load_model(bad, NULL, &d) == NULL);
        CHECK(fe_test_diag_has(&d, "tensor 'fc1.weight' of 'w.safetensors' is f32[4, 3]"));
        diag_free(&d);
    }
    free(text);
}

int main(void) {
    dir = test_tmpdir("json-model");
    if (!CHECK(dir != NULL)) return test_finish();
    test_valid();
    test_bad_cases();
    test_files();
    test_kir_roundtrip();
    return test_finish();
}
