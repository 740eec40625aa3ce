/* `kiln generate`: text generation with a compiled decoder LLM (a Hugging Face folder, compiled
 * on the fly, or a library from `kiln compile --emit so`), with the byte-level BPE tokenizer of
 * tok.h and the samplers of runtime/krt_sample.h. Also the decoder opening shared with
 * `kiln bench`. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "frontend/frontend.h"
#include "tok.h"

/* The samplers are runtime code, so products embedding a model can use them too. */
#include "../runtime/krt_sample.h"

static const char cli_generate_help[] =
    "usage: kiln generate MODEL_DIR|LIB.so (--prompt TEXT | --tokens IDS) [options]\n"
    "\n"
    "Generates text with a decoder LLM: a Hugging Face folder (config.json + safetensors),\n"
    "compiled into a temporary folder first, or a library from 'kiln compile --emit so'.\n"
    "Tokens are printed as they are produced (as text when a tokenizer is known, else as ids);\n"
    "prompt and generation speeds go to standard error at the end.\n"
    "\n"
    "options:\n"
    "  --prompt TEXT        the prompt, encoded with the tokenizer\n"
    "  --tokens 1,2,3       the prompt as token ids instead\n"
    "  --tokenizer FILE     tokenizer.json (default: MODEL_DIR/tokenizer.json, or the\n"
    "                       tokenizer.json next to LIB.so, when present)\n"
    "  -n N                 most tokens to generate (default 64); generation also stops at\n"
    "                       the model's eos token and when the KV cache is full\n"
    "  --temp T             temperature; 0 (the default) is greedy\n"
    "  --top-k K            sample among the K most likely tokens only (0: all)\n"
    "  --top-p P            sample among the most likely tokens whose probability reaches P\n"
    "                       (1: all)\n"
    "  --seed S             seed of the sampler (default 0)\n"
    "  --ids                end with one line holding the generated ids (prompt excluded)\n"
    "  --ignore-eos         do not stop at the eos token\n"
    "  --add-bos            put the model's bos token before the prompt\n"
    "  --max-context N      KV cache capacity in tokens (MODEL_DIR only)\n"
    "  --max-prefill N      most tokens one prefill call takes (MODEL_DIR only)\n"
    "  --jit                compile MODEL_DIR with the llvm backend and run it in-process in ORC\n"
    "                       LLJIT, without linking a library\n"
    "  -h, --help           show this help\n";

double cli_generate_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static bool cli_is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The folder of a file path ("." when it has none), malloc'd. */
static char *cli_dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    return strndup(path, (size_t)(slash - path) + (slash == path));
}

static bool cli_check_decoder(const CliLib *lib, Diag *d) {
    const KilnDecoder *dec = lib->model->decoder;
    if (!dec) {
        diag_at(d, lib->path, NULL, NULL, "not a decoder LLM (its kiln_model has no decoder)");
        return false;
    }
    if (!dec->reset || !dec->prefill || !dec->decode || !dec->position || dec->vocab_size < 1 ||
        dec->vocab_size > INT32_MAX || dec->max_context < 1 || dec->max_prefill < 1 ||
        dec->max_prefill > dec->max_context ||
        (uint64_t)dec->max_prefill > SIZE_MAX / sizeof(float) / (uint64_t)dec->vocab_size) {
        diag_at(d, lib->path, NULL, NULL, "kiln_model: malformed decoder descriptor");
        return false;
    }
    return true;
}

/* Compiles the folder into a fresh temporary folder; sets cd->tmp_dir and the library path. */
static char *cli_compile_folder(CliDecoder *cd, const char *dir, const char *backend, bool jit,
                                int64_t max_context, int64_t max_prefill, Diag *d) {
    FeOptions fopt = {NULL, 0, max_context, max_prefill, IR_DTYPE_F32};
    double t0 = cli_generate_now_ms();
    IrGraph *g = fe_load_model(dir, &fopt, d);
    if (!g) return NULL;
    const char *tmp_root = getenv("TMPDIR");
    cd->tmp_dir = cli_path_join(tmp_root && *tmp_root ? tmp_root : "/tmp", "kiln-gen-XXXXXX");
    char *lib_path = NULL;
    if (!mkdtemp(cd->tmp_dir)) {
        diag_error(d, "cannot create a temporary folder %s: %s", cd->tmp_dir, strerror(errno));
        free(cd->tmp_dir);
        cd->tmp_dir = NULL;
    } else {
        CliBuildOptions bopt = {0};
        /* --jit: the llvm backend's object, loaded into the JIT instead of a library */
        bopt.emit_so = !jit;
        bopt.target = jit ? "llvm" : backend;
        char prefix[128];
        if (cli_build_model(g, cd->tmp_dir, &bopt, prefix, sizeof prefix, d)) {
            char lib_name[160];
            snprintf(lib_name, sizeof lib_name, jit ? "%s.o" : "lib%s.so", prefix);
            lib_path = cli_path_join(cd->tmp_dir, lib_name);
        }
    }
    ir_graph_free(g);
    cd->compile_ms = cli_generate_now_ms() - t0;
    return lib_path;
}

bool cli_decoder_open(CliDecoder *cd, const char *target, int64_t max_context, int64_t max_prefill,
                      Diag *d) {
    return cli_decoder_open_with(cd, target, NULL, false, max_context, max_prefill, d);
}

bool cli_decoder_open_with(CliDecoder *cd, const char *target, const char *backend, bool jit,
                           int64_t max_context, int64_t max_prefill, Diag *d) {
    memset(cd, 0, sizeof *cd);
    char *lib_path = NULL;
    if (jit && !cli_is_dir(target)) {
        diag_error(d, "--jit compiles a model folder; %s is a library already", target);
        return false;
    }
    if (cli_is_dir(target)) {
        lib_path = cli_compile_folder(cd, target, backend, jit, max_context, max_prefill, d);
        if (!lib_path) {
            cli_decoder_close(cd);
            return false;
        }
    } else if (max_context || max_prefill) {
        diag_error(d, "--max-context and --max-prefill apply to model folders, not to a library");
        return false;
    }
    bool ok = (jit ? cli_lib_open_jit(&cd->lib, lib_path, d)
                   : cli_lib_open(&cd->lib, lib_path ? lib_path : target, d)) &&
              cli_check_decoder(&cd->lib, d);
    free(lib_path);
    if (ok) {
        const KilnModel *m = cd->lib.model;
        char *weights = NULL;
        if (!m->weights_embedded) {
            char *dir = cli_dir_of(cd->lib.path);
            KILN_ASSERT(dir != NULL);
            weights = cli_path_join(dir, m->weights_file);
            free(dir);
        }
        int st = m->create(&cd->ctx, weights);
        if (st != KILN_OK) {
            cli_lib_create_error(&cd->lib, st, weights ? weights : cd->lib.path, d);
            cd->ctx = NULL;
            ok = false;
        }
        free(weights);
    }
    if (!ok) {
        cli_decoder_close(cd);
        return false;
    }
    cd->dec = cd->lib.model->decoder;
    return true;
}

void cli_decoder_close(CliDecoder *cd) {
    if (cd->ctx) cd->lib.model->destroy(cd->ctx);
    if (cd->lib.handle || cd->lib.jit) cli_lib_close(&cd->lib);
    if (cd->tmp_dir) cli_remove_tree(cd->tmp_dir);
    free(cd->tmp_dir);
    memset(cd, 0, sizeof *cd);
}

/* ---- options ------------------------------------------------------------------------------ */

typedef struct CliGenOptions {
    const char *target, *prompt, *tokens, *tokenizer;
    int64_t n, max_context, max_prefill;
    KrtSampler sampler;
    uint64_t seed;
    bool ids, ignore_eos, add_bos;
    bool jit; /* --jit: MODEL_DIR compiled by the llvm backend into ORC LLJIT */
} CliGenOptions;

static bool cli_parse_u64(const char *s, const char *flag, uint64_t *out, Diag *d) {
    uint64_t v = 0;
    bool ok = *s != '\0';
    for (const char *p = s; ok && *p; p++) {
        unsigned digit = (unsigned)(*p - '0');
        ok = *p >= '0' && *p <= '9' && v <= (UINT64_MAX - digit) / 10;
        v = v * 10 + digit;
    }
    if (!ok) diag_error(d, "%s needs a non-negative integer, got '%s'", flag, s);
    *out = v;
    return ok;
}

static bool cli_parse_real(const char *s, const char *flag, double lo, double hi, double *out,
                           Diag *d) {
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v) || v < lo || v > hi) {
        diag_error(d, "%s needs a number in [%g, %g], got '%s'", flag, lo, hi, s);
        return false;
    }
    *out = v;
    return true;
}

/* "1,2,3" into ids; every id in [0, vocab). */
static bool cli_parse_tokens(const char *s, int64_t vocab, TokIds *ids, Diag *d) {
    const char *p = s;
    for (;;) {
        uint64_t v = 0;
        const char *start = p;
        while (*p >= '0' && *p <= '9') {
            if (v > (uint64_t)INT64_MAX / 10) break;
            v = v * 10 + (uint64_t)(*p++ - '0');
        }
        if (p == start || v >= (uint64_t)vocab) {
            diag_error(d,
                       "--tokens: expected token ids in [0, %" PRId64 ") separated by commas, "
                       "got '%s'",
                       vocab, s);
            return false;
        }
        tok_ids_push(ids, (int64_t)v);
        if (*p == '\0') return true;
        if (*p++ != ',') {
            diag_error(d, "--tokens: unexpected character in '%s'", s);
            return false;
        }
    }
}

static bool cli_gen_parse(int argc, char **argv, void *opts, Diag *d, bool *help) {
    CliGenOptions *o = opts;
    memset(o, 0, sizeof *o);
    o->n = 64;
    o->sampler.top_p = 1.0f;
    for (int i = 0; i < argc && diag_ok(d); i++) {
        const char *v = NULL;
        double x;
        uint64_t u;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            *help = true;
            return true;
        } else if (cli_flag_value(argc, argv, &i, "--prompt", &v, d)) {
            o->prompt = v;
        } else if (cli_flag_value(argc, argv, &i, "--tokens", &v, d)) {
            o->tokens = v;
        } else if (cli_flag_value(argc, argv, &i, "--tokenizer", &v, d)) {
            o->tokenizer = v;
        } else if (cli_flag_value(argc, argv, &i, "-n", &v, d)) {
            if (v) cli_positive_int(v, "-n", &o->n, d);
        } else if (cli_flag_value(argc, argv, &i, "--temp", &v, d)) {
            if (v && cli_parse_real(v, "--temp", 0.0, 1e6, &x, d))
                o->sampler.temperature = (float)x;
        } else if (cli_flag_value(argc, argv, &i, "--top-k", &v, d)) {
            if (v && cli_parse_u64(v, "--top-k", &u, d)) {
                if (u > INT32_MAX) u = INT32_MAX; /* more than any vocabulary: all */
                o->sampler.top_k = (int64_t)u;
            }
        } else if (cli_flag_value(argc, argv, &i, "--top-p", &v, d)) {
            if (v && cli_parse_real(v, "--top-p", 0.0, 1.0, &x, d)) {
                if (x <= 0.0) diag_error(d, "--top-p must be above 0, got '%s'", v);
                o->sampler.top_p = (float)x;
            }
        } else if (cli_flag_value(argc, argv, &i, "--seed", &v, d)) {
            if (v) cli_parse_u64(v, "--seed", &o->seed, d);
        } else if (cli_flag_value(argc, argv, &i, "--max-context", &v, d)) {
            if (v) cli_positive_int(v, "--max-context", &o->max_context, d);
        } else if (cli_flag_value(argc, argv, &i, "--max-prefill", &v, d)) {
            if (v) cli_positive_int(v, "--max-prefill", &o->max_prefill, d);
        } else if (strcmp(argv[i], "--ids") == 0) {
            o->ids = true;
        } else if (strcmp(argv[i], "--ignore-eos") == 0) {
            o->ignore_eos = true;
        } else if (strcmp(argv[i], "--jit") == 0) {
            o->jit = true;
        } else if (strcmp(argv[i], "--add-bos") == 0) {
            o->add_bos = true;
        } else {
            cli_model_argument(argv[i], &o->target, d);
        }
    }
    if (diag_ok(d) && !o->target) diag_error(d, "no model folder or library given");
    if (diag_ok(d) && !o->prompt == !o->tokens)
        diag_error(d, "give the prompt with exactly one of --prompt and --tokens");
    return diag_ok(d);
}

/* ---- generation --------------------------------------------------------------------------- */

/* Streams generated tokens to stdout: as text through the tokenizer (holding back the bytes of
 * a character that is not complete yet), or as ids without one. */
typedef struct CliStream {
    const Tok *tok;
    TokBuf pending; /* raw bytes not printed yet */
    bool first;
} CliStream;

static void cli_stream_token(CliStream *s, int64_t id) {
    if (!s->tok) {
        printf(s->first ? "%" PRId64 : " %" PRId64, id);
    } else {
        Diag ignore; /* ids the tokenizer lacks (padded vocabularies) print nothing, as in HF */
        diag_init(&ignore);
        tok_token_bytes(s->tok, id, true, &s->pending, &ignore);
        diag_free(&ignore);
        size_t n = tok_utf8_complete_prefix((const uint8_t *)s->pending.data, s->pending.len);
        TokBuf text = {0};
        tok_utf8_lossy(&text, (const uint8_t *)s->pending.data, n);
        fwrite(text.data ? text.data : "", 1, text.len, stdout);
        tok_buf_free(&text);
        memmove(s->pending.data, s->pending.data + n, s->pending.len - n);
        s->pending.len -= n;
    }
    s->first = false;
    fflush(stdout);
}

static void cli_stream_end(CliStream *s) {
    if (s->pending.len) {
        TokBuf text = {0};
        tok_utf8_lossy(&text, (const uint8_t *)s->pending.data, s->pending.len);
        fwrite(text.data, 1, text.len, stdout);
        tok_buf_free(&text);
    }
    tok_buf_free(&s->pending);
    putchar('\n');
    fflush(stdout);
}

/* Runs the prompt through prefill (in chunks of max_prefill) and leaves the last position's
 * logits in last (f32[vocab]). */
static bool cli_prefill(CliDecoder *cd, const TokIds *prompt, float *logits, float *last, Diag *d) {
    const KilnDecoder *dec = cd->dec;
    for (size_t at = 0; at < prompt->count;) {
        int64_t n = (int64_t)(prompt->count - at);
        if (n > dec->max_prefill) n = dec->max_prefill;
        int st = dec->prefill(cd->ctx, prompt->ids + at, n, logits);
        if (st != KILN_OK) {
            diag_at(d, cd->lib.path, NULL, NULL, "prefill failed: %s",
                    cd->lib.model->status_string(st));
            return false;
        }
        at += (size_t)n;
        memcpy(last, logits + (size_t)(n - 1) * (size_t)dec->vocab_size,
               (size_t)dec->vocab_size * sizeof *last);
    }
    return true;
}

static bool cli_generate(CliDecoder *cd, const Tok *tok, const TokIds *prompt,
                         const CliGenOptions *o, Diag *d) {
    const KilnDecoder *dec = cd->dec;
    size_t vocab = (size_t)dec->vocab_size;
    if ((int64_t)prompt->count > dec->max_context) {
        diag_at(d, cd->lib.path, NULL, NULL,
                "the prompt has %zu tokens, more than the KV cache holds (%" PRId64 ")",
                prompt->count, dec->max_context);
        return false;
    }
    float *logits = malloc((size_t)dec->max_prefill * vocab * sizeof *logits);
    float *last = malloc(vocab * sizeof *last);
    void *scratch = malloc(krt_sample_scratch_bytes(dec->vocab_size));
    KILN_ASSERT(logits && last && scratch);
    KrtRng rng;
    krt_rng_seed(&rng, o->seed);
    TokIds out = {0};
    CliStream stream = {tok, {0}, true};
    double t0 = cli_generate_now_ms();
    bool ok = cli_prefill(cd, prompt, logits, last, d);
    double t1 = cli_generate_now_ms();
    bool full = false;
    while (ok && (int64_t)out.count < o->n) {
        int64_t id = krt_sample(&o->sampler, last, dec->vocab_size, &rng, scratch);
        KILN_ASSERT(id >= 0 && id < dec->vocab_size);
        if (id == dec->eos_token_id && !o->ignore_eos) break;
        tok_ids_push(&out, id);
        cli_stream_token(&stream, id);
        if ((int64_t)out.count == o->n) break;
        if (dec->position(cd->ctx) >= dec->max_context) {
            full = true;
            break;
        }
        int st = dec->decode(cd->ctx, id, last);
        if (st != KILN_OK) {
            diag_at(d, cd->lib.path, NULL, NULL, "decode failed: %s",
                    cd->lib.model->status_string(st));
            ok = false;
        }
    }
    double t2 = cli_generate_now_ms();
    cli_stream_end(&stream);
    if (ok) {
        if (full)
            fprintf(stderr, "kiln generate: stopped: the KV cache is full (%" PRId64 " tokens)\n",
                    dec->max_context);
        double pre_s = (t1 - t0) / 1e3, gen_s = (t2 - t1) / 1e3;
        char isa[160];
        cli_isa_describe(isa, sizeof isa);
        fprintf(stderr,
                "prompt: %zu tokens, %.3f s, %.1f tokens/s\n"
                "generation: %zu tokens, %.3f s, %.1f tokens/s\n"
                "kernels: %s\n",
                prompt->count, pre_s, pre_s > 0 ? (double)prompt->count / pre_s : 0.0, out.count,
                gen_s, gen_s > 0 ? (double)out.count / gen_s : 0.0, isa);
        if (o->ids) {
            for (size_t i = 0; i < out.count; i++) printf(i ? " %" PRId64 : "%" PRId64, out.ids[i]);
            putchar('\n');
        }
    }
    tok_ids_free(&out);
    free(logits);
    free(last);
    free(scratch);
    return ok;
}

/* The tokenizer file to use: --tokenizer, else tokenizer.json in the folder or next to the
 * library when there is one; NULL when none (malloc'd otherwise). */
static char *cli_find_tokenizer(const CliGenOptions *o) {
    if (o->tokenizer) return strdup(o->tokenizer);
    char *dir = cli_is_dir(o->target) ? strdup(o->target) : cli_dir_of(o->target);
    KILN_ASSERT(dir != NULL);
    char *path = cli_path_join(dir, "tokenizer.json");
    free(dir);
    if (cli_is_file(path)) return path;
    free(path);
    return NULL;
}

static bool cli_generate_run(const void *opts, Diag *d) {
    const CliGenOptions *o = opts;
    Tok *tok = NULL;
    char *tok_path = cli_find_tokenizer(o);
    if (tok_path) {
        tok = tok_load(tok_path, d);
        free(tok_path);
        if (!tok) return false;
    } else if (o->prompt) {
        diag_error(d,
                   "--prompt needs a tokenizer: '%s' has no tokenizer.json; give --tokenizer "
                   "FILE or --tokens",
                   o->target);
        return false;
    }
    CliDecoder cd;
    if (!cli_decoder_open_with(&cd, o->target, NULL, o->jit, o->max_context, o->max_prefill, d)) {
        tok_free(tok);
        return false;
    }
    TokIds prompt = {0};
    bool ok = true;
    if (o->add_bos) {
        if (cd.dec->bos_token_id < 0) {
            diag_at(d, cd.lib.path, NULL, NULL, "--add-bos: the model has no bos token");
            ok = false;
        }
        tok_ids_push(&prompt, cd.dec->bos_token_id);
    }
    if (ok && o->tokens) ok = cli_parse_tokens(o->tokens, cd.dec->vocab_size, &prompt, d);
    if (ok && o->prompt) {
        tok_encode(tok, o->prompt, strlen(o->prompt), &prompt);
        for (size_t i = 0; ok && i < prompt.count; i++) {
            if (prompt.ids[i] >= cd.dec->vocab_size) {
                diag_at(d, cd.lib.path, NULL, NULL,
                        "the prompt encodes to token %" PRId64 ", outside the model's vocabulary "
                        "of %" PRId64,
                        prompt.ids[i], cd.dec->vocab_size);
                ok = false;
            }
        }
    }
    if (ok && prompt.count == 0) {
        diag_error(d, "the prompt is empty (it encodes to no tokens)");
        ok = false;
    }
    if (ok) ok = cli_generate(&cd, tok, &prompt, o, d);
    tok_ids_free(&prompt);
    cli_decoder_close(&cd);
    tok_free(tok);
    return ok;
}

int cli_generate_main(int argc, char **argv) {
    static const CliCommand command = {"generate", cli_generate_help, cli_gen_parse,
                                       cli_generate_run};
    CliGenOptions o;
    return cli_command_main(&command, argc, argv, &o);
}
