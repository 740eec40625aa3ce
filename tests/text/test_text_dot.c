/* Graphviz output: the expected boxes, ellipses, notes and typed edges are there, every label is a
 * well-formed dot string even for hostile names, and, when graphviz is installed, `dot -Tsvg`
 * accepts the file. */
#include <stdlib.h>
#include <string.h>

#include "ir/text.h"
#include "test_util.h"
#include "text_test.h"

static char *dot_string(const IrGraph *g) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    KILN_ASSERT(f != NULL);
    ir_print_dot(g, f);
    fclose(f);
    return buf;
}

/* Each line holds complete strings: quotes balance once escaped quotes are skipped, and no label
 * spills a raw newline onto the next line. */
static bool lines_well_quoted(const char *s) {
    bool in_str = false;
    for (; *s; s++) {
        if (in_str && *s == '\\' && s[1]) {
            s++;
        } else if (*s == '"') {
            in_str = !in_str;
        } else if (*s == '\n' && in_str) {
            return false;
        }
    }
    return !in_str;
}

static IrGraph *build(void) {
    IrGraph *g = ir_graph_new("dot \"test\" \\ model\n", "m.onnx", ".");
    int batch = ir_symbol_get(g, "batch");
    IrType tx = {IR_DTYPE_F32, 2, {ir_dim_sym(batch), ir_dim_const(4)}};
    int x = ir_input_add(g, "x \"quoted\"", &tx);
    IrType tw = {IR_DTYPE_F32, 2, {ir_dim_const(4), ir_dim_const(4)}};
    static float w[16];
    int wv = ir_const_add(g, "w", &tw, w, sizeof w, false);
    int n = tt_node(g, IR_OP_LINEAR, "fc\n1 \\ }", (int[]){x, wv, -1}, 3,
                    (const char *const[]){"h"}, 1);
    int h = tt_out(g, n);
    n = tt_node(g, IR_OP_SPLIT, "split", &h, 1, (const char *const[]){"a", "b"}, 2);
    ir_attr_set_int(g, n, "axis", 1);
    int a = ir_node(g, n)->outputs[0], b = ir_node(g, n)->outputs[1];
    int s =
        tt_out(g, tt_node(g, IR_OP_ADD, "sum", (int[]){a, b}, 2, (const char *const[]){"s"}, 1));
    ir_output_add(g, s);
    ir_output_add(g, x);
    Diag d;
    diag_init(&d);
    bool ok = ir_infer_shapes(g, &d) && ir_verify(g, &d);
    if (!CHECK(ok)) diag_print(&d, stderr);
    diag_free(&d);
    return g;
}

static void test_dot_content(void) {
    IrGraph *g = build();
    char *s = dot_string(g);
    CHECK(strncmp(s,
                  "digraph kiln {\n  label=\"\\\"dot \\\\\\\"test\\\\\\\" \\\\\\\\ "
                  "model\\\\x0a\\\"\";\n",
                  50) == 0);
    /* input ellipse, constant note, node boxes, output ellipses */
    CHECK(strstr(s, "  v0 [shape=ellipse, style=filled, fillcolor=\"#cfe8ff\", "
                    "label=\"%\\\"x \\\\\\\"quoted\\\\\\\"\\\"\\nf32[batch, 4]\"];\n"));
    CHECK(strstr(s, "  v1 [shape=note, fontsize=8,") && strstr(s, "label=\"%w\\nf32[4, 4]\"];"));
    CHECK(strstr(s, "  n0 [shape=box, style=\"rounded,filled\", fillcolor=\"#fff4d6\", "
                    "label=\"Linear\\n\\\"fc\\\\x0a1 \\\\\\\\ }\\\"\"];\n"));
    CHECK(strstr(s, "  n1 [shape=box") && strstr(s, "label=\"Split\\nsplit\"];"));
    CHECK(strstr(s, "  out0 [shape=ellipse, peripheries=2") && strstr(s, "label=\"output %s\"];"));
    /* edges: typed, from inputs and constants, the omitted bias skipped, multi-output named */
    CHECK(strstr(s, "  v0 -> n0 [label=\"f32[batch, 4]\"];\n") != NULL);
    CHECK(strstr(s, "  v1 -> n0 [label=\"f32[4, 4]\"];\n") != NULL);
    CHECK(strstr(s, "  n0 -> n1 [label=\"f32[batch, 4]\"];\n") != NULL);
    CHECK(strstr(s, "  n1 -> n2 [label=\"%a: f32[batch, 2]\"];\n") != NULL);
    CHECK(strstr(s, "  n1 -> n2 [label=\"%b: f32[batch, 2]\"];\n") != NULL);
    CHECK(strstr(s, "  n2 -> out0 [label=\"f32[batch, 2]\"];\n") != NULL);
    CHECK(strstr(s, "  v0 -> out1 [label=\"f32[batch, 4]\"];\n") != NULL);
    int edges = 0;
    for (const char *p = s; (p = strstr(p, " -> ")); p++) edges++;
    CHECK(edges == 7);
    CHECK(lines_well_quoted(s));
    size_t len = strlen(s);
    CHECK(len > 2 && strcmp(s + len - 2, "}\n") == 0);

    /* Graphviz itself, when present. */
    if (system("command -v dot >/dev/null 2>&1") == 0) {
        const char *dir = test_tmpdir("text_dot");
        char path[4096], cmd[8300];
        snprintf(path, sizeof path, "%s/g.dot", dir);
        FILE *f = fopen(path, "w");
        if (CHECK(f != NULL)) {
            ir_print_dot(g, f);
            fclose(f);
            snprintf(cmd, sizeof cmd, "dot -Tsvg '%s' -o '%s.svg'", path, path);
            CHECK(system(cmd) == 0);
        }
    } else {
        printf("graphviz 'dot' not installed: skipping the dot -Tsvg check\n");
    }
    free(s);
    ir_graph_free(g);
}

int main(void) {
    test_dot_content();
    return test_finish();
}
