/* Round trips of the text IR: graphs built with the ir.h builder (every op, every attribute kind
 * the schemas use, bound and unbound symbols, hostile names, inline constants of every dtype with
 * nan/inf/-0.0, file-backed constants, omitted inputs, arena offsets) are printed, parsed and
 * printed again, and the two texts must be byte-equal with the parsed graph holding the same data.
 * Randomly damaged texts must never crash the parser, and whatever parses must round-trip too. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ir/text.h"
#include "test_util.h"
#include "text_test.h"

/* ---- fake weights ------------------------------------------------------------------------ */

static float w_fc1[8 * 8];
static float w_embed[10 * 8];
static const MemTensor mem_tensors[] = {
    {"model.safetensors", "fc1.weight", IR_DTYPE_F32, w_fc1, sizeof w_fc1},
    {"weights dir/mod\"el\".safetensors", "embed \"tokens\"\n", IR_DTYPE_F32, w_embed,
     sizeof w_embed},
};
static MemStore store = {mem_tensors, 2, 0};

/* ---- helpers ----------------------------------------------------------------------------- */

static IrType ty(IrDtype dt, int rank, const IrDim *dims) {
    IrType t;
    memset(&t, 0, sizeof t);
    t.dtype = dt;
    t.rank = rank;
    for (int i = 0; i < rank; i++) t.dims[i] = dims[i];
    return t;
}

/* Prints g, parses the text back (as `path`), prints again and checks byte equality. Returns the
 * parsed graph (caller frees) or NULL. */
static IrGraph *roundtrip(const IrGraph *g, const char *path) {
    char *a = ir_print_to_string(g);
    Diag d;
    diag_init(&d);
    IrGraph *h = ir_parse_string(a, path, ".", mem_loader, &store, &d);
    if (!CHECK(h != NULL)) {
        diag_print(&d, stderr);
        fprintf(stderr, "---- text ----\n%s", a);
    }
    char *b = h ? ir_print_to_string(h) : NULL;
    if (h && !CHECK(strcmp(a, b) == 0))
        fprintf(stderr, "---- first ----\n%s---- second ----\n%s", a, b);
    free(a);
    free(b);
    diag_free(&d);
    return h;
}

/* Every constant of g has a constant of the same name in h with identical bytes and origin. */
static void check_same_constants(const IrGraph *g, const IrGraph *h) {
    int checked = 0;
    for (int v = 0; v < g->n_values; v++) {
        const IrValue *a = &g->values[v];
        if (!a->data || a->producer >= 0) continue;
        int w = ir_value_find(h, a->name);
        if (!CHECK(w >= 0)) continue;
        const IrValue *b = &h->values[w];
        CHECK(b->data && b->nbytes == a->nbytes && memcmp(a->data, b->data, a->nbytes) == 0);
        CHECK((a->data_file == NULL) == (b->data_file == NULL));
        if (a->data_file && b->data_file) {
            CHECK(strcmp(a->data_file, b->data_file) == 0);
            CHECK(strcmp(a->data_key, b->data_key) == 0);
            CHECK(a->data == b->data); /* borrowed from the loader, not copied */
        }
        CHECK(a->arena_offset == b->arena_offset);
        checked++;
    }
    CHECK(checked > 0);
}

/* ---- graph with every op ----------------------------------------------------------------- */

#define OUT1(name) ((const char *const[]){name})

static IrGraph *build_every_op(void) {
    IrGraph *g = ir_graph_new("every \"op\" */ graph\n\xff", "model.onnx", ".");
    int batch = ir_symbol_get(g, "batch");
    int seq = ir_symbol_get(g, "seq");
    g->symbols[seq].value = 4;
    int heads = ir_symbol_get(g, "heads count"); /* not an identifier: printed quoted */
    g->symbols[heads].value = 0;

    IrDim d_x[] = {ir_dim_sym(batch), ir_dim_const(4), ir_dim_const(8)};
    IrType t_x = ty(IR_DTYPE_F32, 3, d_x);
    int x = ir_input_add(g, "x", &t_x);
    IrDim d_ids[] = {ir_dim_sym(batch), ir_dim_const(4)};
    IrType t_ids = ty(IR_DTYPE_I64, 2, d_ids);
    int ids = ir_input_add(g, "token ids", &t_ids);
    IrDim d_pos[] = {ir_dim_const(4)};
    IrType t_pos = ty(IR_DTYPE_I32, 1, d_pos);
    int pos = ir_input_add(g, "0pos", &t_pos);
    IrDim d_extra[] = {ir_dim_sym(heads), ir_dim_sym(seq)};
    IrType t_extra = ty(IR_DTYPE_F32, 2, d_extra);
    int extra = ir_input_add(g, "we\"ird */ name\n\\", &t_extra);

    IrDim d_w[] = {ir_dim_const(8), ir_dim_const(8)};
    IrType t_w = ty(IR_DTYPE_F32, 2, d_w);
    int w = ir_const_add(g, "fc1.weight", &t_w, w_fc1, sizeof w_fc1, false);
    ir_value(g, w)->data_file = "model.safetensors";
    ir_value(g, w)->data_key = "fc1.weight";
    IrDim d_e[] = {ir_dim_const(10), ir_dim_const(8)};
    IrType t_e = ty(IR_DTYPE_F32, 2, d_e);
    int emb = ir_const_add(g, "embed", &t_e, w_embed, sizeof w_embed, false);
    ir_value(g, emb)->data_file = "weights dir/mod\"el\".safetensors";
    ir_value(g, emb)->data_key = "embed \"tokens\"\n";
    IrDim d_8[] = {ir_dim_const(8)};
    IrType t_8 = ty(IR_DTYPE_F32, 1, d_8);
    float bias[8] = {0.1f, -0.0f, 1.0f, 3.4028235e38f, 1e-45f, -2.5f, 100.0f, 0.333333343f};
    int b = ir_const_add(g, "bias", &t_8, bias, sizeof bias, true);
    float scale_data[8] = {1, 1, 1, 1, 2, 2, 2, 2};
    int scale = ir_const_add(g, "résumé", &t_8, scale_data, sizeof scale_data, true);

    int mm = tt_out(g, tt_node(g, IR_OP_MATMUL, "mm", (int[]){x, w}, 2, OUT1("mm"), 1));
    int n = tt_node(g, IR_OP_LINEAR, "fc1", (int[]){x, w, -1}, 3, OUT1("lin1"), 1);
    ir_attr_set_int(g, n, "transpose_w", 1);
    int lin1 = tt_out(g, n);
    n = tt_node(g, IR_OP_LINEAR, "fc2", (int[]){x, w, b}, 3, OUT1("lin2"), 1);
    ir_attr_set_int(g, n, "transpose_w", 0);
    int lin2 = tt_out(g, n);
    int add = tt_out(g, tt_node(g, IR_OP_ADD, "add", (int[]){mm, lin1}, 2, OUT1("add"), 1));
    int sub = tt_out(g, tt_node(g, IR_OP_SUB, "sub", (int[]){add, lin2}, 2, OUT1("sub"), 1));
    int mul = tt_out(g, tt_node(g, IR_OP_MUL, "mul", (int[]){sub, b}, 2, OUT1("mul"), 1));
    int v = tt_out(g, tt_node(g, IR_OP_DIV, "div", (int[]){mul, x}, 2, OUT1("div"), 1));
    static const IrOp unary[] = {IR_OP_NEG,  IR_OP_EXP,  IR_OP_SQRT,    IR_OP_RSQRT,
                                 IR_OP_RELU, IR_OP_SILU, IR_OP_SIGMOID, IR_OP_TANH};
    for (size_t i = 0; i < sizeof unary / sizeof unary[0]; i++) {
        const char *nm = ir_op_info(unary[i])->name;
        n = tt_node(g, unary[i], nm, &v, 1, OUT1(nm), 1);
        v = tt_out(g, n);
        ir_value(g, v)->arena_offset = (int64_t)i * 128; /* a planned graph */
    }
    n = tt_node(g, IR_OP_POW, "pow", &v, 1, OUT1("pow"), 1);
    ir_attr_set_float(g, n, "exponent", 2.0);
    v = tt_out(g, n);
    n = tt_node(g, IR_OP_POW, "pow.1", &v, 1, OUT1("pow.1"), 1);
    ir_attr_set_float(g, n, "exponent", 0.1);
    v = tt_out(g, n);
    n = tt_node(g, IR_OP_POW, "pow.2", &v, 1, OUT1("pow.2"), 1);
    ir_attr_set_float(g, n, "exponent", -INFINITY);
    v = tt_out(g, n);
    n = tt_node(g, IR_OP_GELU, "gelu", &v, 1, OUT1("gelu"), 1);
    ir_attr_set_string(g, n, "approximate", "tanh");
    v = tt_out(g, n);
    n = tt_node(g, IR_OP_SOFTMAX, "softmax", &v, 1, OUT1("softmax"), 1);
    ir_attr_set_int(g, n, "axis", -1);
    v = tt_out(g, n);
    n = tt_node(g, IR_OP_LAYERNORM, "ln", (int[]){v, scale, -1}, 3, OUT1("ln"), 1);
    ir_attr_set_int(g, n, "axis", -1);
    ir_attr_set_float(g, n, "epsilon", 1e-05);
    v = tt_out(g, n);
    n = tt_node(g, IR_OP_RMSNORM, "rms", (int[]){v, scale}, 2, OUT1("rms"), 1);
    ir_attr_set_float(g, n, "epsilon", 1e300);
    v = tt_out(g, n);
    n = tt_node(g, IR_OP_RESHAPE, "heads", &v, 1, OUT1("rs"), 1);
    ir_attr_set_ints(g, n, "shape", (int64_t[]){0, 0, 2, 4}, 4);
    int rs = tt_out(g, n);
    n = tt_node(g, IR_OP_TRANSPOSE, "tr", &rs, 1, OUT1("tr"), 1);
    ir_attr_set_ints(g, n, "perm", (int64_t[]){0, 2, 1, 3}, 4);
    int tr2 = tt_out(g, tt_node(g, IR_OP_TRANSPOSE, "tr2", &rs, 1, OUT1("tr2"), 1));
    n = tt_node(g, IR_OP_CONCAT, "cat", (int[]){x, mm, lin1}, 3, OUT1("cat"), 1);
    ir_attr_set_int(g, n, "axis", 2);
    int cat = tt_out(g, n);
    n = tt_node(g, IR_OP_SPLIT, "split", &cat, 1, (const char *const[]){"lo", "hi"}, 2);
    ir_attr_set_int(g, n, "axis", 2);
    ir_attr_set_ints(g, n, "split", (int64_t[]){6, 18}, 2);
    int lo = ir_node(g, n)->outputs[0], hi = ir_node(g, n)->outputs[1];
    n = tt_node(g, IR_OP_SPLIT, "\x01split equal", &cat, 1,
                (const char *const[]){"", "\x80"
                                          "bad utf8"},
                2);
    ir_attr_set_int(g, n, "axis", -1);
    int half = ir_node(g, n)->outputs[1];
    n = tt_node(g, IR_OP_SLICE, "slice", &x, 1, OUT1("sl"), 1);
    ir_attr_set_ints(g, n, "starts", (int64_t[]){7}, 1);
    ir_attr_set_ints(g, n, "ends", (int64_t[]){INT64_MIN}, 1);
    ir_attr_set_ints(g, n, "axes", (int64_t[]){-1}, 1);
    ir_attr_set_ints(g, n, "steps", (int64_t[]){-2}, 1);
    ir_node(g, n)->loc.file = "other.onnx";
    int sl = tt_out(g, n);
    n = tt_node(g, IR_OP_GATHER, "gather", (int[]){emb, ids}, 2, OUT1("gat"), 1);
    ir_attr_set_int(g, n, "axis", 0);
    ir_node(g, n)->loc.name = "/embed/Gather";
    int gat = tt_out(g, n);
    n = tt_node(g, IR_OP_CAST, "cast", &gat, 1, OUT1("cast"), 1);
    ir_attr_set_string(g, n, "to", "f16");
    int cast = tt_out(g, n);
    n = tt_node(g, IR_OP_ROTARY, "rope", (int[]){rs, pos}, 2, OUT1("rot"), 1);
    ir_attr_set_float(g, n, "theta", 5e-324);
    ir_attr_set_int(g, n, "interleaved", 1);
    ir_attr_set_int(g, n, "rotary_dim", 4);
    ir_attr_set_int(g, n, "position_offset", 3);
    int rot = tt_out(g, n);
    n = tt_node(g, IR_OP_ROTARY, "rope2", (int[]){rs, -1}, 2, OUT1("rot2"), 1);
    ir_attr_set_int(g, n, "rotary_dim", 2);
    int rot2 = tt_out(g, n);
    n = tt_node(g, IR_OP_ATTENTION, "attn", (int[]){rot, rot2, rs}, 3, OUT1("attn"), 1);
    ir_attr_set_int(g, n, "causal", 1);
    ir_attr_set_float(g, n, "scale", -0.0);
    ir_node(g, n)->loc.file = "";
    ir_node(g, n)->loc.name = "a\tb";
    int attn = tt_out(g, n);
    int rx = tt_out(g, tt_node(g, IR_OP_RELU, "relu extra", &extra, 1, OUT1("rx"), 1));

    int outs[] = {attn, lo, hi, half, sl, cast, tr2, rx};
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) ir_output_add(g, outs[i]);
    g->arena_bytes = 1 << 20;

    Diag d;
    diag_init(&d);
    bool ok = ir_infer_shapes(g, &d) && ir_verify(g, &d);
    if (!CHECK(ok)) diag_print(&d, stderr);
    diag_free(&d);
    return g;
}

static void test_every_op(void) {
    for (int i = 0; i < 64; i++) w_fc1[i] = (float)i * 0.25f - 3.0f;
    for (int i = 0; i < 80; i++) w_embed[i] = (float)i / 7.0f;
    IrGraph *g = build_every_op();
    store.loads = 0;
    IrGraph *h = roundtrip(g, "every.kir");
    if (h) {
        CHECK(store.loads == 2);
        check_same_constants(g, h);
        CHECK(h->arena_bytes == 1 << 20);
        CHECK(h->n_nodes == g->n_nodes && h->n_values == g->n_values);
        CHECK(strcmp(h->name, g->name) == 0);
        CHECK(h->n_symbols == 3 && h->symbols[1].value == 4 && h->symbols[0].value == -1 &&
              h->symbols[2].value == 0);
        int ni = ir_node_find(h, "slice");
        CHECK(ni >= 0 && strcmp(h->nodes[ni].loc.file, "other.onnx") == 0 &&
              strcmp(h->nodes[ni].loc.name, "slice") == 0);
        ni = ir_node_find(h, "gather");
        CHECK(ni >= 0 && strcmp(h->nodes[ni].loc.file, "model.onnx") == 0 &&
              strcmp(h->nodes[ni].loc.name, "/embed/Gather") == 0);
        ni = ir_node_find(h, "fc1");
        CHECK(ni >= 0 && h->nodes[ni].inputs[2] == -1);
        const IrAttr *a = ni >= 0 ? ir_attr_find(&h->nodes[ni], "transpose_w") : NULL;
        CHECK(a && a->kind == IR_ATTR_INT && a->i == 1);
        ni = ir_node_find(h, "attn");
        a = ni >= 0 ? ir_attr_find(&h->nodes[ni], "scale") : NULL;
        CHECK(a && a->kind == IR_ATTR_FLOAT && a->f == 0.0 && signbit(a->f));
        ni = ir_node_find(h, "slice");
        a = ni >= 0 ? ir_attr_find(&h->nodes[ni], "ends") : NULL;
        CHECK(a && a->kind == IR_ATTR_INTS && a->count == 1 && a->ints[0] == INT64_MIN);
        int v = ir_value_find(h, "Tanh");
        CHECK(v >= 0 && h->values[v].arena_offset == 7 * 128);
        CHECK(ir_value_find(h, "we\"ird */ name\n\\") >= 0);
        CHECK(ir_value_find(h, "\x80"
                               "bad utf8") >= 0);
        CHECK(ir_node_find(h, "\x01split equal") >= 0);
        /* A second round trip from the parsed graph gives the same text again. */
        IrGraph *k = roundtrip(h, "again.kir");
        ir_graph_free(k);
    }
    /* Spot-check the spelling readers rely on. */
    char *s = ir_print_to_string(g);
    const char *header = "kiln.ir 1 graph \"every \\\"op\\\" */ graph\\x0a\\xff\"\n";
    CHECK(strncmp(s, header, strlen(header)) == 0);
    CHECK(strstr(s, "\nsymbol batch\nsymbol seq = 4\nsymbol \"heads count\" = 0\n") != NULL);
    CHECK(strstr(s, "input %x: f32[batch, 4, 8]\n") != NULL);
    CHECK(strstr(s, "input %\"we\\\"ird */ name\\x0a\\\\\": f32[\"heads count\", seq]\n") != NULL);
    CHECK(strstr(s, "const %fc1.weight: f32[8, 8] = load \"model.safetensors\" \"fc1.weight\"\n"));
    CHECK(strstr(s, "const %bias: f32[8] = [0.1, -0.0, 1.0, 3.4028235e+38, 1e-45, -2.5, 100.0, "
                    "0.33333334]\n"));
    CHECK(strstr(s, "const %\"résumé\": f32[8]") != NULL);
    CHECK(strstr(s, "%lin1: f32[batch, 4, 8] = Linear(%x, %fc1.weight, _) {transpose_w = 1} "
                    "name \"fc1\"\n"));
    CHECK(strstr(s, "%Neg: f32[batch, 4, 8] @0 = Neg(%div)\n") != NULL);
    CHECK(strstr(s, "{exponent = 0.1}") && strstr(s, "{exponent = -inf}"));
    CHECK(strstr(s, "{axis = -1, epsilon = 1e-05}") && strstr(s, "{epsilon = 1e+300}"));
    CHECK(strstr(s, "{starts = [7], ends = [-9223372036854775808], axes = [-1], steps = [-2]} "
                    "name \"slice\" loc(\"other.onnx\", \"slice\")\n"));
    CHECK(strstr(s, "= Gelu(%pow.2) {approximate = \"tanh\"}\n") != NULL);
    CHECK(strstr(s, "%\"\": f32[batch, 4, 12], %\"\\x80bad utf8\": f32[batch, 4, 12] = "
                    "Split(%cat) {axis = -1} name \"\\x01split equal\"\n"));
    CHECK(strstr(s, "Rotary(%rs, _) {rotary_dim = 2} name \"rope2\"\n") != NULL);
    CHECK(strstr(s, "{theta = 5e-324, interleaved = 1, rotary_dim = 4, position_offset = 3}"));
    CHECK(strstr(
        s, "= Attention(%rot, %rot2, %rs) {causal = 1, scale = -0.0} loc(\"\", \"a\\x09b\")\n"));
    CHECK(strstr(s, "arena_bytes 1048576\n") != NULL);
    CHECK(strstr(s, "\noutput %attn\noutput %lo\n") != NULL);
    free(s);
    ir_graph_free(h);
    ir_graph_free(g);
}

/* ---- inline constants of every dtype ----------------------------------------------------- */

static IrGraph *build_constants(void) {
    IrGraph *g = ir_graph_new("constants", "", ".");
    IrDim d2[] = {ir_dim_const(2), ir_dim_const(4)};
    IrDim d8[] = {ir_dim_const(8)};
    float f32[8] = {NAN, -NAN, INFINITY, -INFINITY, -0.0f, 0.1f, FLT_MIN / 4, FLT_MAX};
    double f64[8] = {NAN, -INFINITY, -0.0, 0.1, DBL_MIN / 8, DBL_MAX, 1.0 / 3.0, 1e23};
    uint16_t f16[8] = {0x3c00, 0x7e00, 0xfc00, 0x8000, 0x0001, 0x7bff, 0x3555, 0xfe00};
    uint16_t bf16[8] = {0x3f80, 0x7fc0, 0xff80, 0x8000, 0x0001, 0x7f7f, 0x3eab, 0xffc0};
    int8_t i8[8] = {-128, 127, 0, -1, 1, 5, -5, 100};
    uint8_t u8[8] = {0, 255, 1, 2, 128, 127, 64, 3};
    int32_t i32[8] = {INT32_MIN, INT32_MAX, 0, -1, 1, 7, -7, 65536};
    int64_t i64[8] = {INT64_MIN, INT64_MAX, 0, -1, 1, 9, -9, 1LL << 40};
    uint8_t bools[8] = {0, 1, 1, 0, 0, 0, 1, 1};
    const struct {
        const char *name;
        IrDtype dt;
        const void *data;
    } cs[] = {
        {"f32", IR_DTYPE_F32, f32},    {"f64", IR_DTYPE_F64, f64}, {"f16", IR_DTYPE_F16, f16},
        {"bf16", IR_DTYPE_BF16, bf16}, {"i8", IR_DTYPE_I8, i8},    {"u8", IR_DTYPE_U8, u8},
        {"i32", IR_DTYPE_I32, i32},    {"i64", IR_DTYPE_I64, i64}, {"bool", IR_DTYPE_BOOL, bools},
    };
    int last = -1;
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        IrType t = ty(cs[i].dt, i % 2 ? 2 : 1, i % 2 ? d2 : d8);
        last = ir_const_add(g, cs[i].name, &t, cs[i].data, 8 * ir_dtype_size(cs[i].dt), true);
    }
    ir_value(g, last)->arena_offset = 64;
    IrType scalar = ty(IR_DTYPE_F32, 0, NULL);
    float one = 1.5f;
    int sc = ir_const_add(g, "scalar", &scalar, &one, 4, true);
    IrType empty = ty(IR_DTYPE_I64, 1, (IrDim[]){ir_dim_const(0)});
    int em = ir_const_add(g, "empty", &empty, NULL, 0, true);
    ir_output_add(g, last);
    ir_output_add(g, sc);
    ir_output_add(g, em);
    return g;
}

static void test_constants(void) {
    IrGraph *g = build_constants();
    IrGraph *h = roundtrip(g, "consts.kir");
    if (h) check_same_constants(g, h);
    char *s = ir_print_to_string(g);
    CHECK(strstr(s, "const %f32: f32[8] = [nan, -nan, inf, -inf, -0.0, 0.1, 2.938736e-39, "
                    "3.4028235e+38]\n"));
    CHECK(strstr(s, "const %f16: f16[8] = [1.0, nan, -inf, -0.0, 6e-08, 65504.0, 0.3333, -nan]\n"));
    CHECK(strstr(s, "const %i64: i64[2, 4] = [-9223372036854775808, 9223372036854775807, 0, -1, "
                    "1, 9, -9, 1099511627776]\n"));
    CHECK(strstr(s, "const %bool: bool[8] @64 = [0, 1, 1, 0, 0, 0, 1, 1]\n") != NULL);
    CHECK(strstr(s, "const %scalar: f32[] = [1.5]\nconst %empty: i64[0] = []\n") != NULL);
    free(s);
    ir_graph_free(h);
    ir_graph_free(g);
}

/* A floats attribute is no op's schema today, so it cannot round-trip; its spelling is still
 * fixed, and the parser names the kind mismatch. */
static void test_floats_attribute_spelling(void) {
    IrGraph *g = ir_graph_new("g", "", ".");
    IrType t = ty(IR_DTYPE_F32, 1, (IrDim[]){ir_dim_const(2)});
    int x = ir_input_add(g, "x", &t);
    int n = tt_node(g, IR_OP_RELU, "r", &x, 1, OUT1("r"), 1);
    ir_attr_set_floats(g, n, "weights", (double[]){1.0, 2.5, -0.0, INFINITY, 1e-07}, 5);
    ir_attr_set_floats(g, n, "none", NULL, 0);
    char *s = ir_print_to_string(g);
    CHECK(strstr(s, "= Relu(%x) {weights = [1.0, 2.5, -0.0, inf, 1e-07], none = []}\n") != NULL);
    free(s);
    ir_graph_free(g);
}

/* ---- fixed text -------------------------------------------------------------------------- */

static void test_parse_fixed_text(void) {
    const char *text = "# a hand-written model\n"
                       "\n"
                       "kiln.ir 1 graph \"tiny\\x20mlp\"   # trailing comment\n"
                       "symbol batch\r\n"
                       "symbol seq = 16\n"
                       "input %x: f32[batch, seq, 4]\n"
                       "const %w: f32[4, 2] = [1, 2, 3, 4, 5, 6, 7, 8.5]\n"
                       "const %b: f32[2] = load \"model.safetensors\" \"fc1.weight\"\n"
                       "   %y: f32[batch, seq, 2] @32 = Linear(%x, %w, _) {transpose_w = 0}\n"
                       "%z: f32[batch, seq, 2] = Softmax(%y) name \"sm\" loc(\"m.onnx\", \"/Sm\")\n"
                       "output %z\n";
    /* fc1.weight is 64 floats, so the loader must refuse it for an f32[2]: a loader message
     * and a located one. */
    Diag d;
    diag_init(&d);
    IrGraph *g = ir_parse_string(text, "fixed.kir", ".", mem_loader, &store, &d);
    CHECK(g == NULL && d.count == 2);
    if (d.count == 2) {
        CHECK(strstr(d.messages[0], "does not match the declared type") != NULL);
        CHECK(strcmp(d.messages[1], "fixed.kir:8:20: cannot load constant %b from "
                                    "\"model.safetensors\" \"fc1.weight\"") == 0);
    }
    diag_free(&d);

    const char *ok_text = "kiln.ir 1 graph \"tiny\\x20mlp\"\n"
                          "arena_bytes 64\n"
                          "symbol batch\n"
                          "symbol seq = 16\n"
                          "input %x: f32[batch, seq, 4]\n"
                          "const %w: f32[4, 2] = [1, 2, 3, 4, 5, 6, 7, 8.5]\n"
                          "%y: f32[batch, seq, 2] @32 = Linear(%x, %w, _) {transpose_w = 0}\n"
                          "%z: f32[batch, seq, 2] = Softmax(%y) name \"sm\" loc(\"m.onnx\", "
                          "\"/Sm\")\n"
                          "output %z";
    diag_init(&d);
    g = ir_parse_string(ok_text, "fixed.kir", "/models", NULL, NULL, &d);
    if (!CHECK(g != NULL)) diag_print(&d, stderr);
    if (g) {
        CHECK(strcmp(g->name, "tiny mlp") == 0 && strcmp(g->source_path, "fixed.kir") == 0 &&
              strcmp(g->base_dir, "/models") == 0 && g->arena_bytes == 64);
        CHECK(g->n_symbols == 2 && g->symbols[0].value == -1 && g->symbols[1].value == 16);
        CHECK(g->n_inputs == 1 && g->n_outputs == 1 && g->n_nodes == 2);
        const IrValue *x = ir_value(g, g->inputs[0]);
        CHECK(x->type.dtype == IR_DTYPE_F32 && x->type.rank == 3 && x->type.dims[0].sym == 0 &&
              x->type.dims[1].sym == 1 && x->type.dims[2].sym < 0 && x->type.dims[2].size == 4);
        int w = ir_value_find(g, "w");
        const float *wd = w >= 0 ? g->values[w].data : NULL;
        CHECK(wd && wd[0] == 1.0f && wd[7] == 8.5f && !g->values[w].data_file);
        const IrNode *lin = ir_node(g, 0), *sm = ir_node(g, 1);
        CHECK(lin->op == IR_OP_LINEAR && strcmp(lin->name, "y") == 0 && lin->n_inputs == 3 &&
              lin->inputs[2] == -1 && lin->n_attrs == 1 && ir_attr_int(lin, "transpose_w") == 0);
        CHECK(strcmp(lin->loc.file, "fixed.kir") == 0 && strcmp(lin->loc.name, "y") == 0);
        CHECK(ir_value(g, lin->outputs[0])->arena_offset == 32);
        CHECK(sm->op == IR_OP_SOFTMAX && strcmp(sm->name, "sm") == 0 && sm->n_attrs == 0);
        CHECK(strcmp(sm->loc.file, "m.onnx") == 0 && strcmp(sm->loc.name, "/Sm") == 0);
        CHECK(g->outputs[0] == sm->outputs[0]);
        IrGraph *h = roundtrip(g, "fixed2.kir");
        ir_graph_free(h);
    }
    ir_graph_free(g);
    diag_free(&d);
}

/* A stated weights folder replaces the folder the caller passes as base_dir, and prints back
 * (quoted, escapes kept) so the round trip holds; without the line none is printed. */
static void test_weights_dir(void) {
    const char *text = "kiln.ir 1 graph \"w\"\n"
                       "weights_dir \"/srv/my \\\"models\\\"\"\n"
                       "\n"
                       "const %b: f32[8, 8] = load \"model.safetensors\" \"fc1.weight\"\n"
                       "\n"
                       "output %b\n";
    Diag d;
    diag_init(&d);
    IrGraph *g = ir_parse_string(text, "w.kir", "/elsewhere", mem_loader, &store, &d);
    if (!CHECK(g != NULL)) diag_print(&d, stderr);
    if (g) {
        CHECK(g->weights_dir_stated && strcmp(g->base_dir, "/srv/my \"models\"") == 0);
        char *s = ir_print_to_string(g);
        if (!CHECK(strcmp(s, text) == 0)) fprintf(stderr, "---- printed ----\n%s", s);
        free(s);
        ir_graph_free(roundtrip(g, "w2.kir"));
    }
    ir_graph_free(g);
    diag_free(&d);

    g = ir_graph_new("plain", "", "/models");
    IrType t = ty(IR_DTYPE_F32, 1, (IrDim[]){ir_dim_const(2)});
    ir_output_add(g, ir_input_add(g, "x", &t));
    char *s = ir_print_to_string(g);
    CHECK(strstr(s, "weights_dir") == NULL);
    free(s);
    g->weights_dir_stated = true;
    s = ir_print_to_string(g);
    CHECK(strncmp(s, "kiln.ir 1 graph \"plain\"\nweights_dir \"/models\"\n", 46) == 0);
    free(s);
    ir_graph_free(g);
}

/* ---- damaged text ------------------------------------------------------------------------ */

/* Parses text; when it parses, its printed form must round-trip. Never crashes (ASan/UBSan
 * builds check that). */
static bool parse_maybe(const char *text) {
    Diag d;
    diag_init(&d);
    IrGraph *g = ir_parse_string(text, "fuzz.kir", ".", mem_loader, &store, &d);
    bool parsed = g != NULL;
    CHECK(parsed == (d.count == 0));
    if (g) ir_graph_free(roundtrip(g, "fuzz2.kir"));
    ir_graph_free(g);
    diag_free(&d);
    return parsed;
}

static void test_damaged_text(void) {
    IrGraph *g = build_every_op();
    char *text = ir_print_to_string(g);
    ir_graph_free(g);
    size_t len = strlen(text);
    char *buf = malloc(len + 1);
    int passed_before = test_passed, failed_before = test_failed;
    /* Every truncation at a line boundary, and a spread of others. */
    for (size_t cut = 0; cut < len; cut += (text[cut] == '\n' ? 1 : 37)) {
        memcpy(buf, text, cut);
        buf[cut] = '\0';
        parse_maybe(buf);
    }
    /* Random byte changes, drawn from bytes that matter to the lexer. */
    static const char interesting[] = "%\"\\[](){},:=@_#-+.0123456789ex\n \t\x01\x80\xff";
    TestRng rng = {12345};
    int parsed = 0;
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(buf, text, len + 1);
        int edits = 1 + (int)(test_rng_next(&rng) % 3);
        for (int e = 0; e < edits; e++) {
            size_t at = (size_t)(test_rng_next(&rng) % len);
            buf[at] = interesting[test_rng_next(&rng) % (sizeof interesting - 1)];
        }
        parsed += parse_maybe(buf);
    }
    /* Count the whole fuzz run as one check, so the totals stay readable. */
    bool clean = test_failed == failed_before;
    test_passed = passed_before;
    CHECK(clean);
    CHECK(parsed > 0); /* some edits (inside comments-free names, numbers) still parse */
    free(buf);
    free(text);
}

/* A decoder-shaped graph with every kind of model fact (metadata with a hostile model type,
 * two KV cache states, two entries over disjoint inputs) round-trips, and the parsed facts equal
 * the built ones. */
static void test_model_facts(void) {
    IrGraph *g = ir_graph_new("dec", "", ".");
    IrType ids = ty(IR_DTYPE_I64, 1, (IrDim[]){ir_dim_const(4)});
    IrType one = ty(IR_DTYPE_I64, 1, (IrDim[]){ir_dim_const(1)});
    int a = ir_input_add(g, "a", &ids), b = ir_input_add(g, "b", &one);
    int ya = ir_value_add(g, "ya", &ids), yb = ir_value_add(g, "yb", &one);
    ir_node_add(g, IR_OP_NEG, "na", &a, 1, &ya, 1);
    ir_node_add(g, IR_OP_NEG, "nb", &b, 1, &yb, 1);
    ir_output_add(g, ya);
    ir_output_add(g, yb);
    g->meta.model_type = "we\"ird\n";
    g->meta.source = "huggingface";
    g->meta.bos_token_id = 7;
    g->meta.pad_token_id = 0;
    IrState s0 = {IR_STATE_KV_CACHE, 0, IR_DTYPE_F32, 16, 2, 8};
    IrState s1 = {IR_STATE_KV_CACHE, 1, IR_DTYPE_BF16, 16, 2, 8};
    ir_state_add(g, &s0);
    ir_state_add(g, &s1);
    ir_entry_add(g, "prefill", &a, 1, &ya, 1);
    ir_entry_add(g, "decode", &b, 1, &yb, 1);
    Diag d;
    diag_init(&d);
    CHECK(ir_verify(g, &d));
    diag_free(&d);
    IrGraph *h = roundtrip(g, "facts.kir");
    if (h) {
        CHECK(strcmp(h->meta.model_type, g->meta.model_type) == 0);
        CHECK(strcmp(h->meta.source, "huggingface") == 0);
        CHECK(h->meta.bos_token_id == 7 && h->meta.eos_token_id == -1 && h->meta.pad_token_id == 0);
        CHECK(h->n_states == 2 && h->states[1].dtype == IR_DTYPE_BF16 && h->states[1].layer == 1 &&
              h->states[1].capacity == 16 && h->states[1].kv_heads == 2 &&
              h->states[1].head_dim == 8);
        CHECK(h->n_entries == 2 && ir_entry_find(h, "decode") == 1 && h->entries[1].n_inputs == 1 &&
              h->entries[1].inputs[0] == ir_value_find(h, "b") &&
              h->entries[1].outputs[0] == ir_value_find(h, "yb"));
        bool need[2];
        ir_entry_nodes(h, &h->entries[0], need);
        CHECK(need[0] && !need[1]);
    }
    ir_graph_free(h);
    ir_graph_free(g);
}

int main(void) {
    test_every_op();
    test_model_facts();
    test_constants();
    test_floats_attribute_spelling();
    test_parse_fixed_text();
    test_weights_dir();
    test_damaged_text();
    return test_finish();
}
