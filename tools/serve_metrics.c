/* /metrics: request counts by status, token counts, and the time-to-first-token and
 * inter-token latency histograms, in Prometheus' text format (version 0.0.4). One process
 * serves one model, so the counters are process-wide, behind their own mutex (the HTTP threads
 * and the scheduler thread both count). */
#include "serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double serve_ttft_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                           0.5,   1.0,  2.5,   5.0,  10.0};
static const double serve_itl_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                          0.05,  0.1,    0.25,  0.5,  1.0};
#define SERVE_TTFT_N (sizeof serve_ttft_bounds / sizeof serve_ttft_bounds[0])
#define SERVE_ITL_N (sizeof serve_itl_bounds / sizeof serve_itl_bounds[0])

typedef struct ServeHist {
    uint64_t buckets[16]; /* per bound, not cumulative; the last one past every bound */
    uint64_t count;
    double sum;
} ServeHist;

static struct {
    pthread_mutex_t mu;
    uint64_t by_status[600];
    uint64_t prompt_tokens, generation_tokens, cancelled;
    ServeHist ttft, itl;
} serve_m = {PTHREAD_MUTEX_INITIALIZER, {0}, 0, 0, 0, {{0}, 0, 0}, {{0}, 0, 0}};

void serve_metrics_init(void) {
    pthread_mutex_lock(&serve_m.mu);
    memset(serve_m.by_status, 0, sizeof serve_m.by_status);
    serve_m.prompt_tokens = serve_m.generation_tokens = serve_m.cancelled = 0;
    memset(&serve_m.ttft, 0, sizeof serve_m.ttft);
    memset(&serve_m.itl, 0, sizeof serve_m.itl);
    pthread_mutex_unlock(&serve_m.mu);
}

void serve_metrics_request(int status) {
    if (status < 100 || status >= 600) return;
    pthread_mutex_lock(&serve_m.mu);
    serve_m.by_status[status]++;
    pthread_mutex_unlock(&serve_m.mu);
}

void serve_metrics_tokens(int64_t prompt, int64_t generated) {
    pthread_mutex_lock(&serve_m.mu);
    serve_m.prompt_tokens += (uint64_t)prompt;
    serve_m.generation_tokens += (uint64_t)generated;
    pthread_mutex_unlock(&serve_m.mu);
}

void serve_metrics_cancelled(void) {
    pthread_mutex_lock(&serve_m.mu);
    serve_m.cancelled++;
    pthread_mutex_unlock(&serve_m.mu);
}

static void serve_hist_add(ServeHist *h, const double *bounds, size_t n, double v) {
    size_t i = 0;
    while (i < n && v > bounds[i]) i++;
    pthread_mutex_lock(&serve_m.mu);
    h->buckets[i]++;
    h->count++;
    h->sum += v;
    pthread_mutex_unlock(&serve_m.mu);
}

void serve_metrics_ttft(double seconds) {
    serve_hist_add(&serve_m.ttft, serve_ttft_bounds, SERVE_TTFT_N, seconds);
}

void serve_metrics_itl(double seconds) {
    serve_hist_add(&serve_m.itl, serve_itl_bounds, SERVE_ITL_N, seconds);
}

static void serve_print_hist(TokBuf *b, const char *name, const char *help, const ServeHist *h,
                             const double *bounds, size_t n) {
    char line[256];
    int k = snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    tok_buf_append(b, line, (size_t)k);
    uint64_t cum = 0;
    for (size_t i = 0; i <= n; i++) {
        cum += h->buckets[i];
        if (i < n)
            k = snprintf(line, sizeof line, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i],
                         (unsigned long long)cum);
        else
            k = snprintf(line, sizeof line, "%s_bucket{le=\"+Inf\"} %llu\n", name,
                         (unsigned long long)cum);
        tok_buf_append(b, line, (size_t)k);
    }
    k = snprintf(line, sizeof line, "%s_sum %.9g\n%s_count %llu\n", name, h->sum, name,
                 (unsigned long long)h->count);
    tok_buf_append(b, line, (size_t)k);
}

static void serve_print_value(TokBuf *b, const char *name, const char *type, const char *help,
                              unsigned long long v) {
    char line[320];
    int k = snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name,
                     type, name, v);
    tok_buf_append(b, line, (size_t)k);
}

char *serve_metrics_text(ServeSched *s) {
    int queued = 0, running = 0;
    serve_sched_gauges(s, &queued, &running);
    TokBuf b = {0};
    pthread_mutex_lock(&serve_m.mu);
    const char *name = "kiln_requests_total";
    char line[160];
    int k =
        snprintf(line, sizeof line,
                 "# HELP %s HTTP requests answered, by status\n# TYPE %s counter\n", name, name);
    tok_buf_append(&b, line, (size_t)k);
    for (int st = 100; st < 600; st++) {
        if (!serve_m.by_status[st]) continue;
        k = snprintf(line, sizeof line, "%s{status=\"%d\"} %llu\n", name, st,
                     (unsigned long long)serve_m.by_status[st]);
        tok_buf_append(&b, line, (size_t)k);
    }
    serve_print_value(&b, "kiln_queue_depth", "gauge", "requests waiting for a slot",
                      (unsigned long long)queued);
    serve_print_value(&b, "kiln_running_sequences", "gauge", "requests holding a slot",
                      (unsigned long long)running);
    serve_print_value(&b, "kiln_prompt_tokens_total", "counter",
                      "prompt tokens of finished requests",
                      (unsigned long long)serve_m.prompt_tokens);
    serve_print_value(&b, "kiln_generation_tokens_total", "counter",
                      "tokens generated by finished requests",
                      (unsigned long long)serve_m.generation_tokens);
    serve_print_value(&b, "kiln_requests_cancelled_total", "counter",
                      "requests ended because their client went away",
                      (unsigned long long)serve_m.cancelled);
    serve_print_hist(&b, "kiln_time_to_first_token_seconds",
                     "from queueing a request to its first token", &serve_m.ttft, serve_ttft_bounds,
                     SERVE_TTFT_N);
    serve_print_hist(&b, "kiln_inter_token_latency_seconds",
                     "between consecutive tokens of one request", &serve_m.itl, serve_itl_bounds,
                     SERVE_ITL_N);
    pthread_mutex_unlock(&serve_m.mu);
    return tok_buf_cstr(&b);
}
