/* Graphviz output (`kiln dump --format dot`): the graph as a digraph, top to bottom.
 *
 * Dot identifiers come from indices (v<value> for graph inputs and constants, n<node> for nodes,
 * out<k> for graph outputs), never from model names; names appear only inside labels, spelled as
 * in the text IR (bare when an identifier, else quoted with odd bytes as \xNN) and then escaped
 * for dot. Constants are drawn as
 * small notes so that a model with hundreds of weights stays readable. */
#include "text.h"
#include "text_internal.h"

#include <stdlib.h>

/* Appends s as the body of a dot double-quoted string: '"' and '\' are escaped (a backslash
 * starts an escape in dot labels) and a newline becomes the \n line break. The text-IR spelling
 * already turned every other control byte into \xNN. */
static void dot_put_escaped(TxtBuf *b, const char *s) {
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            txt_putc(b, '\\');
            txt_putc(b, *s);
        } else if (*s == '\n') {
            txt_puts(b, "\\n");
        } else {
            txt_putc(b, *s);
        }
    }
}

/* Appends a quoted dot label made of lines that are themselves text-IR fragments. */
static void dot_put_label(TxtBuf *b, const TxtBuf *text) {
    txt_putc(b, '"');
    dot_put_escaped(b, text->s ? text->s : "");
    txt_putc(b, '"');
}

/* The dot id of whatever produces value v: its node, or its own input/constant box. */
static void dot_put_source(TxtBuf *b, const IrGraph *g, int v) {
    int p = ir_value(g, v)->producer;
    if (p >= 0)
        txt_printf(b, "n%d", p);
    else
        txt_printf(b, "v%d", v);
}

/* An edge from the producer of value v to `dst`, labelled with the value's type (and its name
 * when the producer has several outputs, to tell them apart). */
static void dot_put_edge(TxtBuf *b, const IrGraph *g, int v, const char *dst) {
    const IrValue *val = ir_value(g, v);
    TxtBuf label = {0};
    if (val->producer >= 0 && ir_node(g, val->producer)->n_outputs > 1) {
        txt_putc(&label, '%');
        txt_put_name(&label, val->name);
        txt_puts(&label, ": ");
    }
    txt_put_type(&label, g, &val->type);
    txt_puts(b, "  ");
    dot_put_source(b, g, v);
    txt_printf(b, " -> %s [label=", dst);
    dot_put_label(b, &label);
    txt_puts(b, "];\n");
    free(label.s);
}

/* A box for a graph input or a note for a constant: "%name\ntype". */
static void dot_put_value_box(TxtBuf *b, const IrGraph *g, int v, bool is_input) {
    const IrValue *val = ir_value(g, v);
    TxtBuf label = {0};
    txt_putc(&label, '%');
    txt_put_name(&label, val->name);
    txt_putc(&label, '\n');
    txt_put_type(&label, g, &val->type);
    txt_printf(b, "  v%d [", v);
    if (is_input)
        txt_puts(b, "shape=ellipse, style=filled, fillcolor=\"#cfe8ff\", label=");
    else
        txt_puts(b, "shape=note, fontsize=8, style=filled, fillcolor=\"#f4f4f4\", label=");
    dot_put_label(b, &label);
    txt_puts(b, "];\n");
    free(label.s);
}

static void dot_put_graph(TxtBuf *b, const IrGraph *g) {
    TxtBuf name = {0};
    txt_put_name(&name, g->name ? g->name : "");
    txt_puts(b, "digraph kiln {\n  label=");
    dot_put_label(b, &name);
    free(name.s);
    txt_puts(b, ";\n  labelloc=t;\n  rankdir=TB;\n"
                "  node [fontname=\"Helvetica\", fontsize=10];\n"
                "  edge [fontname=\"Helvetica\", fontsize=8, color=\"#555555\"];\n");

    bool *is_input = calloc((size_t)g->n_values + 1, sizeof *is_input);
    KILN_ASSERT(is_input != NULL);
    for (int i = 0; i < g->n_inputs; i++) {
        is_input[g->inputs[i]] = true;
        dot_put_value_box(b, g, g->inputs[i], true);
    }
    for (int v = 0; v < g->n_values; v++)
        if (g->values[v].producer < 0 && g->values[v].data && !is_input[v])
            dot_put_value_box(b, g, v, false);
    free(is_input);

    for (int i = 0; i < g->n_nodes; i++) {
        const IrNode *n = &g->nodes[i];
        TxtBuf label = {0};
        txt_puts(&label, ir_op_info(n->op)->name);
        txt_putc(&label, '\n');
        txt_put_name(&label, n->name);
        txt_printf(b,
                   "  n%d [shape=box, style=\"rounded,filled\", fillcolor=\"#fff4d6\", label=", i);
        dot_put_label(b, &label);
        txt_puts(b, "];\n");
        free(label.s);
    }

    for (int i = 0; i < g->n_outputs; i++) {
        TxtBuf label = {0};
        txt_puts(&label, "output ");
        txt_putc(&label, '%');
        txt_put_name(&label, ir_value(g, g->outputs[i])->name);
        txt_printf(
            b, "  out%d [shape=ellipse, peripheries=2, style=filled, fillcolor=\"#d6f5d6\", label=",
            i);
        dot_put_label(b, &label);
        txt_puts(b, "];\n");
        free(label.s);
    }

    char dst[32];
    for (int i = 0; i < g->n_nodes; i++) {
        const IrNode *n = &g->nodes[i];
        snprintf(dst, sizeof dst, "n%d", i);
        for (int k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] >= 0) dot_put_edge(b, g, n->inputs[k], dst);
    }
    for (int i = 0; i < g->n_outputs; i++) {
        snprintf(dst, sizeof dst, "out%d", i);
        dot_put_edge(b, g, g->outputs[i], dst);
    }
    txt_puts(b, "}\n");
}

/* Writes g as a Graphviz digraph to f. */
void ir_print_dot(const IrGraph *g, FILE *f) {
    TxtBuf b = {0};
    dot_put_graph(&b, g);
    fputs(b.s, f);
    free(b.s);
}
