/* Tests of the graph builder, the name index, attributes, dtype conversions and diagnostics. */
#include <math.h>
#include <string.h>

#include "ir/ir.h"
#include "test_util.h"

static void test_names_and_values(void) {
    IrGraph *g = ir_graph_new("g", "g.json", ".");
    IrType t = {IR_DTYPE_F32, 1, {ir_dim_const(2)}};
    char name[32];
    /* Enough values to force several rehashes of the name index. */
    int ok = 1;
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "v%d", i);
        ok &= ir_value_add(g, name, &t) == i;
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "v%d", i);
        ok &= ir_value_find(g, name) == i;
    }
    CHECK(ok);
    CHECK(ir_value_find(g, "missing") == -1);
    CHECK(strcmp(ir_value_unique_name(g, "v7"), "v7.1") == 0);
    CHECK(strcmp(ir_value_unique_name(g, "fresh"), "fresh") == 0);
    CHECK(ir_symbol_get(g, "batch") == 0 && ir_symbol_get(g, "seq") == 1);
    CHECK(ir_symbol_get(g, "batch") == 0 && ir_symbol_find(g, "nope") == -1);
    ir_graph_free(g);
}

static void test_attributes(void) {
    IrGraph *g = ir_graph_new("g", "g.json", ".");
    IrType t = {IR_DTYPE_F32, 2, {ir_dim_const(2), ir_dim_const(3)}};
    int x = ir_input_add(g, "x", &t), y = ir_value_add(g, "y", &t);
    int n = ir_node_add(g, IR_OP_SOFTMAX, "sm", &x, 1, &y, 1);
    CHECK(ir_attr_int(ir_node(g, n), "axis") == -1); /* schema default */
    ir_attr_set_int(g, n, "axis", 0);
    ir_attr_set_int(g, n, "axis", 1); /* replaces, does not duplicate */
    CHECK(ir_node(g, n)->n_attrs == 1 && ir_attr_int(ir_node(g, n), "axis") == 1);
    CHECK(ir_value(g, y)->producer == n && ir_value(g, x)->producer == -1);
    CHECK(ir_node_find(g, "sm") == n && ir_node_find(g, "zz") == -1);
    ir_graph_free(g);
}

static void test_types(void) {
    IrType t = {IR_DTYPE_F16, 3, {ir_dim_const(4), ir_dim_const(5), ir_dim_const(6)}};
    int64_t n;
    size_t bytes;
    CHECK(ir_type_numel(&t, &n) && n == 120);
    CHECK(ir_type_nbytes(&t, &bytes) && bytes == 240);
    IrType big = {
        IR_DTYPE_F32, 3, {ir_dim_const(1ll << 40), ir_dim_const(1ll << 30), ir_dim_const(2)}};
    CHECK(!ir_type_numel(&big, &n)); /* 2^71 overflows */
    IrType sym = {IR_DTYPE_F32, 1, {ir_dim_sym(0)}};
    CHECK(!ir_type_numel(&sym, &n) && !ir_type_is_static(&sym));
    IrDtype dt;
    CHECK(ir_dtype_parse("bf16", &dt) && dt == IR_DTYPE_BF16);
    CHECK(!ir_dtype_parse("float32", &dt));
    for (int i = 0; i < IR_DTYPE_COUNT; i++)
        CHECK(ir_dtype_parse(ir_dtype_name((IrDtype)i), &dt) && dt == (IrDtype)i);
}

static void test_half_conversions(void) {
    /* Every finite f16 converts to float and back to the same bits. */
    int bad = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) continue; /* nan payloads */
        if (ir_f32_to_f16(ir_f16_to_f32((uint16_t)h)) != h) bad++;
    }
    CHECK(bad == 0);
    CHECK(ir_f16_to_f32(0x3c00) == 1.0f && ir_f16_to_f32(0xc000) == -2.0f);
    CHECK(ir_f16_to_f32(0x0001) == ldexpf(1.0f, -24));        /* smallest subnormal */
    CHECK(ir_f32_to_f16(65520.0f) == 0x7c00);                 /* rounds up to inf */
    CHECK(ir_f32_to_f16(65519.0f) == 0x7bff);                 /* largest finite */
    CHECK(ir_f32_to_f16(1.0f + ldexpf(1.0f, -11)) == 0x3c00); /* tie to even */
    CHECK(ir_f32_to_f16(1.0f + 3 * ldexpf(1.0f, -11)) == 0x3c02);
    CHECK(isnan(ir_f16_to_f32(ir_f32_to_f16(NAN))));
    bad = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7f80) == 0x7f80 && (h & 0x7f)) continue;
        if (ir_f32_to_bf16(ir_bf16_to_f32((uint16_t)h)) != h) bad++;
    }
    CHECK(bad == 0);
    CHECK(ir_f32_to_bf16(1.0f + ldexpf(1.0f, -8)) == 0x3f80); /* tie to even */
}

static void test_diag(void) {
    Diag d;
    diag_init(&d);
    diag_at(&d, "m.json", "bad\nname", "Add", "broken %d", 7);
    diag_at(&d, "m.json", NULL, NULL, "plain");
    diag_error(&d, "no location");
    CHECK(d.count == 3);
    CHECK(strcmp(d.messages[0], "m.json: node 'bad\\x0aname' (Add): broken 7") == 0);
    CHECK(strcmp(d.messages[1], "m.json: plain") == 0);
    CHECK(strcmp(d.messages[2], "no location") == 0);
    diag_free(&d);
    CHECK(d.count == 0);
}

/* Warnings are kept apart from errors: they never make diag_ok false, they carry "warning: "
 * after the file, and diag_print writes them before the errors. */
static void test_diag_warnings(void) {
    Diag d;
    diag_init(&d);
    diag_warn_at(&d, "config.json", NULL, NULL, "id %d ignored", 50256);
    diag_warn_at(&d, "m.onnx", "d\x01", "Dropout", "training");
    diag_warn_at(&d, NULL, NULL, NULL, "bare");
    CHECK(diag_ok(&d) && d.count == 0 && d.n_warnings == 3);
    CHECK(strcmp(d.warnings[0], "config.json: warning: id 50256 ignored") == 0);
    CHECK(strcmp(d.warnings[1], "m.onnx: warning: node 'd\\x01' (Dropout): training") == 0);
    CHECK(strcmp(d.warnings[2], "warning: bare") == 0);
    diag_at(&d, "m.onnx", NULL, NULL, "broken");
    CHECK(!diag_ok(&d) && d.count == 1 && d.n_warnings == 3);

    char buf[512] = {0};
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    CHECK(f != NULL);
    if (f) {
        diag_print(&d, f);
        fclose(f);
        CHECK(strcmp(buf, "config.json: warning: id 50256 ignored\n"
                          "m.onnx: warning: node 'd\\x01' (Dropout): training\n"
                          "warning: bare\nm.onnx: broken\n") == 0);
    }
    diag_free(&d);
    CHECK(d.count == 0 && d.n_warnings == 0 && d.warnings == NULL);
}

int main(void) {
    test_names_and_values();
    test_attributes();
    test_types();
    test_half_conversions();
    test_diag();
    test_diag_warnings();
    return test_finish();
}
