/* Tests of the generated API beyond op correctness, on every registered backend: init() with
 * caller memory (no malloc), refused weights (truncated, from another model, corrupted header),
 * embedded weights, run-time index errors. Then the backend registry and the C backend's
 * supports() (unsupported dtypes, unplanned values), and what reads the generated C itself:
 * hostile model names, the absence of mutable globals in the built library, and strict compiles
 * with gcc and clang. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "cg_harness.h"

#define D(...) ((const int64_t[]){__VA_ARGS__})

static TestRng rng = {99};

/* x[2, 8] -> Linear(16) -> Gelu -> Linear(4) -> Softmax -> y[2, 4], with `seed` weights. */
static IrGraph *make_mlp(const char *name, uint64_t seed) {
    TestRng r = {seed};
    IrGraph *g = ir_graph_new(name, "mlp.json", ".");
    int x = cgt_input(g, "x", IR_DTYPE_F32, 2, D(2, 8));
    int w1 = cgt_const(g, &r, "fc1.w", IR_DTYPE_F32, 2, D(16, 8));
    int b1 = cgt_const(g, &r, "fc1.b", IR_DTYPE_F32, 1, D(16));
    int w2 = cgt_const(g, &r, "fc2.w", IR_DTYPE_F32, 2, D(4, 16));
    int h = cgt_op(g, IR_OP_LINEAR, "fc1", (const int[]){x, w1, b1}, 3);
    h = cgt_op(g, IR_OP_GELU, "act", &h, 1);
    h = cgt_op(g, IR_OP_LINEAR, "fc2", (const int[]){h, w2}, 2);
    ir_output_add(g, cgt_op(g, IR_OP_SOFTMAX, "probs", &h, 1));
    return g;
}

typedef int (*InitFn)(void *, const void *, size_t, void *, size_t);
typedef int (*RunFn)(void *, const float *, float *);

/* Reads a whole file into malloc'd memory. */
static unsigned char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 64);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static bool write_all(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

static void test_init_and_weights(const CgBackend *b) {
    IrGraph *g = make_mlp("mlp", 1), *other = make_mlp("mlp", 2);
    CgtLib lib = {0}, lib2 = {0}; /* cgt_build may stop before lib2 */
    if (!cgt_plan(g) || !cgt_plan(other) || !cgt_build(b, g, "mlp", false, &lib) ||
        !cgt_build(b, other, "mlp", false, &lib2))
        goto done;
    cgt_compare(g, &lib, 1, 1e-5);
    const KilnModel *m = lib.model;
    char wpath[4200], wpath2[4200];
    cgt_weights_path(&lib, wpath, sizeof wpath);
    cgt_weights_path(&lib2, wpath2, sizeof wpath2);

    /* init with caller memory: a context on the stack, the weights bytes and a workspace. */
    InitFn init = (InitFn)(uintptr_t)dlsym(lib.handle, "mlp_init");
    RunFn run = (RunFn)(uintptr_t)dlsym(lib.handle, "mlp_run");
    size_t (*ws_size)(void) = (size_t(*)(void))(uintptr_t)dlsym(lib.handle, "mlp_workspace_size");
    const char *(*status)(int) =
        (const char *(*)(int))(uintptr_t)dlsym(lib.handle, "mlp_status_string");
    if (!CHECK(init && run && ws_size && status)) goto done;
    CHECK(ws_size() == m->workspace_bytes);
    CHECK(strcmp(m->weights_file, "mlp.weights") == 0 && !m->weights_embedded);
    size_t wlen = 0;
    unsigned char *wbytes = read_all(wpath, &wlen);
    if (!CHECK(wbytes && wlen == m->weights_bytes)) goto done;
    void *ws = aligned_alloc(64, m->workspace_bytes + 64);
    /* larger than any mlp_context (KrtModelContext, which holds a one-thread pool) */
    _Alignas(64) unsigned char ctx[1024];
    float x[16], y[8], y_ref[8];
    for (int i = 0; i < 16; i++) x[i] = (float)test_rng_uniform(&rng, -1, 1);
    CHECK(init(ctx, wbytes, wlen, ws, m->workspace_bytes) == KILN_OK);
    CHECK(run(ctx, x, y) == KILN_OK);
    void *hctx = NULL;
    CHECK(m->create(&hctx, wpath) == KILN_OK);
    const void *ins[] = {x};
    void *outs[] = {y_ref};
    CHECK(m->run(hctx, ins, outs) == KILN_OK);
    m->destroy(hctx);
    CHECK(memcmp(y, y_ref, sizeof y) == 0);
    double sum = 0;
    for (int i = 0; i < 4; i++) sum += y[i];
    CHECK(sum > 0.999 && sum < 1.001); /* a softmax row */

    /* refusals */
    CHECK(init(ctx, wbytes, wlen - 1, ws, m->workspace_bytes) == KILN_ERR_WEIGHTS);
    CHECK(init(ctx, wbytes, wlen, ws, m->workspace_bytes - 1) == KILN_ERR_ARGUMENT);
    CHECK(init(ctx, wbytes, wlen, NULL, m->workspace_bytes) == KILN_ERR_ARGUMENT);
    CHECK(init(ctx, NULL, wlen, ws, m->workspace_bytes) == KILN_ERR_ARGUMENT);
    CHECK(run(NULL, x, y) == KILN_ERR_ARGUMENT);
    wbytes[30] ^= 1; /* the hash */
    CHECK(init(ctx, wbytes, wlen, ws, m->workspace_bytes) == KILN_ERR_WEIGHTS);
    wbytes[30] ^= 1;
    wbytes[0] = 'X'; /* the magic */
    CHECK(init(ctx, wbytes, wlen, ws, m->workspace_bytes) == KILN_ERR_WEIGHTS);
    wbytes[0] = 'K';
    char trunc_path[4300];
    snprintf(trunc_path, sizeof trunc_path, "%s/truncated.weights", lib.dir);
    CHECK(write_all(trunc_path, wbytes, wlen - 8));
    hctx = NULL;
    CHECK(m->create(&hctx, trunc_path) == KILN_ERR_WEIGHTS && hctx == NULL);
    CHECK(m->create(&hctx, wpath2) == KILN_ERR_WEIGHTS); /* same shapes, other weights */
    snprintf(trunc_path, sizeof trunc_path, "%s/missing.weights", lib.dir);
    CHECK(m->create(&hctx, trunc_path) == KILN_ERR_IO);
    CHECK(strstr(status(KILN_ERR_WEIGHTS), "weights") != NULL);
    free(ws);
    free(wbytes);
done:
    cgt_unload(&lib);
    cgt_unload(&lib2);
    ir_graph_free(g);
    ir_graph_free(other);
}

static void test_embedded(const CgBackend *b) {
    IrGraph *g = make_mlp("mlp embedded", 3);
    CgtLib lib;
    if (cgt_plan(g) && cgt_build(b, g, "mlp_embedded", true, &lib)) {
        CHECK(lib.model->weights_embedded == 1 && lib.model->weights_file == NULL);
        cgt_compare(g, &lib, 2, 1e-5);
    }
    cgt_unload(&lib);
    ir_graph_free(g);
}

/* Names that try to end comments, strings and lines, include files, or form trigraphs. */
static void test_hostile_names(void) {
    const char *evil_in = "*/ #include <evil.h> /*";
    const char *evil_out = "\"quoted\\\" ?\?/\n#define x";
    IrGraph *g = ir_graph_new("evil */ \"model\" \\ ?\?/\nname", "we\"ird*/dir/model.json", ".");
    int x = cgt_input(g, evil_in, IR_DTYPE_F32, 2, D(3, 4));
    int w = cgt_const(g, &rng, "line\nbreak\\", IR_DTYPE_F32, 1, D(4));
    int h = cgt_op(g, IR_OP_ADD, "*/ node /* \\", (const int[]){x, w}, 2);
    h = cgt_op(g, IR_OP_EXP, "tri?\?/graph?\?=", &h, 1);
    IrType any = {IR_DTYPE_F32, 0, {{0}}};
    int out = ir_value_add(g, evil_out, &any);
    ir_node_add(g, IR_OP_NEG, "\"q\"\r\t\x01", &h, 1, &out, 1);
    ir_output_add(g, out);
    CgtLib lib;
    if (cgt_plan(g) && cgt_build(cg_backend_find("c"), g, "evil", false, &lib)) {
        cgt_compare(g, &lib, 3, 1e-5);
        CHECK(strcmp(lib.model->name, g->name) == 0);
        CHECK(strcmp(lib.model->inputs[0].name, evil_in) == 0);
        CHECK(strcmp(lib.model->outputs[0].name, ir_value(g, out)->name) == 0);
        CHECK(cgt_sh("cd '%s' && clang -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only *.c",
                     lib.dir));
        CHECK(strcmp(lib.model->outputs[0].name, evil_out) == 0);
        CHECK(cgt_sh("cd '%s' && ! grep -nE '^[[:space:]]*#[[:space:]]*(include <evil|define x)' "
                     "evil.c evil.h evil_model.c",
                     lib.dir));
    }
    cgt_unload(&lib);
    ir_graph_free(g);
}

static void test_index_error(const CgBackend *b) {
    IrGraph *g = ir_graph_new("gather", "", ".");
    int data = cgt_const(g, &rng, "table", IR_DTYPE_F32, 2, D(5, 3));
    int idx = cgt_input(g, "idx", IR_DTYPE_I32, 1, D(2));
    ir_output_add(g, cgt_op(g, IR_OP_GATHER, "lookup", (const int[]){data, idx}, 2));
    CgtLib lib;
    if (cgt_plan(g) && cgt_build(b, g, "gather", false, &lib)) {
        const KilnModel *m = lib.model;
        char wpath[4200];
        void *ctx = NULL;
        if (CHECK(m->create(&ctx, cgt_weights_path(&lib, wpath, sizeof wpath)) == KILN_OK)) {
            int32_t good[2] = {4, -5}, bad_hi[2] = {0, 5}, bad_lo[2] = {-6, 0};
            float y[6];
            void *outs[] = {y};
            const float *table = ir_value(g, data)->data;
            CHECK(m->run(ctx, (const void *[]){good}, outs) == KILN_OK);
            CHECK(y[0] == table[12] && y[3] == table[0]);
            CHECK(m->run(ctx, (const void *[]){bad_hi}, outs) == KILN_ERR_INDEX);
            CHECK(m->run(ctx, (const void *[]){bad_lo}, outs) == KILN_ERR_INDEX);
            m->destroy(ctx);
        }
    }
    cgt_unload(&lib);
    ir_graph_free(g);
}

static void test_unsupported(void) {
    IrGraph *g = ir_graph_new("unsupported", "unsupported.json", ".");
    int x = cgt_input(g, "x", IR_DTYPE_F64, 2, D(2, 3));
    ir_output_add(g, cgt_op(g, IR_OP_SOFTMAX, "sm", &x, 1));
    if (cgt_plan(g)) {
        const char *dir = test_tmpdir("unsupported");
        Diag d;
        diag_init(&d);
        CgOptions opt = {.out_dir = dir, .prefix = "unsupported"};
        CHECK(!cg_emit(cg_backend_find("c"), g, &opt, &d));
        CHECK(d.count == 1 &&
              strcmp(d.messages[0], "unsupported.json: node 'sm' (Softmax): the c "
                                    "backend does not support this: dtype f64") == 0);
        if (d.count) fprintf(stderr, "message: %s\n", d.messages[0]);
        CHECK(cgt_sh("test ! -e '%s/unsupported.c'", dir)); /* nothing half-written */
        opt.prefix = "1bad";
        diag_free(&d);
        diag_init(&d);
        CHECK(!cg_emit(cg_backend_find("c"), g, &opt, &d) && d.count == 1);
        diag_free(&d);
    }
    CHECK(cg_backend_find("nope") == NULL);
    char buf[64];
    IrGraph *named = ir_graph_new("9 Lives-Model", "", ".");
    CHECK(strcmp(cg_default_prefix(named, buf, sizeof buf), "m_9_lives_model") == 0);
    ir_graph_free(named);
    ir_graph_free(g);
}

/* The registry: c is registered, first (the default), found by name, and listed once. */
static void test_registry(void) {
    CHECK(cg_backend_count() >= 1);
    CHECK(cg_backend_at(0) == cg_backend_find("c"));
    CHECK(cg_backend_at(-1) == NULL && cg_backend_at(cg_backend_count()) == NULL);
    CHECK(cg_backend_find(NULL) == NULL && cg_backend_find("C") == NULL);
    for (int i = 0; i < cg_backend_count(); i++) {
        const CgBackend *b = cg_backend_at(i);
        CHECK(b->name && b->description && b->description[0] && b->supports && b->emit && b->build);
        CHECK(cg_backend_find(b->name) == b);
    }
    Diag d;
    diag_init(&d);
    CHECK(cg_backend_for_target(NULL, &d) == cg_backend_at(0) && d.count == 0);
    CHECK(cg_backend_for_target("c", &d) == cg_backend_find("c") && d.count == 0);
    CHECK(cg_backend_for_target("nope", &d) == NULL && d.count == 1 &&
          strstr(d.messages[0], "unknown target 'nope' (known: c") != NULL);
    diag_free(&d);
}

/* The C backend's supports(): a reason for an op/dtype pair it lacks and for a value without a
 * planned home; yes for what it compiles; and the harness skips (not fails) a refused case. */
static void test_supports(void) {
    const CgBackend *c = cg_backend_find("c");
    IrGraph *g = ir_graph_new("supports", "supports.json", ".");
    int x64 = cgt_input(g, "x64", IR_DTYPE_F64, 2, D(2, 3));
    int x = cgt_input(g, "x", IR_DTYPE_F32, 2, D(2, 3));
    ir_output_add(g, cgt_op(g, IR_OP_SOFTMAX, "sm64", &x64, 1));
    int h = cgt_op(g, IR_OP_EXP, "exp", &x, 1);
    ir_output_add(g, cgt_op(g, IR_OP_NEG, "neg", &h, 1));
    if (cgt_plan(g)) {
        char reason[256];
        CHECK(!c->supports(g, &g->nodes[0], reason, sizeof reason) &&
              strcmp(reason, "dtype f64") == 0);
        CHECK(c->supports(g, &g->nodes[1], reason, sizeof reason));
        CHECK(c->supports(g, &g->nodes[2], reason, sizeof reason));
        Diag d;
        diag_init(&d);
        CHECK(!cg_backend_check(c, g, &d) && d.count == 1 &&
              strcmp(d.messages[0], "supports.json: node 'sm64' (Softmax): the c backend does "
                                    "not support this: dtype f64") == 0);
        diag_free(&d);
        /* the exp -> neg intermediate loses its workspace slot */
        ir_value(g, h)->arena_offset = -1;
        CHECK(!c->supports(g, &g->nodes[1], reason, sizeof reason) &&
              strstr(reason, "no valid place in the workspace") != NULL);
        CgtTally before = cgt_tally(c);
        CgtLib lib;
        CHECK(!cgt_build(c, g, "supports", false, &lib));
        CgtTally after = cgt_tally(c);
        CHECK(after.skipped == before.skipped + 1 && after.failed == before.failed);
        cgt_unload(&lib);
    }
    ir_graph_free(g);
}

/* The built library holds no symbol in .data or .bss: the generated code and the runtime have
 * no mutable state. Checked on the objects the library is linked from, where every symbol is
 * ours, and on the library itself, less the C toolchain's start-up symbols (crtbeginS.o). */
static void test_no_mutable_globals(void) {
    IrGraph *g = make_mlp("globals", 5);
    CgtLib lib;
    if (cgt_plan(g) && cgt_build(cg_backend_find("c"), g, "globals", true, &lib)) {
        CHECK(cgt_sh("cd '%s' && mkdir -p obj && for f in *.c; do cc -O2 -fPIC -c $f -o obj/$f.o "
                     "|| exit 1; done",
                     lib.dir));
        /* .data.rel.ro (const tables holding pointers) is read-only after relocation: fine */
        CHECK(cgt_sh(
            "cd '%s' && ! objdump -t obj/*.o | grep -E '[[:space:]]\\.(data|bss)[[:space:]]'",
            lib.dir));
        CHECK(cgt_sh("cd '%s' && ! objdump -t libglobals.so | grep -E "
                     "'[[:space:]]\\.(data|bss)[[:space:]]' | grep -vE "
                     "'[[:space:]](completed\\.0|__dso_handle|__TMC_END__)$'",
                     lib.dir));
        CHECK(cgt_sh("cd '%s' && objdump -t libglobals.so | grep -q 'kiln_model'", lib.dir));
    }
    cgt_unload(&lib);
    ir_graph_free(g);
}

int main(void) {
    for (int i = 0; i < cg_backend_count(); i++) {
        test_init_and_weights(cg_backend_at(i));
        test_embedded(cg_backend_at(i));
        test_index_error(cg_backend_at(i));
    }
    test_registry();
    test_unsupported();
    test_supports();
    /* These read the generated C text and objects: tests of the C backend itself. */
    test_hostile_names();
    test_no_mutable_globals();
    cgt_report();
    return test_finish();
}
