/* Response bodies in OpenAI's shapes: errors, whole completions, SSE chunks, the model list.
 * Built with cJSON so every string is escaped correctly, whatever bytes the model produced
 * (text is made valid UTF-8 first, by tok_utf8_lossy). */
#include "serve.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

void serve_error_set(ServeError *e, int status, const char *type, const char *param,
                     const char *code, const char *fmt, ...) {
    e->status = status;
    e->type = type;
    e->param = param;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

/* cJSON_Print* return NULL only when out of memory: kiln treats that as fatal everywhere. */
static char *serve_print(cJSON *root) {
    char *s = cJSON_PrintUnformatted(root);
    KILN_ASSERT(s != NULL);
    cJSON_Delete(root);
    return s;
}

static void serve_add_string_or_null(cJSON *o, const char *key, const char *v) {
    if (v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

/* The valid-UTF-8 text of b[0..n) as a NUL-terminated malloc'd string. */
static char *serve_text(const char *data, size_t n) {
    TokBuf t = {0};
    tok_utf8_lossy(&t, (const uint8_t *)(data ? data : ""), n);
    char *s = strdup(tok_buf_cstr(&t));
    KILN_ASSERT(s != NULL);
    tok_buf_free(&t);
    return s;
}

char *serve_error_json(const ServeError *e) {
    cJSON *root = cJSON_CreateObject();
    cJSON *err = cJSON_AddObjectToObject(root, "error");
    /* Messages quote client input, cut to a length: keep the JSON valid UTF-8. */
    char *msg = serve_text(e->message, strlen(e->message));
    cJSON_AddStringToObject(err, "message", msg);
    free(msg);
    cJSON_AddStringToObject(err, "type", e->type ? e->type : "server_error");
    serve_add_string_or_null(err, "param", e->param);
    serve_add_string_or_null(err, "code", e->code);
    return serve_print(root);
}

const char *serve_finish_name(ServeFinish f) {
    switch (f) {
    case SERVE_FINISH_STOP:
        return "stop";
    case SERVE_FINISH_LENGTH:
        return "length";
    case SERVE_FINISH_ERROR:
        return "error";
    case SERVE_FINISH_CANCEL:
        return "cancelled";
    default:
        return NULL;
    }
}

static cJSON *serve_envelope(const ServeJob *job, const char *model, bool chunk) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "id", job->id);
    const char *object = job->kind == SERVE_CHAT
                             ? (chunk ? "chat.completion.chunk" : "chat.completion")
                             : "text_completion";
    cJSON_AddStringToObject(root, "object", object);
    cJSON_AddNumberToObject(root, "created", (double)job->created);
    cJSON_AddStringToObject(root, "model", model);
    return root;
}

static void serve_add_usage(cJSON *root, const ServeJob *job) {
    cJSON *u = cJSON_AddObjectToObject(root, "usage");
    cJSON_AddNumberToObject(u, "prompt_tokens", (double)job->prompt.count);
    cJSON_AddNumberToObject(u, "completion_tokens", (double)job->out.count);
    cJSON_AddNumberToObject(u, "total_tokens", (double)(job->prompt.count + job->out.count));
    /* OpenAI reports the reused prefix as cached tokens. */
    cJSON *details = cJSON_AddObjectToObject(u, "prompt_tokens_details");
    cJSON_AddNumberToObject(details, "cached_tokens", (double)job->cached);
}

/* kiln's extension: the generated ids, so clients (and the tests) can compare tokens. */
static void serve_add_ids(cJSON *choice, const ServeJob *job) {
    cJSON *ids = cJSON_AddArrayToObject(choice, "token_ids");
    for (size_t i = 0; i < job->out.count; i++)
        cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)job->out.ids[i]));
}

char *serve_reply_json(const ServeJob *job, const char *model) {
    cJSON *root = serve_envelope(job, model, false);
    cJSON *choices = cJSON_AddArrayToObject(root, "choices");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddItemToArray(choices, c);
    cJSON_AddNumberToObject(c, "index", 0);
    char *text = serve_text(job->bytes.data, job->bytes.len);
    if (job->kind == SERVE_CHAT) {
        cJSON *msg = cJSON_AddObjectToObject(c, "message");
        cJSON_AddStringToObject(msg, "role", "assistant");
        cJSON_AddStringToObject(msg, "content", text);
    } else {
        cJSON_AddStringToObject(c, "text", text);
        cJSON_AddNullToObject(c, "logprobs");
    }
    free(text);
    serve_add_string_or_null(c, "finish_reason", serve_finish_name(job->finish));
    serve_add_ids(c, job);
    serve_add_usage(root, job);
    return serve_print(root);
}

static void serve_append_event(TokBuf *b, cJSON *root) {
    char *s = serve_print(root);
    tok_buf_append(b, "data: ", 6);
    tok_buf_append(b, s, strlen(s));
    tok_buf_append(b, "\n\n", 2);
    free(s);
}

/* A chunk's single choice, with the delta text (NULL: none) and finish reason (NULL: null). */
static cJSON *serve_chunk(const ServeJob *job, const char *model, const char *text, bool role,
                          const char *finish) {
    cJSON *root = serve_envelope(job, model, true);
    cJSON *choices = cJSON_AddArrayToObject(root, "choices");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddItemToArray(choices, c);
    cJSON_AddNumberToObject(c, "index", 0);
    if (job->kind == SERVE_CHAT) {
        cJSON *delta = cJSON_AddObjectToObject(c, "delta");
        if (role) cJSON_AddStringToObject(delta, "role", "assistant");
        if (text) cJSON_AddStringToObject(delta, "content", text);
    } else {
        cJSON_AddStringToObject(c, "text", text ? text : "");
        cJSON_AddNullToObject(c, "logprobs");
    }
    serve_add_string_or_null(c, "finish_reason", finish);
    return root;
}

void serve_reply_chunk(TokBuf *b, const ServeJob *job, const char *model, const char *text,
                       size_t n, bool first) {
    char *s = serve_text(text, n);
    serve_append_event(b, serve_chunk(job, model, s, first, NULL));
    free(s);
}

void serve_reply_end(TokBuf *b, const ServeJob *job, const char *model) {
    if (job->finish == SERVE_FINISH_ERROR) {
        /* The status line has gone already: the error travels as an event, as OpenAI does. */
        ServeError e;
        serve_error_set(&e, 500, "server_error", NULL, NULL, "%s", job->error);
        char *s = serve_error_json(&e);
        tok_buf_append(b, "data: ", 6);
        tok_buf_append(b, s, strlen(s));
        tok_buf_append(b, "\n\n", 2);
        free(s);
    } else {
        cJSON *last = serve_chunk(job, model, job->kind == SERVE_CHAT ? NULL : "", false,
                                  serve_finish_name(job->finish));
        cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(last, "choices"), 0);
        serve_add_ids(c, job);
        serve_append_event(b, last);
        if (job->include_usage) {
            cJSON *u = serve_envelope(job, model, true);
            cJSON_AddArrayToObject(u, "choices");
            serve_add_usage(u, job);
            serve_append_event(b, u);
        }
    }
    tok_buf_append(b, "data: [DONE]\n\n", 14);
}

char *serve_reply_models(const char *model, int64_t created) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "object", "list");
    cJSON *data = cJSON_AddArrayToObject(root, "data");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddItemToArray(data, m);
    cJSON_AddStringToObject(m, "id", model);
    cJSON_AddStringToObject(m, "object", "model");
    cJSON_AddNumberToObject(m, "created", (double)created);
    cJSON_AddStringToObject(m, "owned_by", "kiln");
    return serve_print(root);
}
