/* `kiln run` for decoder LLMs (docs/llm.md): reads input_ids (or draws random ones), then runs
 * reset + one prefill of those n tokens through a compiled library's KilnDecoder, or through the
 * reference interpreter's decoder entry, and reports logits f32[n, vocab]. */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const cli_ids_name = "input_ids";

/* Tokens one run prefills: ids[n] in [0, vocab). */
typedef struct CliTokens {
    int64_t *ids;
    int64_t n;
} CliTokens;

bool cli_graph_is_decoder(const IrGraph *g) {
    return g->n_states > 0; /* the verifier gives every KvAttention node a state */
}

/* Next value of the splitmix64 generator at *state. */
static uint64_t cli_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Checks the given input_ids tensor (i64 or i32, rank 1, 1 <= n <= max_prefill, every id in
 * [0, vocab)) and copies it into tok as i64. limit_hint says how max_prefill is raised. */
static bool cli_tokens_from_tensor(const char *where, const IrTensor *t, int64_t vocab,
                                   int64_t max_prefill, const char *limit_hint, CliTokens *tok,
                                   Diag *d) {
    if ((t->dtype != IR_DTYPE_I64 && t->dtype != IR_DTYPE_I32) || t->rank != 1) {
        char dims[128] = "";
        size_t len = 0;
        for (int k = 0; k < t->rank && len < sizeof dims; k++)
            len += (size_t)snprintf(dims + len, sizeof dims - len, "%s%" PRId64, k ? ", " : "",
                                    t->dims[k]);
        diag_at(d, where, NULL, NULL,
                "input 'input_ids' must be i64[n] or i32[n] token ids, but its file holds "
                "%s[%s]",
                ir_dtype_name(t->dtype), dims);
        return false;
    }
    int64_t n = t->dims[0];
    if (n < 1) {
        diag_at(d, where, NULL, NULL, "input 'input_ids' is empty: give at least one token id");
        return false;
    }
    if (n > max_prefill) {
        diag_at(d, where, NULL, NULL,
                "input 'input_ids' has %" PRId64 " tokens, more than max_prefill %" PRId64 " (%s)",
                n, max_prefill, limit_hint);
        return false;
    }
    tok->ids = malloc((size_t)n * sizeof *tok->ids);
    KILN_ASSERT(tok->ids != NULL);
    tok->n = n;
    for (int64_t i = 0; i < n; i++) {
        int64_t id;
        if (t->dtype == IR_DTYPE_I64) {
            memcpy(&id, (const char *)t->data + i * 8, sizeof id);
        } else {
            int32_t v32;
            memcpy(&v32, (const char *)t->data + i * 4, sizeof v32);
            id = v32;
        }
        if (id < 0 || id >= vocab) {
            diag_at(d, where, NULL, NULL,
                    "input 'input_ids': token id %" PRId64 " at position %" PRId64
                    " is outside the vocabulary [0, %" PRId64 ")",
                    id, i, vocab);
            return false;
        }
        tok->ids[i] = id;
    }
    return true;
}

/* The tokens of this run: from --input input_ids=FILE, else min(16, max_prefill) ids drawn
 * uniformly from [0, vocab) with --random-inputs' seed. */
static bool cli_tokens_read(const char *where, char **raw, int n_raw, int64_t vocab,
                            int64_t max_prefill, const char *limit_hint, const CliRunOptions *opt,
                            CliTokens *tok, Diag *d) {
    memset(tok, 0, sizeof *tok);
    IrTensor t;
    const char *given = NULL;
    memset(&t, 0, sizeof t);
    if (!cli_read_inputs(&cli_ids_name, 1, raw, n_raw, &t, &given, d)) return false;
    bool ok = true;
    if (given) {
        ok = cli_tokens_from_tensor(given, &t, vocab, max_prefill, limit_hint, tok, d);
    } else if (opt->random) {
        tok->n = max_prefill < 16 ? max_prefill : 16;
        tok->ids = malloc((size_t)tok->n * sizeof *tok->ids);
        KILN_ASSERT(tok->ids != NULL);
        uint64_t state = opt->seed;
        for (int64_t i = 0; i < tok->n; i++) {
            /* 53 random bits scaled to [0, vocab): vocab < 2^31, so the bias is below 2^-22 */
            double u = (double)(cli_splitmix64(&state) >> 11) * 0x1p-53;
            int64_t id = (int64_t)(u * (double)vocab);
            tok->ids[i] = id < vocab ? id : vocab - 1; /* in case the product rounds up */
        }
    } else {
        diag_at(d, where, NULL, NULL,
                "input 'input_ids' is missing: give --input input_ids=FILE.npy (i64[n] token "
                "ids) or --random-inputs SEED");
        ok = false;
    }
    ir_tensor_free(&t);
    if (!ok) {
        free(tok->ids);
        memset(tok, 0, sizeof *tok);
    }
    return ok;
}

/* Writes logits (f32[n, vocab]) to the output folder, prints its summary and the run time. */
static bool cli_decoder_report(const IrTensor *logits, double ms, const char *how,
                               const CliRunOptions *opt, Diag *d) {
    const char *name = "logits";
    if (!cli_report_outputs(&name, logits, 1, opt->output_dir, d)) return false;
    printf("run time: %.3f ms%s\n", ms, how);
    return true;
}

/* Resets cd's context, prefills the tokens and reports the logits. */
static bool cli_decoder_prefill(CliDecoder *cd, const CliTokens *tok, const CliRunOptions *opt,
                                Diag *d) {
    const KilnModel *m = cd->lib.model;
    int64_t dims[2] = {tok->n, cd->dec->vocab_size};
    IrTensor logits;
    if (!ir_tensor_alloc(&logits, IR_DTYPE_F32, 2, dims)) {
        diag_at(d, cd->lib.path, NULL, NULL, "output 'logits' is too large to allocate");
        return false;
    }
    double t0 = cli_generate_now_ms();
    int st = cd->dec->reset(cd->ctx);
    if (st == KILN_OK) st = cd->dec->prefill(cd->ctx, tok->ids, tok->n, logits.data);
    double ms = cli_generate_now_ms() - t0;
    bool ok = st == KILN_OK;
    if (!ok)
        diag_at(d, cd->lib.path, NULL, NULL, "prefill of %" PRId64 " tokens failed: %s", tok->n,
                m->status_string(st));
    ok = ok && cli_decoder_report(&logits, ms, "", opt, d);
    ir_tensor_free(&logits);
    return ok;
}

bool cli_run_decoder_lib(const char *lib_path, char **raw, int n_raw, const CliRunOptions *opt,
                         Diag *d) {
    CliDecoder cd;
    if (!cli_decoder_open(&cd, lib_path, 0, 0, d)) return false;
    CliTokens tok;
    bool ok = cli_tokens_read(lib_path, raw, n_raw, cd.dec->vocab_size, cd.dec->max_prefill,
                              "recompile with a larger kiln compile --max-prefill", opt, &tok, d) &&
              cli_decoder_prefill(&cd, &tok, opt, d);
    free(tok.ids);
    cli_decoder_close(&cd);
    return ok;
}

/* Runs reset + prefill of tok through interp_run_decoder (rows n..P-1 are padding: token 0 at
 * position 0, as in the compiled prefill) and reports the first n rows of the logits. */
static bool cli_decoder_interp(const char *where, const IrGraph *g, const IrDecoder *dec,
                               const CliTokens *tok, const CliRunOptions *opt, Diag *d) {
    IrTensor *in = calloc((size_t)g->n_inputs + 1, sizeof *in);
    IrTensor *out = calloc((size_t)g->n_outputs + 1, sizeof *out);
    IrTensor logits;
    KILN_ASSERT(in && out);
    memset(&logits, 0, sizeof logits);
    bool ok = true;
    /* every graph input must be given; those prefill does not read stay zero */
    for (int i = 0; i < g->n_inputs && ok; i++) {
        const IrType *t = &ir_value(g, g->inputs[i])->type;
        int64_t dims[IR_MAX_RANK];
        for (int k = 0; k < t->rank; k++) dims[k] = t->dims[k].size;
        ok = ir_type_is_static(t) && ir_tensor_alloc(&in[i], t->dtype, t->rank, dims);
        if (!ok)
            diag_at(d, where, NULL, NULL,
                    "graph input '%s' has no static size the interpreter "
                    "can allocate",
                    ir_value(g, g->inputs[i])->name);
    }
    int out_slot = ir_output_slot(g, dec->prefill->outputs[0]);
    int64_t *ids = ok ? in[ir_input_slot(g, dec->prefill->inputs[0])].data : NULL;
    int64_t *pos = ok ? in[ir_input_slot(g, dec->prefill->inputs[1])].data : NULL;
    for (int64_t i = 0; ok && i < tok->n; i++) {
        ids[i] = tok->ids[i];
        pos[i] = i;
    }
    InterpKvCache kv;
    memset(&kv, 0, sizeof kv);
    kv.rows = tok->n;
    double t0 = cli_generate_now_ms();
    ok = ok && interp_run_decoder(g, in, out, out_slot, &kv, d);
    double ms = cli_generate_now_ms() - t0;
    if (!ok && diag_ok(d)) diag_at(d, where, NULL, NULL, "the interpreter failed");
    if (ok) {
        int64_t dims[2] = {tok->n, dec->vocab};
        ok = ir_tensor_alloc(&logits, IR_DTYPE_F32, 2, dims);
        if (!ok) diag_at(d, where, NULL, NULL, "output 'logits' is too large to allocate");
    }
    if (ok) {
        memcpy(logits.data, out[out_slot].data, logits.nbytes);
        ok = cli_decoder_report(&logits, ms, " (interpreter)", opt, d);
    }
    ir_tensor_free(&logits);
    for (int i = 0; i < g->n_outputs; i++) ir_tensor_free(&out[i]);
    for (int i = 0; i < g->n_inputs; i++) ir_tensor_free(&in[i]);
    free(in);
    free(out);
    interp_kv_free(&kv);
    return ok;
}

/* Compiles g into a temporary folder and prefills the tokens through the library built there. */
static bool cli_decoder_compiled(IrGraph *g, const CliTokens *tok, const CliRunOptions *opt,
                                 Diag *d) {
    const char *tmp_root = getenv("TMPDIR");
    char *dir = cli_path_join(tmp_root && *tmp_root ? tmp_root : "/tmp", "kiln-run-XXXXXX");
    if (!mkdtemp(dir)) {
        diag_error(d, "cannot create a temporary folder %s", dir);
        free(dir);
        return false;
    }
    CliBuildOptions bopt = {0};
    bopt.emit_so = true;
    char prefix[128];
    bool ok = cli_build_model(g, dir, &bopt, prefix, sizeof prefix, d);
    if (ok) {
        char lib_name[160];
        snprintf(lib_name, sizeof lib_name, "lib%s.so", prefix);
        char *lib_path = cli_path_join(dir, lib_name);
        CliDecoder cd;
        ok = cli_decoder_open(&cd, lib_path, 0, 0, d);
        /* the library was just compiled from g, whose layout was checked */
        KILN_ASSERT(!ok || tok->n <= cd.dec->max_prefill);
        ok = ok && cli_decoder_prefill(&cd, tok, opt, d);
        cli_decoder_close(&cd); /* safe after a failed open too */
        free(lib_path);
    }
    cli_remove_tree(dir);
    free(dir);
    return ok;
}

bool cli_run_decoder_graph(const char *model, IrGraph *g, char **raw, int n_raw, bool interp,
                           const CliRunOptions *opt, Diag *d) {
    IrDecoder dec;
    if (!ir_decoder_layout(g, &dec, d)) return false;
    CliTokens tok;
    if (!cli_tokens_read(model, raw, n_raw, dec.vocab, dec.max_prefill,
                         "raise it with --max-prefill", opt, &tok, d))
        return false;
    bool ok = interp ? cli_decoder_interp(model, g, &dec, &tok, opt, d)
                     : cli_decoder_compiled(g, &tok, opt, d);
    free(tok.ids);
    return ok;
}
