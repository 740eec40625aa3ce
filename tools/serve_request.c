/* Request bodies of /v1/chat/completions and /v1/completions -> ServeJob. Every field is checked
 * where it is read (type, range, size); fields kiln does not know are ignored, as OpenAI does.
 * Errors are 400 (invalid_request_error) except an unknown model (404, model_not_found). */
#include "serve.h"

#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

ServeJob *serve_job_new(void) {
    ServeJob *job = calloc(1, sizeof *job);
    KILN_ASSERT(job != NULL);
    job->refs = 1;
    pthread_cond_init(&job->cond, NULL);
    return job;
}

void serve_job_unref(ServeJob *job) {
    if (!job || atomic_fetch_sub(&job->refs, 1) != 1) return;
    tok_ids_free(&job->prompt);
    tok_ids_free(&job->out);
    tok_buf_free(&job->bytes);
    for (size_t i = 0; i < job->n_stops; i++) free(job->stops[i]);
    pthread_cond_destroy(&job->cond);
    free(job);
}

static void serve_bad(ServeError *e, const char *param, const char *code, const char *what) {
    serve_error_set(e, 400, "invalid_request_error", param, code, "'%s' %s", param, what);
}

/* An optional number field in [lo, hi]; *out untouched when absent or null. */
static bool serve_get_number(const cJSON *root, const char *key, double lo, double hi, double *out,
                             ServeError *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v || cJSON_IsNull(v)) return true;
    if (!cJSON_IsNumber(v)) {
        serve_bad(e, key, "invalid_type", "must be a number");
        return false;
    }
    if (!isfinite(v->valuedouble) || v->valuedouble < lo || v->valuedouble > hi) {
        char what[96];
        snprintf(what, sizeof what, "must be in [%g, %g]", lo, hi);
        serve_bad(e, key, "invalid_value", what);
        return false;
    }
    *out = v->valuedouble;
    return true;
}

/* An optional integer field in [lo, hi] (JSON numbers are doubles: it must be integral). */
static bool serve_get_int(const cJSON *root, const char *key, double lo, double hi, int64_t *out,
                          bool *given, ServeError *e) {
    double x = NAN;
    if (!serve_get_number(root, key, lo, hi, &x, e)) return false;
    if (isnan(x)) return true;
    if (x != floor(x)) {
        serve_bad(e, key, "invalid_type", "must be an integer");
        return false;
    }
    *out = (int64_t)x;
    if (given) *given = true;
    return true;
}

static bool serve_get_bool(const cJSON *root, const char *key, bool *out, ServeError *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v || cJSON_IsNull(v)) return true;
    if (!cJSON_IsBool(v)) {
        serve_bad(e, key, "invalid_type", "must be a boolean");
        return false;
    }
    *out = cJSON_IsTrue(v);
    return true;
}

static bool serve_add_stop(ServeJob *job, const cJSON *s, ServeError *e) {
    if (!cJSON_IsString(s)) {
        serve_bad(e, "stop", "invalid_type", "must be a string or an array of strings");
        return false;
    }
    size_t n = strlen(s->valuestring);
    if (n == 0 || n > SERVE_MAX_STOP_BYTES) {
        serve_bad(e, "stop", "invalid_value", "strings must have 1 to 256 bytes");
        return false;
    }
    if (job->n_stops == SERVE_MAX_STOPS) {
        serve_bad(e, "stop", "invalid_value", "takes at most 4 strings");
        return false;
    }
    job->stops[job->n_stops] = strdup(s->valuestring);
    KILN_ASSERT(job->stops[job->n_stops] != NULL);
    job->n_stops++;
    if (n > job->max_stop_len) job->max_stop_len = n;
    return true;
}

static bool serve_get_stops(ServeJob *job, const cJSON *root, ServeError *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "stop");
    if (!v || cJSON_IsNull(v)) return true;
    if (!cJSON_IsArray(v)) return serve_add_stop(job, v, e);
    const cJSON *s;
    cJSON_ArrayForEach(s, v) if (!serve_add_stop(job, s, e)) return false;
    return true;
}

/* Encodes text and checks every id against the model's vocabulary (a tokenizer may know more
 * ids than a model with a trimmed vocabulary). */
static bool serve_encode(ServeJob *job, const char *text, size_t len, const ServeModelInfo *m,
                         const char *param, ServeError *e) {
    if (!m->tok) {
        serve_error_set(e, 400, "invalid_request_error", param, "no_tokenizer",
                        "this server has no tokenizer: give the prompt as an array of token ids "
                        "(/v1/completions)");
        return false;
    }
    tok_encode(m->tok, text, len, &job->prompt);
    for (size_t i = 0; i < job->prompt.count; i++) {
        if (job->prompt.ids[i] >= m->vocab_size) {
            serve_error_set(e, 400, "invalid_request_error", param, "invalid_value",
                            "the text encodes to token %" PRId64
                            ", outside the model's vocabulary of %" PRId64,
                            job->prompt.ids[i], m->vocab_size);
            return false;
        }
    }
    return true;
}

/* A completions prompt: a string, or an array of token ids (OpenAI accepts both). */
static bool serve_get_prompt(ServeJob *job, const cJSON *root, const ServeModelInfo *m,
                             ServeError *e) {
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "prompt");
    if (!p) {
        serve_bad(e, "prompt", "missing_required_parameter", "is required");
        return false;
    }
    if (cJSON_IsString(p))
        return serve_encode(job, p->valuestring, strlen(p->valuestring), m, "prompt", e);
    if (!cJSON_IsArray(p)) {
        serve_bad(e, "prompt", "invalid_type", "must be a string or an array of token ids");
        return false;
    }
    int n = cJSON_GetArraySize(p);
    if ((int64_t)n >= m->max_context) {
        serve_error_set(e, 400, "invalid_request_error", "prompt", "context_length_exceeded",
                        "This model's maximum context length is %" PRId64
                        " tokens, but the prompt has %d: no room is left for a completion",
                        m->max_context, n);
        return false;
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, p) {
        if (!cJSON_IsNumber(t) || t->valuedouble != floor(t->valuedouble) || t->valuedouble < 0 ||
            t->valuedouble >= (double)m->vocab_size) {
            char what[96];
            snprintf(what, sizeof what, "token ids must be integers in [0, %" PRId64 ")",
                     m->vocab_size);
            serve_bad(e, "prompt", "invalid_value", what);
            return false;
        }
        tok_ids_push(&job->prompt, (int64_t)t->valuedouble);
    }
    return true;
}

static bool serve_get_messages(ServeJob *job, const cJSON *root, const ServeModelInfo *m,
                               ServeError *e) {
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
    if (!msgs) {
        serve_bad(e, "messages", "missing_required_parameter", "is required");
        return false;
    }
    if (!cJSON_IsArray(msgs)) {
        serve_bad(e, "messages", "invalid_type", "must be an array");
        return false;
    }
    int n = cJSON_GetArraySize(msgs);
    if (n < 1 || n > SERVE_MAX_MESSAGES) {
        serve_bad(e, "messages", "invalid_value", "must hold 1 to 4096 messages");
        return false;
    }
    TokBuf text = {0};
    bool ok = serve_template_render(msgs, &text, e) &&
              serve_encode(job, text.data, text.len, m, "messages", e);
    tok_buf_free(&text);
    return ok;
}

static bool serve_get_model(const cJSON *root, const ServeModelInfo *m, ServeError *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (!v) {
        serve_bad(e, "model", "missing_required_parameter", "is required");
        return false;
    }
    if (!cJSON_IsString(v)) {
        serve_bad(e, "model", "invalid_type", "must be a string");
        return false;
    }
    if (strcmp(v->valuestring, m->name) != 0) {
        serve_error_set(e, 404, "invalid_request_error", "model", "model_not_found",
                        "The model '%.200s' does not exist: this server serves '%.200s'",
                        v->valuestring, m->name);
        return false;
    }
    return true;
}

/* Sampling fields. OpenAI's defaults: temperature 1, top_p 1; top_k (not OpenAI's, vLLM's)
 * 0 or -1 means all. */
static bool serve_get_sampling(ServeJob *job, const cJSON *root, ServeError *e) {
    double temp = 1.0, top_p = 1.0;
    int64_t top_k = 0, seed = 0, n = 1;
    bool seeded = false;
    if (!serve_get_number(root, "temperature", 0.0, 2.0, &temp, e) ||
        !serve_get_number(root, "top_p", 0.0, 1.0, &top_p, e) ||
        !serve_get_int(root, "top_k", -1, 1e9, &top_k, NULL, e) ||
        !serve_get_int(root, "seed", -9.2e18, 9.2e18, &seed, &seeded, e) ||
        !serve_get_int(root, "n", 1, 1, &n, NULL, e))
        return false;
    if (top_p <= 0.0) {
        serve_bad(e, "top_p", "invalid_value", "must be above 0");
        return false;
    }
    job->sampler.temperature = (float)temp;
    job->sampler.top_p = (float)top_p;
    job->sampler.top_k = top_k < 0 ? 0 : top_k;
    /* Without a seed every request draws differently, as OpenAI's do. */
    static atomic_uint_fast64_t serve_seed_counter;
    job->seed = seeded ? (uint64_t)seed
                       : (uint64_t)time(NULL) * 0x9E3779B97F4A7C15u ^
                             atomic_fetch_add(&serve_seed_counter, 1);
    return true;
}

/* stream and stream_options.include_usage. */
static bool serve_get_stream(ServeJob *job, const cJSON *root, ServeError *e) {
    if (!serve_get_bool(root, "stream", &job->stream, e)) return false;
    const cJSON *so = cJSON_GetObjectItemCaseSensitive(root, "stream_options");
    if (!so || cJSON_IsNull(so)) return true;
    if (!cJSON_IsObject(so)) {
        serve_bad(e, "stream_options", "invalid_type", "must be an object");
        return false;
    }
    return serve_get_bool(so, "include_usage", &job->include_usage, e);
}

/* max_tokens (or max_completion_tokens): what is asked must fit beside the prompt in the KV
 * cache; a request that can never fit is refused now rather than cut short later. */
static bool serve_get_max_tokens(ServeJob *job, const cJSON *root, const ServeModelInfo *m,
                                 ServeError *e) {
    int64_t prompt = (int64_t)job->prompt.count;
    if (prompt == 0) {
        serve_error_set(e, 400, "invalid_request_error",
                        job->kind == SERVE_CHAT ? "messages" : "prompt", "invalid_value",
                        "the prompt is empty (it encodes to no tokens)");
        return false;
    }
    if (prompt >= m->max_context) {
        serve_error_set(e, 400, "invalid_request_error",
                        job->kind == SERVE_CHAT ? "messages" : "prompt", "context_length_exceeded",
                        "This model's maximum context length is %" PRId64
                        " tokens, but the prompt has %s%" PRId64
                        " tokens: no room is left for a completion",
                        m->max_context, prompt > m->max_context ? "more than " : "",
                        prompt > m->max_context ? m->max_context : prompt);
        return false;
    }
    const char *key = cJSON_GetObjectItemCaseSensitive(root, "max_completion_tokens")
                          ? "max_completion_tokens"
                          : "max_tokens";
    bool given = false;
    int64_t max = 0;
    if (!serve_get_int(root, key, 1, 1e12, &max, &given, e)) return false;
    if (!given) {
        /* OpenAI's defaults: 16 for completions; for chat, as much as the context holds. */
        max = m->max_context - prompt;
        if (job->kind == SERVE_COMPLETION && max > 16) max = 16;
    } else if (max > m->max_context - prompt) {
        serve_error_set(e, 400, "invalid_request_error", key, "context_length_exceeded",
                        "This model's maximum context length is %" PRId64
                        " tokens: the prompt (%" PRId64 " tokens) and %s (%" PRId64 ") do not fit",
                        m->max_context, prompt, key, max);
        return false;
    }
    job->max_tokens = max;
    return true;
}

ServeJob *serve_request_parse(ServeKind kind, const char *body, size_t len, const ServeModelInfo *m,
                              ServeError *e) {
    /* Raw NUL is not JSON, and cJSON would stop reading there; text after the value is not
     * JSON either, and cJSON would ignore it. */
    const char *end = NULL;
    cJSON *root = memchr(body, 0, len) ? NULL : cJSON_ParseWithLengthOpts(body, len, &end, false);
    while (root && end < body + len &&
           (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (root && end != body + len) {
        cJSON_Delete(root);
        root = NULL;
    }
    if (!root) {
        serve_error_set(e, 400, "invalid_request_error", NULL, "invalid_json",
                        "The request body is not valid JSON");
        return NULL;
    }
    ServeJob *job = NULL;
    if (!cJSON_IsObject(root)) {
        serve_error_set(e, 400, "invalid_request_error", NULL, "invalid_json",
                        "The request body must be a JSON object");
    } else {
        job = serve_job_new();
        job->kind = kind;
        bool ok = serve_get_model(root, m, e) && serve_get_sampling(job, root, e) &&
                  serve_get_stream(job, root, e) && serve_get_stops(job, root, e) &&
                  (kind == SERVE_CHAT ? serve_get_messages(job, root, m, e)
                                      : serve_get_prompt(job, root, m, e)) &&
                  serve_get_max_tokens(job, root, m, e);
        if (!ok) {
            serve_job_unref(job);
            job = NULL;
        }
    }
    cJSON_Delete(root);
    return job;
}
