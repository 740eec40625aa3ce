/* `kiln serve`: options, opening the model and tokenizer, starting the scheduler and the HTTP
 * layer, and shutdown. SIGINT and SIGTERM are blocked in every thread and taken by sigwait in
 * the main thread, so no handler runs in signal context. */
#include "serve.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

static const char serve_help[] =
    "usage: kiln serve MODEL_DIR|LIB.so [options]\n"
    "\n"
    "Serves a decoder LLM (a Hugging Face folder, compiled first, or a library from\n"
    "'kiln compile --emit so') over an OpenAI-compatible HTTP API: POST /v1/chat/completions,\n"
    "POST /v1/completions, GET /v1/models, GET /health, GET /metrics (docs/serve.md).\n"
    "SIGINT or SIGTERM stops accepting, lets running requests finish, and exits 0.\n"
    "\n"
    "options:\n"
    "  --tokenizer FILE     tokenizer.json (default: MODEL_DIR/tokenizer.json, or the one next\n"
    "                       to LIB.so); without one, prompts must be token ids (completions)\n"
    "  --host ADDR          IPv4 address to listen on (default 127.0.0.1)\n"
    "  --port N             TCP port (default 8080; 0: any free port, printed at startup)\n"
    "  --max-batch N        sequence slots, each with its own KV cache (default 4)\n"
    "  --max-queue N        requests that may wait for a slot; more get 503 (default 64)\n"
    "  --max-connections N  open connections at most (default 256)\n"
    "  --threads T          kernel threads per model context (KILN_THREADS; default: all CPUs)\n"
    "  --model-name NAME    the model id clients name (default: the folder or library name)\n"
    "  --max-context N      KV cache capacity in tokens (MODEL_DIR only)\n"
    "  --max-prefill N      most tokens one prefill call takes (MODEL_DIR only)\n"
    "  -h, --help           show this help\n";

typedef struct ServeOptions {
    const char *target, *tokenizer, *host, *model_name;
    int64_t port, max_batch, max_queue, max_connections, threads, max_context, max_prefill;
} ServeOptions;

static bool serve_parse_port(const char *v, int64_t *out, Diag *d) {
    if (strcmp(v, "0") == 0) {
        *out = 0;
        return true;
    }
    if (!cli_positive_int(v, "--port", out, d)) return false;
    if (*out > 65535) diag_error(d, "--port must be at most 65535, got '%s'", v);
    return diag_ok(d);
}

/* A positive integer option with an upper bound. */
static void serve_bounded(const char *v, const char *flag, int64_t hi, int64_t *out, Diag *d) {
    if (v && cli_positive_int(v, flag, out, d) && *out > hi)
        diag_error(d, "%s must be at most %lld, got '%s'", flag, (long long)hi, v);
}

static bool serve_parse(int argc, char **argv, ServeOptions *o, Diag *d, bool *help) {
    memset(o, 0, sizeof *o);
    o->host = "127.0.0.1";
    o->port = 8080;
    o->max_batch = 4;
    o->max_queue = 64;
    o->max_connections = 256;
    for (int i = 0; i < argc && diag_ok(d); i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            *help = true;
            return true;
        } else if (cli_flag_value(argc, argv, &i, "--tokenizer", &v, d)) {
            o->tokenizer = v;
        } else if (cli_flag_value(argc, argv, &i, "--host", &v, d)) {
            o->host = v;
        } else if (cli_flag_value(argc, argv, &i, "--model-name", &v, d)) {
            o->model_name = v;
        } else if (cli_flag_value(argc, argv, &i, "--port", &v, d)) {
            if (v) serve_parse_port(v, &o->port, d);
        } else if (cli_flag_value(argc, argv, &i, "--max-batch", &v, d)) {
            serve_bounded(v, "--max-batch", 256, &o->max_batch, d);
        } else if (cli_flag_value(argc, argv, &i, "--max-queue", &v, d)) {
            serve_bounded(v, "--max-queue", 1 << 20, &o->max_queue, d);
        } else if (cli_flag_value(argc, argv, &i, "--max-connections", &v, d)) {
            serve_bounded(v, "--max-connections", 65536, &o->max_connections, d);
        } else if (cli_flag_value(argc, argv, &i, "--threads", &v, d)) {
            serve_bounded(v, "--threads", 256, &o->threads, d);
        } else if (cli_flag_value(argc, argv, &i, "--max-context", &v, d)) {
            if (v) cli_positive_int(v, "--max-context", &o->max_context, d);
        } else if (cli_flag_value(argc, argv, &i, "--max-prefill", &v, d)) {
            if (v) cli_positive_int(v, "--max-prefill", &o->max_prefill, d);
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            diag_error(d, "unknown option '%s'", argv[i]);
        } else if (o->target) {
            diag_error(d, "more than one model given ('%s' and '%s')", o->target, argv[i]);
        } else {
            o->target = argv[i];
        }
    }
    if (diag_ok(d) && !o->target) diag_error(d, "no model folder or library given");
    return diag_ok(d);
}

static bool serve_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The folder holding the model's files: the target folder, or the library's folder. */
static char *serve_model_dir(const char *target) {
    if (serve_is_dir(target)) return strdup(target);
    const char *slash = strrchr(target, '/');
    return slash ? strndup(target, (size_t)(slash - target) + (slash == target)) : strdup(".");
}

/* The default model id: the last path component, without a trailing slash or ".so". */
static char *serve_default_name(const char *target) {
    size_t n = strlen(target);
    while (n > 1 && target[n - 1] == '/') n--;
    size_t start = n;
    while (start > 0 && target[start - 1] != '/') start--;
    char *name = strndup(target + start, n - start);
    KILN_ASSERT(name != NULL);
    size_t len = strlen(name);
    if (len > 3 && strcmp(name + len - 3, ".so") == 0) name[len - 3] = '\0';
    return name;
}

/* kiln renders one fixed template (serve_template.c); say so when the model ships its own. */
static void serve_warn_template(const char *dir) {
    char *path = cli_path_join(dir, "tokenizer_config.json");
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f) return;
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    cJSON *root = cJSON_ParseWithLength(buf, n);
    if (cJSON_GetObjectItemCaseSensitive(root, "chat_template"))
        fprintf(stderr, "kiln serve: warning: the model's chat_template is not used; messages "
                        "are rendered with kiln's fixed template (docs/serve.md)\n");
    cJSON_Delete(root);
}

static Tok *serve_open_tokenizer(const ServeOptions *o, const char *dir, Diag *d, bool *ok) {
    *ok = true;
    char *path = o->tokenizer ? strdup(o->tokenizer) : cli_path_join(dir, "tokenizer.json");
    KILN_ASSERT(path != NULL);
    struct stat st;
    Tok *tok = NULL;
    if (o->tokenizer || stat(path, &st) == 0) {
        tok = tok_load(path, d);
        *ok = tok != NULL;
    }
    free(path);
    return tok;
}

/* Runs until SIGINT or SIGTERM, then shuts down in order: no new connections, no new jobs,
 * the running ones finish (30 s at most), then the scheduler and the HTTP threads stop. */
static bool serve_run(const ServeOptions *o, Diag *d) {
    char *dir = serve_model_dir(o->target);
    KILN_ASSERT(dir != NULL);
    bool ok = true;
    Tok *tok = serve_open_tokenizer(o, dir, d, &ok);
    if (!ok) {
        free(dir);
        return false;
    }
    serve_warn_template(dir);
    free(dir);
    if (o->threads) {
        char t[16];
        snprintf(t, sizeof t, "%lld", (long long)o->threads);
        setenv("KILN_THREADS", t, 1); /* read by every context create() makes */
    }
    CliDecoder cd;
    if (!cli_decoder_open(&cd, o->target, o->max_context, o->max_prefill, d)) {
        tok_free(tok);
        return false;
    }
    char *name = o->model_name ? strdup(o->model_name) : serve_default_name(o->target);
    ServeModelInfo info = {name, cd.dec->vocab_size, cd.dec->max_context, tok};
    ServeSchedOptions so = {(int)o->max_batch, (int)o->max_queue, &cd, tok};
    serve_metrics_init();
    ServeSched *sched = serve_sched_start(&so, d);
    ServeHttp *http = NULL;
    if (sched) {
        ServeHttpOptions ho = {o->host, (int)o->port, (int)o->max_connections, sched, &info};
        http = serve_http_start(&ho, d);
    }
    if (http) {
        fprintf(stderr,
                "kiln serve: serving '%s' on http://%s:%d (%d slots, context %lld tokens%s)\n",
                name, o->host, serve_http_port(http), (int)o->max_batch,
                (long long)cd.dec->max_context, tok ? "" : ", no tokenizer: token ids only");
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        int sig = 0;
        sigwait(&set, &sig);
        fprintf(stderr, "kiln serve: %s: finishing running requests\n",
                sig == SIGINT ? "SIGINT" : "SIGTERM");
        serve_http_quiesce(http);
        serve_sched_drain(sched);
        if (!serve_http_wait_idle(http, 30e3))
            fprintf(stderr, "kiln serve: requests still running after 30 s: ending them\n");
    }
    if (sched) serve_sched_stop(sched); /* wakes any handler still waiting, with an error */
    if (http) serve_http_stop(http);
    if (sched) serve_sched_free(sched);
    ok = http != NULL;
    free(name);
    cli_decoder_close(&cd);
    tok_free(tok);
    if (ok) fprintf(stderr, "kiln serve: stopped\n");
    return ok;
}

int cli_serve_main(int argc, char **argv) {
    Diag d;
    diag_init(&d);
    ServeOptions o;
    bool help = false;
    int status;
    if (!serve_parse(argc, argv, &o, &d, &help)) {
        status = cli_usage_error("serve", &d);
    } else if (help) {
        fputs(serve_help, stdout);
        status = 0;
    } else {
        /* Blocked before any thread starts, so every thread inherits the mask and only
         * sigwait sees these; a client closing its socket must not kill the server. */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);
        status = serve_run(&o, &d) ? 0 : 1;
        diag_print(&d, stderr);
    }
    diag_free(&d);
    return status;
}
