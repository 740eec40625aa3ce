/* serve.h: `kiln serve`, an OpenAI-compatible HTTP server for a compiled decoder LLM
 * (docs/serve.md). Modules, one job each:
 *   serve_cli.c      options, startup, signals, shutdown
 *   serve_http.c     the HTTP layer on libmicrohttpd: bodies, routes, responses, SSE streams
 *   serve_request.c  request JSON -> ServeJob, every field checked where it is read
 *   serve_reply.c    response and error JSON (OpenAI shapes)
 *   serve_template.c the chat template: messages -> prompt text
 *   serve_sched.c    the slot pool and the one scheduler thread that runs the model
 *   serve_metrics.c  counters and histograms, Prometheus text
 *
 * Threads: libmicrohttpd runs one thread per connection; they parse, tokenize and then only
 * touch a job through the scheduler's mutex. The scheduler thread alone calls the model, so
 * contexts, KV caches and slots need no lock. */
#ifndef KILN_SERVE_H
#define KILN_SERVE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "tok.h"

#include "../runtime/krt_sample.h"

/* Limits on what one request may ask for (checked where read; docs/serve.md lists them). */
#define SERVE_MAX_BODY ((size_t)8 << 20) /* bytes of a request body; more: 413 */
#define SERVE_MAX_MESSAGES 4096
#define SERVE_MAX_STOPS 4
#define SERVE_MAX_STOP_BYTES 256

/* ---- a request as the scheduler sees it --------------------------------------------------- */

typedef enum ServeKind { SERVE_CHAT, SERVE_COMPLETION } ServeKind;

typedef enum ServeFinish {
    SERVE_RUNNING = 0,
    SERVE_FINISH_STOP,   /* eos or a stop string */
    SERVE_FINISH_LENGTH, /* max_tokens, or the KV cache is full */
    SERVE_FINISH_ERROR,  /* the model failed; error holds why */
    SERVE_FINISH_CANCEL, /* the client went away */
} ServeFinish;

/* One generation request. Created by the HTTP side (serve_request.c), shared with the
 * scheduler by reference count; every field below `mutable:` is guarded by the scheduler's
 * mutex. */
typedef struct ServeJob {
    /* Set before submission, read-only afterwards. */
    ServeKind kind;
    bool stream, include_usage;
    TokIds prompt;
    int64_t max_tokens;
    KrtSampler sampler;
    uint64_t seed;
    char *stops[SERVE_MAX_STOPS];
    size_t n_stops, max_stop_len;
    char id[48];
    int64_t created; /* unix seconds */
    double t_submit; /* ms, monotonic */

    atomic_int refs; /* atomic: dropped by either side without the lock */

    /* mutable: */
    bool cancelled;     /* set by the HTTP side when the client disconnects */
    ServeFinish finish; /* SERVE_RUNNING until done */
    TokIds out;         /* generated ids (eos excluded) */
    TokBuf bytes;       /* their raw bytes, cut at a stop string */
    size_t safe_len;    /* bytes[0..safe_len) may be sent: no stop string can still start there
                           and no UTF-8 character is cut */
    int64_t cached;     /* prompt tokens found in the slot's cache (prefix reuse) */
    char error[256];
    pthread_cond_t cond; /* signalled on every change */
} ServeJob;

/* A job with one reference, its fields zeroed. */
ServeJob *serve_job_new(void);
/* Drops one reference; the last one frees the job. */
void serve_job_unref(ServeJob *job);

/* ---- the scheduler (serve_sched.c) --------------------------------------------------------- */

typedef struct ServeSched ServeSched;

typedef struct ServeSchedOptions {
    int max_batch;     /* slots */
    int max_queue;     /* waiting jobs; more: 503 */
    CliDecoder *model; /* opened; its context becomes slot 0 */
    const Tok *tok;    /* NULL: token ids only */
} ServeSchedOptions;

/* Creates the slots (one model context each) and starts the scheduler thread. NULL with a
 * message in d when a context cannot be created. */
ServeSched *serve_sched_start(const ServeSchedOptions *o, Diag *d);

typedef enum ServeSubmit { SERVE_SUBMIT_OK, SERVE_SUBMIT_FULL, SERVE_SUBMIT_DRAINING } ServeSubmit;
/* Queues job (taking a reference) unless the queue is full or the server is shutting down. */
ServeSubmit serve_sched_submit(ServeSched *s, ServeJob *job);
/* Blocks until job changes (more bytes, or finished) or ms passed (then false). Call with
 * serve_sched_lock held. */
bool serve_sched_wait_ms(ServeSched *s, ServeJob *job, int ms);
void serve_sched_lock(ServeSched *s);
void serve_sched_unlock(ServeSched *s);
/* Marks job cancelled (the client is gone); its slot is freed at the next step. */
void serve_sched_cancel(ServeSched *s, ServeJob *job);
/* Stops accepting jobs; queued and running ones still finish. */
void serve_sched_drain(ServeSched *s);
/* Stops the thread; jobs still queued or running end with an error their clients see. */
void serve_sched_stop(ServeSched *s);
/* Destroys the slots (not the model given in the options); after the HTTP layer stopped. */
void serve_sched_free(ServeSched *s);
/* Gauges for /metrics. */
void serve_sched_gauges(ServeSched *s, int *queued, int *running);

/* The model's limits, for request checks. */
typedef struct ServeModelInfo {
    const char *name; /* the id /v1/models reports and requests must name */
    int64_t vocab_size, max_context;
    const Tok *tok; /* NULL: prompts must be token ids */
} ServeModelInfo;

/* ---- metrics (serve_metrics.c) ------------------------------------------------------------ */

void serve_metrics_init(void);
void serve_metrics_request(int status);
void serve_metrics_tokens(int64_t prompt, int64_t generated);
void serve_metrics_cancelled(void);
void serve_metrics_ttft(double seconds);
void serve_metrics_itl(double seconds);
/* Prometheus text exposition of everything, gauges from s; malloc'd. */
char *serve_metrics_text(ServeSched *s);

/* ---- requests and replies (serve_request.c, serve_reply.c, serve_template.c) --------------- */

/* An error for the client: HTTP status plus OpenAI's error object. */
typedef struct ServeError {
    int status;
    const char *type;  /* "invalid_request_error", ... */
    const char *param; /* the offending field, or NULL */
    const char *code;  /* or NULL */
    char message[512];
} ServeError;

void serve_error_set(ServeError *e, int status, const char *type, const char *param,
                     const char *code, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* {"error": {"message", "type", "param", "code"}} as a malloc'd string. */
char *serve_error_json(const ServeError *e);

/* Parses and checks a body of POST /v1/chat/completions (kind SERVE_CHAT) or /v1/completions.
 * Returns a job ready to submit, or NULL with e filled (status 400 or 404). */
ServeJob *serve_request_parse(ServeKind kind, const char *body, size_t len, const ServeModelInfo *m,
                              ServeError *e);

/* Renders messages (a checked cJSON array) as prompt text into out. False with e set for a
 * message the template cannot take (unknown role, image parts, wrong types). */
struct cJSON;
bool serve_template_render(const struct cJSON *messages, TokBuf *out, ServeError *e);

/* The whole non-streaming response of a finished job (under the scheduler's lock). */
char *serve_reply_json(const ServeJob *job, const char *model);
/* One SSE event "data: {...}\n\n" carrying text[0..n) as the next delta, appended to b. */
void serve_reply_chunk(TokBuf *b, const ServeJob *job, const char *model, const char *text,
                       size_t n, bool first);
/* The closing events: finish_reason, usage when asked for, and "data: [DONE]". */
void serve_reply_end(TokBuf *b, const ServeJob *job, const char *model);
/* GET /v1/models. */
char *serve_reply_models(const char *model, int64_t created);
/* "stop", "length", or NULL while running. */
const char *serve_finish_name(ServeFinish f);

/* ---- the HTTP layer (serve_http.c) --------------------------------------------------------- */

typedef struct ServeHttp ServeHttp;

typedef struct ServeHttpOptions {
    const char *host;
    int port;
    int max_connections;
    ServeSched *sched;
    const ServeModelInfo *model;
} ServeHttpOptions;

ServeHttp *serve_http_start(const ServeHttpOptions *o, Diag *d);
/* The port actually bound (useful with --port 0). */
int serve_http_port(const ServeHttp *h);
/* Closes the listening socket: new connections are refused, open ones continue. */
void serve_http_quiesce(ServeHttp *h);
/* Waits until no request is in progress (or timeout_ms passed); true when idle. */
bool serve_http_wait_idle(ServeHttp *h, double timeout_ms);
void serve_http_stop(ServeHttp *h);

#endif
