/* The HTTP layer of `kiln serve` on libmicrohttpd, one thread per connection: a handler may
 * block on its job (non-streaming) and a stream's reader may block until the next token, which
 * keeps the code straight-line. Bodies are collected up to SERVE_MAX_BODY (the rest is read and
 * dropped, then 413), routes are matched exactly, and every answer other than a stream is a
 * complete JSON (or Prometheus text) body. */
#include "serve.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct ServeHttp {
    struct MHD_Daemon *daemon;
    ServeSched *sched;
    const ServeModelInfo *model;
    int64_t started;
    pthread_mutex_t mu;
    pthread_cond_t idle; /* signalled when in_flight drops to 0 */
    int in_flight;       /* requests between their first byte and their completion */
    atomic_bool draining;
    atomic_ullong next_id;
};

/* One request on a connection. */
typedef struct ServeReq {
    ServeHttp *h;
    TokBuf body;
    bool too_large;
} ServeReq;

/* A running stream: the SSE text not yet handed to the library, and how far the job's bytes
 * have been sent. */
typedef struct ServeStream {
    ServeHttp *h;
    ServeJob *job;
    TokBuf out;
    size_t out_at, sent;
    int fd; /* the client's socket, polled while waiting */
    bool started, ended;
} ServeStream;

/* How often a handler waiting for its job looks whether the client is still there. */
#define SERVE_POLL_MS 100

/* True when the peer has closed the connection (or it failed). Data waiting to be read (a
 * pipelined request) is left alone: only end-of-stream or an error count. A client that
 * half-closes its side after sending the request therefore counts as gone. */
static bool serve_client_gone(int fd) {
    if (fd < 0) return false;
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return false;
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) return true;
    char b;
    ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static int serve_conn_fd(struct MHD_Connection *c) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info ? (int)info->connect_fd : -1;
}

/* serve_wait_job's `sent` for "until the job finishes". */
#define SERVE_UNTIL_DONE SIZE_MAX

/* Waits (lock held) until the job finishes or, unless sent is SERVE_UNTIL_DONE, has sendable
 * bytes past sent, polling the client meanwhile: a client that went away cancels the job,
 * which the scheduler then finishes. */
static void serve_wait_job(ServeSched *s, ServeJob *job, int fd, size_t sent) {
    double polled = cli_generate_now_ms();
    while (job->finish == SERVE_RUNNING && (sent == SERVE_UNTIL_DONE || job->safe_len == sent)) {
        /* Every token wakes us, so the poll goes by the clock, not by the wait timing out. */
        serve_sched_wait_ms(s, job, SERVE_POLL_MS);
        double now = cli_generate_now_ms();
        if (job->cancelled || now - polled < SERVE_POLL_MS) continue;
        polled = now;
        serve_sched_unlock(s);
        bool gone = serve_client_gone(fd);
        if (gone) serve_sched_cancel(s, job);
        serve_sched_lock(s);
    }
}

/* ---- plain responses ---------------------------------------------------------------------- */

static enum MHD_Result serve_send(struct MHD_Connection *c, int status, const char *type,
                                  char *body) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    KILN_ASSERT(r != NULL);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    serve_metrics_request(status);
    return ok;
}

static enum MHD_Result serve_send_json(struct MHD_Connection *c, int status, char *body) {
    return serve_send(c, status, "application/json", body);
}

static enum MHD_Result serve_send_error(struct MHD_Connection *c, const ServeError *e) {
    return serve_send_json(c, e->status, serve_error_json(e));
}

static enum MHD_Result serve_fail(struct MHD_Connection *c, int status, const char *type,
                                  const char *code, const char *msg) {
    ServeError e;
    serve_error_set(&e, status, type, NULL, code, "%s", msg);
    return serve_send_error(c, &e);
}

/* ---- streams ------------------------------------------------------------------------------ */

/* Fills st->out with the next events, waiting for the job to move. */
static void serve_stream_fill(ServeStream *st) {
    ServeJob *job = st->job;
    const char *model = st->h->model->name;
    st->out.len = st->out_at = 0;
    serve_sched_lock(st->h->sched);
    if (!st->started && job->kind == SERVE_CHAT) {
        /* OpenAI's first chunk names the role before any text comes. */
        serve_reply_chunk(&st->out, job, model, "", 0, true);
        st->started = true;
    } else {
        serve_wait_job(st->h->sched, job, st->fd, st->sent);
        if (job->safe_len > st->sent) {
            serve_reply_chunk(&st->out, job, model, job->bytes.data + st->sent,
                              job->safe_len - st->sent, false);
            st->sent = job->safe_len;
        }
        if (job->finish != SERVE_RUNNING) {
            serve_reply_end(&st->out, job, model);
            st->ended = true;
        }
        st->started = true;
    }
    serve_sched_unlock(st->h->sched);
}

static ssize_t serve_stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
    (void)pos;
    ServeStream *st = cls;
    if (st->out_at == st->out.len) {
        if (st->ended) return MHD_CONTENT_READER_END_OF_STREAM;
        serve_stream_fill(st);
    }
    size_t n = st->out.len - st->out_at;
    if (n > max) n = max;
    memcpy(buf, st->out.data + st->out_at, n);
    st->out_at += n;
    return (ssize_t)n;
}

/* Called when the stream ends, completed or not: a client that went away cancels its job. */
static void serve_stream_free(void *cls) {
    ServeStream *st = cls;
    if (!st->ended) serve_sched_cancel(st->h->sched, st->job);
    serve_job_unref(st->job);
    tok_buf_free(&st->out);
    free(st);
}

static enum MHD_Result serve_start_stream(ServeHttp *h, struct MHD_Connection *c, ServeJob *job) {
    ServeStream *st = calloc(1, sizeof *st);
    KILN_ASSERT(st != NULL);
    st->h = h;
    st->job = job;
    st->fd = serve_conn_fd(c);
    struct MHD_Response *r = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 16384, serve_stream_read, st, serve_stream_free);
    KILN_ASSERT(r != NULL);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r); /* the library keeps its own reference; it calls free at the end */
    serve_metrics_request(200);
    return ok;
}

/* ---- generation --------------------------------------------------------------------------- */

static enum MHD_Result serve_generate(ServeHttp *h, struct MHD_Connection *c, ServeKind kind,
                                      const ServeReq *rq) {
    ServeError e;
    ServeJob *job =
        serve_request_parse(kind, rq->body.data ? rq->body.data : "", rq->body.len, h->model, &e);
    if (!job) return serve_send_error(c, &e);
    snprintf(job->id, sizeof job->id, "%s-%llx", kind == SERVE_CHAT ? "chatcmpl" : "cmpl",
             (unsigned long long)atomic_fetch_add(&h->next_id, 1));
    job->created = (int64_t)time(NULL);
    ServeSubmit sub = serve_sched_submit(h->sched, job);
    if (sub != SERVE_SUBMIT_OK) {
        serve_job_unref(job);
        return sub == SERVE_SUBMIT_FULL
                   ? serve_fail(c, 503, "server_error", "queue_full",
                                "The server is busy: the request queue is full; retry later")
                   : serve_fail(c, 503, "server_error", "shutting_down",
                                "The server is shutting down");
    }
    if (job->stream) return serve_start_stream(h, c, job); /* takes our reference */
    serve_sched_lock(h->sched);
    serve_wait_job(h->sched, job, serve_conn_fd(c), SERVE_UNTIL_DONE);
    char *body = NULL;
    ServeFinish f = job->finish;
    if (f == SERVE_FINISH_STOP || f == SERVE_FINISH_LENGTH)
        body = serve_reply_json(job, h->model->name);
    else
        serve_error_set(&e, 500, "server_error", NULL, NULL, "%s",
                        job->error[0] ? job->error : "the request was cancelled");
    serve_sched_unlock(h->sched);
    serve_job_unref(job);
    return body ? serve_send_json(c, 200, body) : serve_send_error(c, &e);
}

/* ---- routing ------------------------------------------------------------------------------ */

static enum MHD_Result serve_route(ServeHttp *h, struct MHD_Connection *c, const char *url,
                                   const char *method, const ServeReq *rq) {
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    static const struct {
        const char *path;
        bool post;
    } routes[] = {{"/v1/chat/completions", true},
                  {"/v1/completions", true},
                  {"/v1/models", false},
                  {"/health", false},
                  {"/metrics", false}};
    int r = -1;
    for (int i = 0; i < (int)(sizeof routes / sizeof routes[0]); i++)
        if (strcmp(url, routes[i].path) == 0) r = i;
    if (r < 0) return serve_fail(c, 404, "invalid_request_error", "not_found", "Unknown path");
    if (routes[r].post ? !post : !get)
        return serve_fail(c, 405, "invalid_request_error", "method_not_allowed",
                          routes[r].post ? "Use POST" : "Use GET");
    if (rq->too_large)
        return serve_fail(c, 413, "invalid_request_error", "request_too_large",
                          "The request body is larger than 8 MiB");
    if (r == 0 || r == 1) {
        if (atomic_load(&h->draining))
            return serve_fail(c, 503, "server_error", "shutting_down",
                              "The server is shutting down");
        return serve_generate(h, c, r == 0 ? SERVE_CHAT : SERVE_COMPLETION, rq);
    }
    if (r == 2) return serve_send_json(c, 200, serve_reply_models(h->model->name, h->started));
    if (r == 3) {
        bool d = atomic_load(&h->draining);
        char *body = strdup(d ? "{\"status\":\"shutting_down\"}" : "{\"status\":\"ok\"}");
        KILN_ASSERT(body != NULL);
        return serve_send_json(c, d ? 503 : 200, body);
    }
    return serve_send(c, 200, "text/plain; version=0.0.4", serve_metrics_text(h->sched));
}

static enum MHD_Result serve_access(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls) {
    (void)version;
    ServeHttp *h = cls;
    ServeReq *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        KILN_ASSERT(rq != NULL);
        rq->h = h;
        *con_cls = rq;
        pthread_mutex_lock(&h->mu);
        h->in_flight++;
        pthread_mutex_unlock(&h->mu);
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* Past the limit the body is read and dropped, so the client gets its 413 instead of
         * a reset connection. */
        if (!rq->too_large && rq->body.len + *upload_data_size > SERVE_MAX_BODY) {
            rq->too_large = true;
            tok_buf_free(&rq->body);
            rq->body = (TokBuf){0};
        }
        if (!rq->too_large) tok_buf_append(&rq->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    return serve_route(h, c, url, method, rq);
}

static void serve_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                            enum MHD_RequestTerminationCode toe) {
    (void)c;
    (void)toe;
    ServeHttp *h = cls;
    ServeReq *rq = *con_cls;
    if (!rq) return;
    tok_buf_free(&rq->body);
    free(rq);
    *con_cls = NULL;
    pthread_mutex_lock(&h->mu);
    if (--h->in_flight == 0) pthread_cond_broadcast(&h->idle);
    pthread_mutex_unlock(&h->mu);
}

ServeHttp *serve_http_start(const ServeHttpOptions *o, Diag *d) {
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)o->port);
    if (inet_pton(AF_INET, o->host, &addr.sin_addr) != 1) {
        diag_error(d, "--host: '%s' is not an IPv4 address", o->host);
        return NULL;
    }
    ServeHttp *h = calloc(1, sizeof *h);
    KILN_ASSERT(h != NULL);
    h->sched = o->sched;
    h->model = o->model;
    h->started = (int64_t)time(NULL);
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->idle, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL | MHD_USE_ITC;
    h->daemon = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, serve_access, h,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)o->max_connections,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                                 MHD_OPTION_NOTIFY_COMPLETED, serve_completed, h, MHD_OPTION_END);
    if (!h->daemon) {
        diag_error(d, "cannot listen on %s:%d (in use, or not allowed)", o->host, o->port);
        pthread_cond_destroy(&h->idle);
        pthread_mutex_destroy(&h->mu);
        free(h);
        return NULL;
    }
    return h;
}

int serve_http_port(const ServeHttp *h) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? (int)info->port : -1;
}

void serve_http_quiesce(ServeHttp *h) {
    atomic_store(&h->draining, true);
    MHD_socket s = MHD_quiesce_daemon(h->daemon);
    if (s != MHD_INVALID_SOCKET) close(s);
}

bool serve_http_wait_idle(ServeHttp *h, double timeout_ms) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(timeout_ms / 1e3);
    pthread_mutex_lock(&h->mu);
    int rc = 0;
    while (h->in_flight > 0 && rc == 0) rc = pthread_cond_timedwait(&h->idle, &h->mu, &until);
    bool idle = h->in_flight == 0;
    pthread_mutex_unlock(&h->mu);
    return idle;
}

void serve_http_stop(ServeHttp *h) {
    MHD_stop_daemon(h->daemon);
    pthread_cond_destroy(&h->idle);
    pthread_mutex_destroy(&h->mu);
    free(h);
}
