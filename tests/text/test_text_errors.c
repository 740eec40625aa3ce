/* Malformed .kir inputs: each must be refused with a NULL graph and one message that starts with
 * the exact "PATH:LINE:COL: " of the fault and contains the expected words. */
#include <stdlib.h>
#include <string.h>

#include "ir/text.h"
#include "test_util.h"
#include "text_test.h"

#define HDR "kiln.ir 1 graph \"m\"\n"
#define X "input %x: f32[2, 4]\n"

typedef struct BadCase {
    const char *text;
    const char *where; /* "LINE:COL" */
    const char *message;
} BadCase;

static const BadCase bad_cases[] = {
    {"", "1:1", "expected the header line"},
    {"symbol n\n", "1:1", "expected the header line"},
    {"kiln.ir 2 graph \"m\"\n", "1:9", "unsupported format version 2"},
    {"kiln.ir 1 graph m\n", "1:17", "expected the graph name as a quoted string"},
    {HDR X "%y: f32[2, 4] = Frobnicate(%x)\noutput %y\n", "3:17", "unknown op 'Frobnicate'"},
    {HDR X "%y: f32[2, 4] = Relu(%nope)\n", "3:22", "undefined value %nope"},
    {HDR X "%x: f32[2, 4] = Relu(%x)\n", "3:1", "value %x is defined twice"},
    {HDR X "%a: f32[2, 4], %a: f32[2, 4] = Split(%x)\n", "3:16", "value %a is defined twice"},
    {HDR "input %x: f31[2]\n", "2:11", "unknown dtype 'f31'"},
    {HDR "input %x: f32[2, n]\n", "2:18", "undefined symbol 'n'"},
    {HDR "input %x: f32[2, -3]\n", "2:18", "must be >= 0"},
    {HDR "input %x: f32[99999999999999999999]\n", "2:15", "does not fit in 64 bits"},
    {HDR "input %x: f32[1, 1, 1, 1, 1, 1, 1, 1, 1]\n", "2:39", "at most 8 dimensions"},
    {HDR "input %x: f32[2\n", "2:16", "expected ','"},
    {HDR X "%y: f32[2, 4] = Softmax(%x) {dim = 1}\n", "3:30",
     "Softmax has no attribute 'dim' "
     "(it takes: axis)"},
    {HDR X "%y: f32[2, 4] = Relu(%x) {axis = 1}\n", "3:27",
     "Relu has no attribute 'axis' "
     "(it takes none)"},
    {HDR X "%y: f32[2, 4] = Softmax(%x) {axis = 1.0}\n", "3:37",
     "attribute 'axis' of Softmax must be int, got float"},
    {HDR X "%y: f32[2, 4] = Pow(%x) {exponent = 2}\n", "3:37",
     "attribute 'exponent' of Pow must be float, got int"},
    {HDR X "%y: f32[2, 4] = Transpose(%x) {perm = [1.0, 0.0]}\n", "3:39",
     "attribute 'perm' of Transpose must be ints, got floats"},
    {HDR X "%y: f32[2, 4] = Transpose(%x) {perm = [1, 0.5]}\n", "3:43", "expected an integer"},
    {HDR X "%y: f32[2, 4] = Softmax(%x) {axis = 1, axis = 1}\n", "3:40",
     "attribute 'axis' is given twice"},
    {HDR X "%y: f32[8] = Reshape(%x)\n", "3:14", "Reshape needs the attribute 'shape'"},
    {HDR X "%y: f32[2, 4] = Add(%x)\n", "3:17", "Add takes 2 to 2 inputs, got 1"},
    {HDR X "%y: f32[2, 4] = Linear(_, %x)\n", "3:17", "input 0 of Linear is required"},
    {HDR X "%y: f32[2, 4] = Gelu(%x) {approximate = \"tanh}\n", "3:41", "unterminated string"},
    {HDR X "%y: f32[2, 4] = Relu(%x) name \"a\\qb\"\n", "3:33", "unknown escape"},
    {HDR X "%y: f32[2, 4] = Relu(%x) name \"a\\x00\"\n", "3:33", "cannot contain NUL"},
    {HDR X "%y: f32[2, 4] = Relu(%x) name \"a\x01\"\n", "3:33", "control byte 0x01"},
    {HDR X "%y: f32[2, 4] = Relu(%x) garbage\n", "3:26", "unexpected 'garbage' after the end"},
    {HDR X "output %x extra\n", "3:11", "unexpected 'extra' after the end of the statement"},
    {HDR X "%y: f32[4, 2] = Relu(%x)\n", "3:1",
     "%y is written as f32[4, 2] but Relu computes "
     "f32[2, 4]"},
    {HDR X "%y: f32[2, 4] = Add(%x, %b)\n", "3:25", "undefined value %b"},
    {HDR "input %i: f32[3]\n%y: f32[3] = Softmax(%i) {axis = 5}\n", "3:14",
     "axis 5 is out of "
     "range"},
    {HDR "const %c: f32[2] = [1.0]\n", "2:24", "has 1 elements but f32[2] holds 2"},
    {HDR "const %c: f32[1] = [1.0, 2.0]\n", "2:26", "has more than the 1 elements of f32[1]"},
    {HDR "const %c: i8[1] = [200]\n", "2:20", "200 is out of range for i8"},
    {HDR "const %c: bool[1] = [2]\n", "2:22", "2 is out of range for bool"},
    {HDR "const %c: i32[1] = [1.5]\n", "2:21", "expected an integer element"},
    {HDR "const %c: f32[1] = [1e99]\n", "2:21", "out of range for f32"},
    {HDR "const %c: f16[1] = [70000.0]\n", "2:21", "out of range for f16"},
    {HDR "const %c: f32[1] = [0x10]\n", "2:21", "malformed number '0x10'"},
    {HDR "const %c: f32[1] = [1.2.3]\n", "2:21", "malformed number '1.2.3'"},
    {HDR "symbol n\nconst %c: f32[n] = [1.0]\n", "3:7", "must have a static type"},
    {HDR "const %w: f32[2] = load \"w.safetensors\" \"w\"\n", "2:20", "no loader was given"},
    {HDR "symbol n\nsymbol n\n", "3:8", "symbol 'n' is declared twice"},
    {HDR "arena_bytes 1\narena_bytes 2\n", "3:1", "arena_bytes is given twice"},
    {HDR X "%y: f32[2, 4] = Relu(%x) name \"n\"\n%z: f32[2, 4] = Relu(%y) name \"n\"\n", "4:31",
     "a node named 'n' already exists"},
    {HDR "input %0x: f32[1]\n", "2:7", "expected a value name after '%'"},
    {HDR "input %x: f32[1] @-8\n", "2:19", "an arena offset must be >= 0"},
    {HDR "widget %x\n", "2:1", "expected a statement"},
    {HDR "weights_dir \"models\"\n", "2:13", "weights_dir 'models' is not an absolute path"},
    {HDR "weights_dir models\n", "2:13", "expected the weights folder as a quoted string"},
    {HDR "weights_dir \"/a\"\nweights_dir \"/b\"\n", "3:1", "weights_dir is given twice"},
    {HDR X "weights_dir \"/a\"\n", "3:1", "must come before inputs, constants and nodes"},
    {HDR X "output %x ~\n", "3:11", "unexpected character '~'"},
    {HDR X "%y: f32[2, 4] = Relu(%x) loc(\"f\")\n", "3:33", "expected ','"},
    /* model facts */
    {HDR "meta flavour = 1\n", "2:6", "expected a metadata key"},
    {HDR "meta bos_token_id = 1\nmeta bos_token_id = 2\n", "3:6",
     "metadata bos_token_id is given twice"},
    {HDR "meta eos_token_id = -2\n", "2:21", "a token id must be >= 0, or -1"},
    {HDR "meta model_type = llama\n", "2:19", "expected the model type as a quoted string"},
    {HDR "state kv layer 0: f32[4, 1, 2]\n", "2:7", "expected a state kind"},
    {HDR "state kv_cache layer 0: f32[4, 2]\n", "2:25", "a KV cache is a float type"},
    {HDR "state kv_cache layer 0: i8[4, 1, 2]\n", "2:25", "a KV cache is a float type"},
    {HDR "state kv_cache layer 0: f32[4, 1, 2]\nstate kv_cache layer 0: f32[4, 1, 2]\n", "3:22",
     "the KV cache of layer 0 is declared twice"},
    {HDR X "entry run inputs(%x) outputs(%nope)\n", "3:30", "undefined value %nope"},
    {HDR X "entry run (%x) outputs(%x)\n", "3:11", "expected 'inputs'"},
    {HDR X "entry run inputs(%x) outputs(%x)\nentry run inputs(%x) outputs(%x)\n", "4:7",
     "entry 'run' is declared twice"},
};

static void test_bad_inputs(void) {
    int n = (int)(sizeof bad_cases / sizeof bad_cases[0]);
    CHECK(n >= 10);
    for (int i = 0; i < n; i++) {
        const BadCase *c = &bad_cases[i];
        Diag d;
        diag_init(&d);
        IrGraph *g = ir_parse_string(c->text, "bad.kir", ".", NULL, NULL, &d);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "bad.kir:%s: ", c->where);
        bool ok = g == NULL && d.count == 1 &&
                  strncmp(d.messages[0], prefix, strlen(prefix)) == 0 &&
                  strstr(d.messages[0], c->message) != NULL;
        if (!CHECK(ok)) {
            fprintf(stderr, "case %d: want '%s...%s', got %d message(s):\n", i, prefix, c->message,
                    d.count);
            diag_print(&d, stderr);
        }
        ir_graph_free(g);
        diag_free(&d);
    }
}

/* A message from shape inference keeps inference's wording, placed at the node's line, and a
 * graph-level fault found by ir_verify still comes out (without a line). */
static void test_inference_and_verify_messages(void) {
    Diag d;
    diag_init(&d);
    IrGraph *g = ir_parse_string(HDR "input %a: f32[2]\ninput %b: f32[3]\n"
                                     "%c: f32[2] = Add(%a, %b) name \"plus\"\noutput %c\n",
                                 "inf.kir", ".", NULL, NULL, &d);
    CHECK(g == NULL && d.count == 1);
    if (d.count == 1) {
        CHECK(strncmp(d.messages[0], "inf.kir:4:14: node 'plus' (Add): ", 33) == 0);
        CHECK(strstr(d.messages[0], "cannot be broadcast") != NULL);
    }
    diag_free(&d);

    g = ir_parse_string(HDR X, "noout.kir", ".", NULL, NULL, &d);
    CHECK(g == NULL && d.count == 1 && strstr(d.messages[0], "no outputs") != NULL);
    diag_free(&d);

    /* The verifier's checks of model facts, each as one message. */
    static const char *const facts[][2] = {
        {X "input %z: f32[2, 4]\n%y: f32[2, 4] = Add(%x, %z) name \"sum\"\noutput %y\n"
           "entry half inputs(%x) outputs(%y)\n",
         "node 'sum' (Add): it belongs to entry 'half' but reads graph input 'z'"},
        {X "%y: f32[2, 4] = Relu(%x)\noutput %y\noutput %x\nentry run inputs(%x) outputs(%y)\n",
         "graph output 'x' belongs to no entry"},
        {X "%y: f32[2, 4] = Relu(%x)\noutput %y\nentry run.1 inputs(%x) outputs(%y)\n",
         "entry name 'run.1' is not an identifier"},
        {X "%y: f32[2, 4] = Relu(%x)\noutput %y\nentry run inputs(%x, %x) outputs(%y)\n",
         "entry 'run': input 1 is not a graph input or repeats one"},
        {X "%y: f32[2, 4] = Relu(%x)\noutput %y\nentry run inputs(%x) outputs(%x)\n",
         "entry 'run': output 0 is not a graph output"},
        {"input %q: f32[3, 2, 4]\n%o: f32[3, 2, 4] = KvAttention(%q, %q, %q) {layer = 1, "
         "max_context = 8} name \"att\"\noutput %o\n",
         "node 'att' (KvAttention): no KV cache state is declared for layer 1"},
        {"input %q: f32[3, 2, 4]\n%o: f32[3, 2, 4] = KvAttention(%q, %q, %q) {layer = 0, "
         "max_context = 8} name \"att\"\noutput %o\nstate kv_cache layer 0: f32[9, 2, 4]\n",
         "node 'att' (KvAttention): its keys or max_context do not match the KV cache state"},
    };
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, HDR "%s", facts[i][0]);
        g = ir_parse_string(text, "facts.kir", ".", NULL, NULL, &d);
        bool ok = g == NULL && d.count == 1 && strstr(d.messages[0], facts[i][1]) != NULL;
        if (!CHECK(ok)) {
            fprintf(stderr, "facts case %zu: want '%s', got:\n", i, facts[i][1]);
            diag_print(&d, stderr);
        }
        ir_graph_free(g);
        diag_free(&d);
    }
}

/* Deep or long inputs cost no recursion: a very long list and a very long line are fine. */
static void test_long_input(void) {
    size_t n = 200000;
    size_t cap = n * 6 + 200;
    char *text = malloc(cap);
    size_t len = (size_t)snprintf(text, cap, HDR "const %%c: i8[%zu] = [", n);
    for (size_t i = 0; i < n; i++) len += (size_t)snprintf(text + len, cap - len, i ? ", 1" : "1");
    len += (size_t)snprintf(text + len, cap - len, "]\noutput %%c\n");
    Diag d;
    diag_init(&d);
    IrGraph *g = ir_parse_string(text, "long.kir", ".", NULL, NULL, &d);
    CHECK(g != NULL && g->n_values == 1 && g->values[0].nbytes == n);
    ir_graph_free(g);
    diag_free(&d);
    /* An unclosed list of brackets must not nest: the first extra '[' is an error. */
    g = ir_parse_string(HDR "const %c: i8[1] = [[[[[[[[1]]]]]]]]\n", "nest.kir", ".", NULL, NULL,
                        &d);
    CHECK(g == NULL && d.count == 1 && strstr(d.messages[0], "nest.kir:2:20:") != NULL);
    diag_free(&d);
    free(text);
}

int main(void) {
    test_bad_inputs();
    test_inference_and_verify_messages();
    test_long_input();
    return test_finish();
}
