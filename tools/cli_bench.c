/* `kiln bench`: the decoder benchmark. Writes a GLM-shaped Hugging Face folder with random
 * weights (config.json + model.safetensors) into a temporary folder, compiles it with kiln,
 * times prefill and batch-1 decode, and measures the machine's memory-read bandwidth in the
 * same run, to report the decode floor it implies (bytes read per token / bandwidth). */
#include "cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/kiln_rt.h"
#include "../runtime/krt_sample.h"

static const char cli_bench_help[] =
    "usage: kiln bench [options]\n"
    "\n"
    "Builds a GLM-shaped decoder with random weights in a temporary folder (by default about\n"
    "110M parameters: hidden 768, 12 layers, 12/4 heads), compiles it, and reports prefill and\n"
    "batch-1 decode tokens/s (medians) beside two limits probed in the same run on the same\n"
    "threads: the memory-read bandwidth (decode as a fraction of the floor it implies: weight\n"
    "bytes per token / bandwidth) and the f32 FMA throughput (prefill as a fraction of it). It\n"
    "names the CPU, the kernel table (KILN_ISA, else the best the CPU runs) and the load\n"
    "average. Takes a minute or more and ~1.5 GB of disk.\n"
    "\n"
    "options:\n"
    "  --hidden N         hidden size (768)\n"
    "  --layers N         decoder layers (12)\n"
    "  --heads N          attention heads (12)\n"
    "  --kv-heads N       key/value heads (4)\n"
    "  --intermediate N   MLP size (1536)\n"
    "  --vocab N          vocabulary (32000)\n"
    "  --dtype bf16|f32   weight storage in the safetensors file (bf16)\n"
    "  --prefill N        prompt tokens of the prefill measurement (128)\n"
    "  --decode N         tokens of the decode measurement (64)\n"
    "  --repeat N         runs of each measurement; the median is reported (5)\n"
    "  --threads N        threads of the model's context and of the probes (KILN_THREADS,\n"
    "                     else every online CPU)\n"
    "  --bandwidth-mib N  buffer of the bandwidth probe in MiB (1024; below 1024 the\n"
    "                     caches may hold it and the floor is not the memory's)\n"
    "  --seed S           weight and token seed (1)\n"
    "  --target A[,B...]  compile for these backends (default: c), each measured in this run;\n"
    "                     with several, the last lines give each one's compile time and speeds\n"
    "                     as a ratio to the first's\n"
    "  -h, --help         show this help\n";

typedef struct CliBenchShape {
    int64_t hidden, layers, heads, kv_heads, intermediate, vocab;
    int64_t prefill, decode, repeat, bandwidth_mib, threads;
    bool bf16;
    uint64_t seed;
    const char *targets; /* comma-separated backend names; NULL: the default */
} CliBenchShape;

/* One backend's figures, for the ratios to the first. */
typedef struct CliBenchResult {
    char target[32];
    double compile_ms, prefill_ms, decode_ms;
} CliBenchResult;

/* One tensor of the GLM checkpoint: HF name, shape, and how it is initialized. */
typedef enum CliInit { CLI_INIT_MATRIX, CLI_INIT_ONES, CLI_INIT_ZEROS } CliInit;

typedef struct CliBenchTensor {
    char name[96];
    int rank;
    int64_t dims[2];
    CliInit init;
} CliBenchTensor;

/* The tensors of GlmForCausalLM, in file order; returns the count (n_max >= 3 + 10 x layers). */
static int cli_bench_tensors(const CliBenchShape *s, CliBenchTensor *t) {
    int n = 0;
    int64_t hd = s->hidden / s->heads;
#define CLI_T(R, D0, D1, INIT, ...)                                                                \
    do {                                                                                           \
        snprintf(t[n].name, sizeof t[n].name, __VA_ARGS__);                                        \
        t[n].rank = R;                                                                             \
        t[n].dims[0] = D0;                                                                         \
        t[n].dims[1] = D1;                                                                         \
        t[n].init = INIT;                                                                          \
        n++;                                                                                       \
    } while (0)
    CLI_T(2, s->vocab, s->hidden, CLI_INIT_MATRIX, "model.embed_tokens.weight");
    for (int64_t l = 0; l < s->layers; l++) {
        const char *p = "model.layers.";
        long long i = (long long)l;
        CLI_T(1, s->hidden, 0, CLI_INIT_ONES, "%s%lld.input_layernorm.weight", p, i);
        CLI_T(2, s->heads * hd, s->hidden, CLI_INIT_MATRIX, "%s%lld.self_attn.q_proj.weight", p, i);
        CLI_T(1, s->heads * hd, 0, CLI_INIT_ZEROS, "%s%lld.self_attn.q_proj.bias", p, i);
        CLI_T(2, s->kv_heads * hd, s->hidden, CLI_INIT_MATRIX, "%s%lld.self_attn.k_proj.weight", p,
              i);
        CLI_T(1, s->kv_heads * hd, 0, CLI_INIT_ZEROS, "%s%lld.self_attn.k_proj.bias", p, i);
        CLI_T(2, s->kv_heads * hd, s->hidden, CLI_INIT_MATRIX, "%s%lld.self_attn.v_proj.weight", p,
              i);
        CLI_T(1, s->kv_heads * hd, 0, CLI_INIT_ZEROS, "%s%lld.self_attn.v_proj.bias", p, i);
        CLI_T(2, s->hidden, s->heads * hd, CLI_INIT_MATRIX, "%s%lld.self_attn.o_proj.weight", p, i);
        CLI_T(1, s->hidden, 0, CLI_INIT_ONES, "%s%lld.post_attention_layernorm.weight", p, i);
        CLI_T(2, 2 * s->intermediate, s->hidden, CLI_INIT_MATRIX, "%s%lld.mlp.gate_up_proj.weight",
              p, i);
        CLI_T(2, s->hidden, s->intermediate, CLI_INIT_MATRIX, "%s%lld.mlp.down_proj.weight", p, i);
    }
    CLI_T(1, s->hidden, 0, CLI_INIT_ONES, "model.norm.weight");
    CLI_T(2, s->vocab, s->hidden, CLI_INIT_MATRIX, "lm_head.weight");
#undef CLI_T
    return n;
}

static int64_t cli_bench_elems(const CliBenchTensor *t) {
    return t->rank == 1 ? t->dims[0] : t->dims[0] * t->dims[1];
}

static bool cli_bench_write_json(const char *dir, const char *name, cJSON *root, Diag *d) {
    char *text = cJSON_Print(root);
    KILN_ASSERT(text != NULL);
    char *path = cli_path_join(dir, name);
    bool ok = cli_write_file(path, text, strlen(text), d);
    free(path);
    free(text);
    return ok;
}

static bool cli_bench_write_config(const char *dir, const CliBenchShape *s, Diag *d) {
    cJSON *c = cJSON_CreateObject();
    cJSON *arch = cJSON_AddArrayToObject(c, "architectures");
    cJSON_AddItemToArray(arch, cJSON_CreateString("GlmForCausalLM"));
    cJSON_AddStringToObject(c, "model_type", "glm");
    cJSON_AddBoolToObject(c, "attention_bias", true);
    cJSON_AddNumberToObject(c, "eos_token_id", 0);
    cJSON_AddNumberToObject(c, "head_dim", (double)(s->hidden / s->heads));
    cJSON_AddStringToObject(c, "hidden_act", "silu");
    cJSON_AddNumberToObject(c, "hidden_size", (double)s->hidden);
    cJSON_AddNumberToObject(c, "intermediate_size", (double)s->intermediate);
    cJSON_AddNumberToObject(c, "max_position_embeddings", 4096);
    cJSON_AddNumberToObject(c, "num_attention_heads", (double)s->heads);
    cJSON_AddNumberToObject(c, "num_hidden_layers", (double)s->layers);
    cJSON_AddNumberToObject(c, "num_key_value_heads", (double)s->kv_heads);
    cJSON_AddNumberToObject(c, "partial_rotary_factor", 0.5);
    cJSON_AddNumberToObject(c, "rms_norm_eps", 1e-5);
    cJSON_AddNumberToObject(c, "rope_theta", 10000.0);
    cJSON_AddBoolToObject(c, "tie_word_embeddings", false);
    cJSON_AddStringToObject(c, "dtype", s->bf16 ? "bfloat16" : "float32");
    cJSON_AddNumberToObject(c, "vocab_size", (double)s->vocab);
    bool ok = cli_bench_write_json(dir, "config.json", c, d);
    cJSON_Delete(c);
    return ok;
}

/* model.safetensors: 8-byte little-endian header length, JSON header, then the data. Matrices
 * are uniform with standard deviation 0.02, norms 1, biases 0. */
static bool cli_bench_write_weights(const char *dir, const CliBenchShape *s,
                                    const CliBenchTensor *t, int n, Diag *d) {
    size_t esize = s->bf16 ? 2 : 4;
    cJSON *h = cJSON_CreateObject();
    uint64_t off = 0;
    for (int i = 0; i < n; i++) {
        cJSON *e = cJSON_AddObjectToObject(h, t[i].name);
        cJSON_AddStringToObject(e, "dtype", s->bf16 ? "BF16" : "F32");
        cJSON *shape = cJSON_AddArrayToObject(e, "shape");
        for (int k = 0; k < t[i].rank; k++)
            cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t[i].dims[k]));
        uint64_t bytes = (uint64_t)cli_bench_elems(&t[i]) * esize;
        cJSON *offs = cJSON_AddArrayToObject(e, "data_offsets");
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)off));
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(off + bytes)));
        off += bytes;
    }
    char *header = cJSON_PrintUnformatted(h);
    cJSON_Delete(h);
    KILN_ASSERT(header != NULL);
    char *path = cli_path_join(dir, "model.safetensors");
    FILE *f = fopen(path, "wb");
    bool ok = f != NULL;
    if (ok) {
        uint64_t hlen = strlen(header);
        uint8_t le[8];
        for (int k = 0; k < 8; k++) le[k] = (uint8_t)(hlen >> (8 * k));
        ok = fwrite(le, 1, 8, f) == 8 && fwrite(header, 1, hlen, f) == hlen;
    }
    KrtRng rng;
    krt_rng_seed(&rng, s->seed);
    enum { CHUNK = 1 << 16 };
    uint8_t *buf = malloc(CHUNK * 4);
    KILN_ASSERT(buf != NULL);
    for (int i = 0; ok && i < n; i++) {
        for (int64_t left = cli_bench_elems(&t[i]); ok && left > 0;) {
            int64_t m = left < CHUNK ? left : CHUNK;
            for (int64_t j = 0; j < m; j++) {
                float v = t[i].init == CLI_INIT_ONES ? 1.0f : 0.0f;
                if (t[i].init == CLI_INIT_MATRIX)
                    v = (float)((krt_rng_uniform(&rng) * 2.0 - 1.0) * 0.034641); /* 0.02 sqrt 3 */
                if (s->bf16) {
                    uint16_t b = krt_f32_to_bf16(v);
                    memcpy(buf + 2 * j, &b, 2);
                } else {
                    memcpy(buf + 4 * j, &v, 4);
                }
            }
            ok = fwrite(buf, esize, (size_t)m, f) == (size_t)m;
            left -= m;
        }
    }
    if (f && fclose(f) != 0) ok = false;
    if (!ok) diag_at(d, path, NULL, NULL, "cannot write the weights: %s", strerror(errno));
    free(buf);
    free(path);
    free(header);
    return ok;
}

static bool cli_bench_status(const CliDecoder *cd, int st, const char *what, Diag *d) {
    if (st == KILN_OK) return true;
    diag_at(d, cd->lib.path, NULL, NULL, "%s failed: %s", what, cd->lib.model->status_string(st));
    return false;
}

/* Median prefill time (ms) of s->prefill tokens and median decode time of s->decode tokens
 * after a one-token prompt, over s->repeat runs each. */
static bool cli_bench_time(CliDecoder *cd, const CliBenchShape *s, double *prefill_ms,
                           double *decode_ms, Diag *d) {
    const KilnDecoder *dec = cd->dec;
    int64_t *tokens = malloc((size_t)s->prefill * sizeof *tokens);
    float *logits = malloc((size_t)s->prefill * (size_t)dec->vocab_size * sizeof *logits);
    double *pre = calloc((size_t)s->repeat, sizeof *pre), *dm = calloc((size_t)s->repeat, 8);
    KILN_ASSERT(tokens && logits && pre && dm);
    KrtRng rng;
    krt_rng_seed(&rng, s->seed + 1);
    for (int64_t i = 0; i < s->prefill; i++)
        tokens[i] = (int64_t)(krt_rng_next(&rng) % (uint64_t)dec->vocab_size);
    bool ok = true;
    for (int64_t r = 0; ok && r < s->repeat; r++) {
        ok = cli_bench_status(cd, dec->reset(cd->ctx), "reset", d);
        double t0 = cli_generate_now_ms();
        ok = ok &&
             cli_bench_status(cd, dec->prefill(cd->ctx, tokens, s->prefill, logits), "prefill", d);
        pre[r] = cli_generate_now_ms() - t0;
    }
    for (int64_t r = 0; ok && r < s->repeat; r++) {
        ok = cli_bench_status(cd, dec->reset(cd->ctx), "reset", d) &&
             cli_bench_status(cd, dec->prefill(cd->ctx, tokens, 1, logits), "prefill", d);
        int64_t tok = krt_sample_argmax(logits, dec->vocab_size);
        double t0 = cli_generate_now_ms();
        for (int64_t i = 0; ok && i < s->decode; i++) {
            ok = cli_bench_status(cd, dec->decode(cd->ctx, tok, logits), "decode", d);
            tok = krt_sample_argmax(logits, dec->vocab_size);
        }
        dm[r] = cli_generate_now_ms() - t0;
    }
    if (ok) {
        *prefill_ms = cli_median(pre, (int)s->repeat);
        *decode_ms = cli_median(dm, (int)s->repeat);
    }
    free(tokens);
    free(logits);
    free(pre);
    free(dm);
    return ok;
}

/* The CPU model (/proc/cpuinfo's first "model name", else "unknown") into buf. */
static void cli_bench_cpu(char *buf, size_t n) {
    snprintf(buf, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        const char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) != 0 || !colon) continue;
        snprintf(buf, n, "%s", colon + 2);
        buf[strcspn(buf, "\n")] = '\0';
        break;
    }
    fclose(f);
}

static void cli_bench_load(const char *when) {
    double load[3];
    if (getloadavg(load, 3) == 3)
        printf("load average %s: %.2f %.2f %.2f (1, 5, 15 min)\n", when, load[0], load[1], load[2]);
    else
        printf("load average %s: unknown\n", when);
}

/* The figures against the probes. A decode step reads every weight once except the embedding
 * table, of which it reads one row, and the KV cache at the measured context (about half of it
 * on average, plus one prompt token). The C backend stores every weight as f32. (Counting
 * weights_bytes / params instead would also count constants a pass added beside the
 * originals, e.g. a fused QKV matrix, which decode does not read twice.) A prefill multiplies
 * every row by every matrix but the embedding (2 FLOP a weight a row) and runs causal
 * attention (2 x 2 FLOP per head dim, head and visible key). */
static void cli_bench_report(const CliBenchShape *s, const CliDecoder *cd, int64_t params,
                             int64_t embed, double prefill_ms, double decode_ms,
                             const CliProbeResult *bw, const CliProbeResult *fma, int threads) {
    double weight_read = 4.0 * (double)(params - embed + s->hidden);
    double kv_read = (double)cd->dec->kv_bytes_per_token * (double)(1 + s->decode / 2);
    double floor_tps = bw->median / (weight_read + kv_read);
    double decode_tps = (double)s->decode / (decode_ms / 1e3);
    double prefill_tps = (double)s->prefill / (prefill_ms / 1e3);
    double attn = 4.0 * (double)s->layers * (double)s->hidden * (double)s->prefill *
                  (double)(s->prefill + 1) / 2.0;
    double prefill_flop = 2.0 * (double)s->prefill * (double)(params - embed) + attn;
    double prefill_rate = prefill_flop / (prefill_ms / 1e3);
    printf("prefill: %" PRId64 " tokens in %.1f ms: %.1f tokens/s (median of %" PRId64 ")\n",
           s->prefill, prefill_ms, prefill_tps, s->repeat);
    printf("decode: %" PRId64 " tokens in %.1f ms: %.1f tokens/s (batch 1, median of %" PRId64
           ")\n",
           s->decode, decode_ms, decode_tps, s->repeat);
    printf("memory read bandwidth: %.2f GB/s (%d thread(s), %s loads, median of 7 passes over %.0f "
           "MiB)%s\n",
           bw->median / 1e9, threads, bw->isa, bw->bytes / 1048576.0,
           s->bandwidth_mib < 1024 ? "; under 1 GiB: the caches may hold it" : "");
    printf("FMA throughput: %.1f GFLOP/s (%d thread(s), %s, median of 7 passes)\n",
           fma->median / 1e9, threads, fma->isa);
    printf("decode floor: %.1f MB read per token / %.2f GB/s = %.1f tokens/s at best; "
           "kiln reaches %.0f%%%s\n",
           (weight_read + kv_read) / 1e6, bw->median / 1e9, floor_tps,
           100.0 * decode_tps / floor_tps,
           decode_tps > floor_tps ? " (above 100%: the bandwidth probe is wrong for this run, "
                                    "do not report it)"
                                  : "");
    printf("prefill compute: %.2f GFLOP per call / %.1f ms = %.1f GFLOP/s, %.0f%% of the FMA "
           "probe\n",
           prefill_flop / 1e9, prefill_ms, prefill_rate / 1e9, 100.0 * prefill_rate / fma->median);
}

static bool cli_bench_one(const CliBenchShape *s, const char *dir, int64_t params, int64_t embed,
                          int threads, CliBenchResult *r, Diag *d);

static bool cli_bench_run(const CliBenchShape *s, Diag *d) {
    if (s->threads > 0) {
        char t[24];
        snprintf(t, sizeof t, "%" PRId64, s->threads);
        setenv("KILN_THREADS", t, 1); /* read by the context create() makes */
    }
    int threads = krt_threads_default();
    char cpu[160], isa[160];
    cli_bench_cpu(cpu, sizeof cpu);
    cli_isa_describe(isa, sizeof isa);
    printf("cpu: %s; threads: %d; kernels: %s\n", cpu, threads, isa);
    cli_bench_load("at the start");
    const char *tmp_root = getenv("TMPDIR");
    char *dir = cli_path_join(tmp_root && *tmp_root ? tmp_root : "/tmp", "kiln-bench-XXXXXX");
    if (!mkdtemp(dir)) {
        diag_error(d, "cannot create a temporary folder %s: %s", dir, strerror(errno));
        free(dir);
        return false;
    }
    int max_t = 3 + 11 * (int)s->layers;
    CliBenchTensor *t = calloc((size_t)max_t, sizeof *t);
    KILN_ASSERT(t != NULL);
    int n = cli_bench_tensors(s, t);
    KILN_ASSERT(n <= max_t);
    int64_t params = 0, embed = s->vocab * s->hidden;
    for (int i = 0; i < n; i++) params += cli_bench_elems(&t[i]);
    printf("model: GLM-shaped decoder, hidden %" PRId64 ", %" PRId64 " layers, heads %" PRId64
           "/%" PRId64 ", intermediate %" PRId64 ", vocab %" PRId64 ": %.1fM parameters (%s)\n",
           s->hidden, s->layers, s->heads, s->kv_heads, s->intermediate, s->vocab,
           (double)params / 1e6, s->bf16 ? "bf16" : "f32");
    fflush(stdout);
    double t0 = cli_generate_now_ms();
    bool ok = cli_bench_write_config(dir, s, d) && cli_bench_write_weights(dir, s, t, n, d);
    printf("write folder: %.1f s\n", (cli_generate_now_ms() - t0) / 1e3);
    fflush(stdout);
    CliBenchResult res[8];
    int n_res = 0;
    const char *list = s->targets ? s->targets : "";
    for (const char *at = list; ok && n_res < 8; n_res++) {
        size_t len = strcspn(at, ",");
        CliBenchResult *r = &res[n_res];
        snprintf(r->target, sizeof r->target, "%.*s", (int)len, at);
        ok = cli_bench_one(s, dir, params, embed, threads, r, d);
        if (!at[len]) {
            n_res++;
            break;
        }
        at += len + 1;
    }
    for (int i = 1; ok && i < n_res; i++)
        printf("%s / %s: compile time %.2fx, prefill speed %.2fx, decode speed %.2fx (same run)\n",
               res[i].target, res[0].target, res[i].compile_ms / res[0].compile_ms,
               res[0].prefill_ms / res[i].prefill_ms, res[0].decode_ms / res[i].decode_ms);
    cli_remove_tree(dir);
    free(dir);
    free(t);
    return ok;
}

/* Compiles the folder dir for backend r->target ("": the default), times it, measures the
 * bandwidth and FMA probes on the same threads right after, and prints its figures against
 * them; r gets them. */
static bool cli_bench_one(const CliBenchShape *s, const char *dir, int64_t params, int64_t embed,
                          int threads, CliBenchResult *r, Diag *d) {
    CliDecoder cd = {0};
    int64_t ctx = s->prefill > s->decode + 1 ? s->prefill : s->decode + 1;
    if (r->target[0]) printf("target: %s\n", r->target);
    bool ok =
        cli_decoder_open_with(&cd, dir, r->target[0] ? r->target : NULL, false, ctx, s->prefill, d);
    double prefill_ms = 0, decode_ms = 0;
    if (ok) {
        printf("compile: %.1f s; weights in the library: %.1f MB\n", cd.compile_ms / 1e3,
               (double)cd.lib.model->weights_bytes / 1e6);
        fflush(stdout);
        ok = cli_bench_time(&cd, s, &prefill_ms, &decode_ms, d);
        r->compile_ms = cd.compile_ms;
        r->prefill_ms = prefill_ms;
        r->decode_ms = decode_ms;
    }
    CliProbeResult bw = {0}, fma = {0};
    ok = ok && cli_probe_bandwidth(threads, s->bandwidth_mib, 7, &bw, d) &&
         cli_probe_fma(threads, 7, &fma, d);
    if (ok) cli_bench_report(s, &cd, params, embed, prefill_ms, decode_ms, &bw, &fma, threads);
    if (ok) cli_bench_load("at the end");
    cli_decoder_close(&cd);
    return ok;
}

static bool cli_bench_parse(int argc, char **argv, CliBenchShape *s, Diag *d, bool *help) {
    *s = (CliBenchShape){768, 12, 12, 4, 1536, 32000, 128, 64, 5, 1024, 0, true, 1, NULL};
    struct {
        const char *flag;
        int64_t *dst;
    } ints[] = {{"--hidden", &s->hidden},
                {"--layers", &s->layers},
                {"--heads", &s->heads},
                {"--kv-heads", &s->kv_heads},
                {"--intermediate", &s->intermediate},
                {"--vocab", &s->vocab},
                {"--prefill", &s->prefill},
                {"--decode", &s->decode},
                {"--repeat", &s->repeat},
                {"--bandwidth-mib", &s->bandwidth_mib},
                {"--threads", &s->threads}};
    for (int i = 0; i < argc && diag_ok(d); i++) {
        const char *v = NULL;
        bool matched = false;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            *help = true;
            return true;
        }
        for (size_t k = 0; !matched && k < sizeof ints / sizeof ints[0]; k++) {
            if (cli_flag_value(argc, argv, &i, ints[k].flag, &v, d)) {
                matched = true;
                if (v) cli_positive_int(v, ints[k].flag, ints[k].dst, d);
            }
        }
        if (matched) continue;
        if (cli_flag_value(argc, argv, &i, "--dtype", &v, d)) {
            if (v && strcmp(v, "bf16") != 0 && strcmp(v, "f32") != 0)
                diag_error(d, "--dtype must be bf16 or f32, got '%s'", v);
            s->bf16 = v && strcmp(v, "bf16") == 0;
        } else if (cli_flag_value(argc, argv, &i, "--target", &v, d)) {
            int names = 1;
            for (const char *c = v ? v : ""; *c; c++) names += *c == ',';
            if (v && (names > 8 || !*v))
                diag_error(d, "--target takes 1 to 8 comma-separated backend names, got '%s'", v);
            s->targets = v;
        } else if (cli_flag_value(argc, argv, &i, "--seed", &v, d)) {
            if (v) {
                int64_t seed;
                if (cli_positive_int(v, "--seed", &seed, d)) s->seed = (uint64_t)seed;
            }
        } else {
            diag_error(d, "unknown argument '%s'", argv[i]);
        }
    }
    const int64_t limit = (int64_t)1 << 20;
    if (diag_ok(d) && (s->hidden > limit || s->intermediate > limit || s->vocab > limit ||
                       s->layers > 1024 || s->prefill > 4096 || s->decode > limit ||
                       s->repeat > 1000 || s->bandwidth_mib > 65536 || s->threads > 256))
        diag_error(d, "a size is larger than kiln bench allows");
    if (diag_ok(d) && (s->hidden % s->heads != 0 || s->heads % s->kv_heads != 0 ||
                       (s->hidden / s->heads) % 4 != 0))
        diag_error(d, "--hidden must be a multiple of --heads, --heads of --kv-heads, and the "
                      "head size a multiple of 4");
    return diag_ok(d);
}

int cli_bench_main(int argc, char **argv) {
    Diag d;
    diag_init(&d);
    CliBenchShape s;
    bool help = false;
    int status;
    if (!cli_bench_parse(argc, argv, &s, &d, &help)) {
        status = cli_usage_error("bench", &d);
    } else if (help) {
        fputs(cli_bench_help, stdout);
        status = 0;
    } else {
        bool ok = cli_bench_run(&s, &d);
        fflush(stdout);
        diag_print(&d, stderr); /* warnings are printed on success too */
        status = ok ? 0 : 1;
    }
    diag_free(&d);
    return status;
}
