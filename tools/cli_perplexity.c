/* `kiln perplexity`: the mean negative log-likelihood of token ids under a decoder LLM, the
 * number quantization quality is judged by (issue 9), printed like llama.cpp's llama-perplexity
 * as the last lines. Each row of ids is scored from position 0 with its own empty cache: the
 * row is prefilled in chunks of at most max_prefill tokens, and the logits of position i score
 * token i + 1, so a row of L tokens contributes L - 1 predictions. NLLs are summed in double
 * precision with a log-sum-exp over the whole vocabulary. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ir/interp.h"
#include "npy.h"

static const char cli_perplexity_help[] =
    "usage: kiln perplexity MODEL_DIR|LIB.so --ids IDS.npy [options]\n"
    "\n"
    "Scores token ids with a decoder LLM (a Hugging Face folder, compiled into a temporary\n"
    "folder first, or a library from kiln compile --emit so) and prints the mean negative\n"
    "log-likelihood and the perplexity as the last lines:\n"
    "\n"
    "  mean_nll: X\n"
    "  perplexity: Y\n"
    "\n"
    "IDS.npy holds i64 or i32 token ids, [rows, len] or one row [len]. Each row is scored from\n"
    "position 0 with its own empty KV cache: the logits after token i score token i + 1, so a\n"
    "row of len tokens gives len - 1 predictions (2 <= len <= the model's max_context).\n"
    "\n"
    "options:\n"
    "  --ids FILE          the token ids (required)\n"
    "  --max-context N     model folders: KV cache capacity in tokens (default: the longest\n"
    "                      row, at least the frontend's default)\n"
    "  --max-prefill N     model folders: most tokens one prefill call takes\n"
    "  --quiet             no per-row lines on standard error\n"
    "  -h, --help          show this help\n";

typedef struct CliPplOptions {
    const char *target, *ids;
    int64_t max_context, max_prefill;
    bool quiet;
} CliPplOptions;

static bool cli_ppl_parse(int argc, char **argv, void *opts, Diag *d, bool *help) {
    CliPplOptions *o = opts;
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc && diag_ok(d); i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            *help = true;
            return true;
        } else if (cli_flag_value(argc, argv, &i, "--ids", &v, d)) {
            o->ids = v;
        } else if (cli_flag_value(argc, argv, &i, "--max-context", &v, d)) {
            if (v) cli_positive_int(v, "--max-context", &o->max_context, d);
        } else if (cli_flag_value(argc, argv, &i, "--max-prefill", &v, d)) {
            if (v) cli_positive_int(v, "--max-prefill", &o->max_prefill, d);
        } else if (strcmp(argv[i], "--quiet") == 0) {
            o->quiet = true;
        } else {
            cli_model_argument(argv[i], &o->target, d);
        }
    }
    if (diag_ok(d) && !o->target) diag_error(d, "no model folder or library given");
    if (diag_ok(d) && !o->ids) diag_error(d, "--ids IDS.npy is required");
    return diag_ok(d);
}

/* The ids as rows x len int64, checked: integer dtype, rank 1 or 2, len >= 2. */
static bool cli_ppl_ids(const char *path, const IrTensor *t, int64_t *rows, int64_t *len, Diag *d) {
    if (t->dtype != IR_DTYPE_I64 && t->dtype != IR_DTYPE_I32) {
        diag_at(d, path, NULL, NULL, "token ids must be i64 or i32, not %s",
                ir_dtype_name(t->dtype));
        return false;
    }
    if (t->rank != 1 && t->rank != 2) {
        diag_at(d, path, NULL, NULL, "token ids must be [rows, len] or [len], not of rank %d",
                t->rank);
        return false;
    }
    *rows = t->rank == 2 ? t->dims[0] : 1;
    *len = t->dims[t->rank - 1];
    if (*rows < 1 || *len < 2) {
        diag_at(d, path, NULL, NULL,
                "needs at least one row of at least 2 tokens (got %" PRId64 " x %" PRId64 ")",
                *rows, *len);
        return false;
    }
    return true;
}

static int64_t cli_ppl_id(const IrTensor *t, int64_t i) {
    return t->dtype == IR_DTYPE_I64 ? ((const int64_t *)t->data)[i]
                                    : (int64_t)((const int32_t *)t->data)[i];
}

/* -log softmax(logits)[target], in double. */
static double cli_ppl_nll(const float *logits, int64_t vocab, int64_t target) {
    double max = logits[0];
    for (int64_t v = 1; v < vocab; v++)
        if (logits[v] > max) max = logits[v];
    double sum = 0.0;
    for (int64_t v = 0; v < vocab; v++) sum += exp((double)logits[v] - max);
    return log(sum) + max - (double)logits[target];
}

/* Scores one row: reset, then prefill chunks; adds the row's NLLs to *sum. */
static bool cli_ppl_row(CliDecoder *cd, const int64_t *ids, int64_t len, float *logits, double *sum,
                        Diag *d) {
    const KilnDecoder *dec = cd->dec;
    int st = dec->reset(cd->ctx);
    for (int64_t at = 0; st == KILN_OK && at < len - 1;) {
        int64_t n = len - 1 - at < dec->max_prefill ? len - 1 - at : dec->max_prefill;
        st = dec->prefill(cd->ctx, ids + at, n, logits);
        for (int64_t i = 0; st == KILN_OK && i < n; i++)
            *sum += cli_ppl_nll(logits + i * dec->vocab_size, dec->vocab_size, ids[at + i + 1]);
        at += n;
    }
    if (st != KILN_OK) {
        diag_at(d, cd->lib.path, NULL, NULL, "the model failed: %s",
                cd->lib.model->status_string(st));
        return false;
    }
    return true;
}

static bool cli_perplexity_run(const void *opts, Diag *d) {
    const CliPplOptions *o = opts;
    IrTensor t;
    memset(&t, 0, sizeof t);
    int64_t rows = 0, len = 0;
    if (!npy_read(o->ids, &t, d) || !cli_ppl_ids(o->ids, &t, &rows, &len, d)) {
        ir_tensor_free(&t);
        return false;
    }
    /* a folder gets a cache that holds the longest row */
    int64_t ctx = o->max_context;
    if (!ctx && cli_is_dir(o->target)) ctx = len > 2048 ? len : 2048;
    CliDecoder cd;
    if (!cli_decoder_open(&cd, o->target, ctx, o->max_prefill, d)) {
        ir_tensor_free(&t);
        return false;
    }
    const KilnDecoder *dec = cd.dec;
    bool ok = true;
    if (len - 1 > dec->max_context) {
        diag_at(d, o->ids, NULL, NULL,
                "rows of %" PRId64 " tokens need a KV cache of %" PRId64
                " tokens; the model holds %" PRId64 "%s",
                len, len - 1, dec->max_context,
                cli_is_dir(o->target) ? " (raise --max-context)" : "");
        ok = false;
    }
    for (int64_t i = 0; ok && i < rows * len; i++) {
        int64_t id = cli_ppl_id(&t, i);
        if (id < 0 || id >= dec->vocab_size) {
            diag_at(d, o->ids, NULL, NULL,
                    "token %" PRId64 " of row %" PRId64 " is %" PRId64
                    ", outside the vocabulary [0, %" PRId64 ")",
                    i % len, i / len, id, dec->vocab_size);
            ok = false;
        }
    }
    int64_t *row = ok ? malloc(sizeof *row * (size_t)len) : NULL;
    float *logits =
        ok ? malloc(sizeof *logits * (size_t)(dec->max_prefill * dec->vocab_size)) : NULL;
    if (ok && (!row || !logits)) {
        diag_error(d, "out of memory for %" PRId64 " x %" PRId64 " logits", dec->max_prefill,
                   dec->vocab_size);
        ok = false;
    }
    double total = 0.0, t0 = cli_generate_now_ms();
    for (int64_t r = 0; ok && r < rows; r++) {
        for (int64_t i = 0; i < len; i++) row[i] = cli_ppl_id(&t, r * len + i);
        double before = total;
        ok = cli_ppl_row(&cd, row, len, logits, &total, d);
        if (ok && !o->quiet)
            fprintf(stderr, "row %" PRId64 "/%" PRId64 ": mean_nll %.6f\n", r + 1, rows,
                    (total - before) / (double)(len - 1));
    }
    if (ok) {
        int64_t n = rows * (len - 1);
        double mean = total / (double)n, ms = cli_generate_now_ms() - t0;
        printf("model: %s\n", cd.lib.path);
        printf("rows: %" PRId64 " of %" PRId64 " tokens (%" PRId64 " predictions)\n", rows, len, n);
        printf("time: %.3f s, %.1f tokens/s\n", ms / 1000.0, (double)(rows * len) * 1000.0 / ms);
        printf("mean_nll: %.6f\n", mean);
        printf("perplexity: %.4f\n", exp(mean));
    }
    free(row);
    free(logits);
    cli_decoder_close(&cd);
    ir_tensor_free(&t);
    return ok;
}

int cli_perplexity_main(int argc, char **argv) {
    static const CliCommand command = {"perplexity", cli_perplexity_help, cli_ppl_parse,
                                       cli_perplexity_run};
    CliPplOptions o;
    return cli_command_main(&command, argc, argv, &o);
}
