/* The scheduler: a fixed pool of slots, each one context of the compiled decoder (its own KV
 * cache), driven by one thread. Rules (docs/serve.md):
 *  - iteration-level round robin: each step gives every busy slot one token (a joining request
 *    is prefilled whole in its first step, then gets its first token);
 *  - queued requests join at the next step, first come first served; a finished request frees
 *    its slot at once;
 *  - prefix reuse: a request goes to the free slot whose whole cache is a proper prefix of its
 *    prompt, the longest such; only the rest of the prompt is prefilled. Otherwise it takes an
 *    empty slot, else the least recently used free one, which is reset.
 * Only this thread touches slots and contexts; jobs are shared with the HTTP threads under mu. */
#include "serve.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct ServeSlot {
    void *ctx;
    TokIds cache;     /* the tokens in the KV cache, in order */
    ServeJob *job;    /* NULL: free */
    size_t prefilled; /* prompt tokens in the cache */
    bool reset;       /* the cache must be emptied before the job's prefill */
    float *last;      /* logits of the newest position */
    KrtRng rng;
    int64_t n_out, prev; /* tokens produced so far; the last one (to decode next) */
    int64_t used;        /* step of the last use, for least-recently-used eviction */
    double t_last;       /* when the last token was published (ms) */
    /* The outcome of this step, published under the lock. */
    int64_t token; /* -1: none */
    ServeFinish finish;
    char error[200];
} ServeSlot;

struct ServeSched {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* the scheduler sleeps on it */
    ServeJob **queue;    /* ring buffer of max_queue */
    int q_head, q_count, q_cap;
    ServeSlot *slots;
    int n_slots, running;
    bool draining, stopping;
    pthread_t thread;
    CliDecoder *model;
    const KilnDecoder *dec;
    const Tok *tok;
    float *logits; /* max_prefill x vocab, for prefill */
    void *scratch; /* krt_sample's */
    int64_t step;
};

void serve_sched_lock(ServeSched *s) {
    pthread_mutex_lock(&s->mu);
}

void serve_sched_unlock(ServeSched *s) {
    pthread_mutex_unlock(&s->mu);
}

bool serve_sched_wait_ms(ServeSched *s, ServeJob *job, int ms) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long ns = until.tv_nsec + (long)ms * 1000000L;
    until.tv_sec += ns / 1000000000L;
    until.tv_nsec = ns % 1000000000L;
    return pthread_cond_timedwait(&job->cond, &s->mu, &until) == 0;
}

/* The weights file of the opened library, or NULL when embedded (malloc'd). */
static char *serve_weights_path(const CliLib *lib) {
    if (lib->model->weights_embedded) return NULL;
    const char *slash = strrchr(lib->path, '/'); /* cli_lib_open makes the path have one */
    size_t dir = slash ? (size_t)(slash - lib->path) : 1;
    size_t n = dir + strlen(lib->model->weights_file) + 2;
    char *p = malloc(n);
    KILN_ASSERT(p != NULL);
    snprintf(p, n, "%.*s/%s", (int)dir, slash ? lib->path : ".", lib->model->weights_file);
    return p;
}

/* ---- one step of one slot (no lock: only this thread touches slots) ------------------------ */

static bool serve_check(ServeSched *s, ServeSlot *sl, int st, const char *what) {
    if (st == KILN_OK) return true;
    sl->finish = SERVE_FINISH_ERROR;
    snprintf(sl->error, sizeof sl->error, "%s failed: %s", what,
             s->model->lib.model->status_string(st));
    return false;
}

/* Prefills what of the prompt is not cached yet, in chunks of max_prefill. */
static bool serve_prefill(ServeSched *s, ServeSlot *sl) {
    const TokIds *p = &sl->job->prompt;
    size_t vocab = (size_t)s->dec->vocab_size;
    while (sl->prefilled < p->count) {
        int64_t n = (int64_t)(p->count - sl->prefilled);
        if (n > s->dec->max_prefill) n = s->dec->max_prefill;
        const int64_t *ids = p->ids + sl->prefilled;
        if (!serve_check(s, sl, s->dec->prefill(sl->ctx, ids, n, s->logits), "prefill"))
            return false;
        for (int64_t i = 0; i < n; i++) tok_ids_push(&sl->cache, ids[i]);
        sl->prefilled += (size_t)n;
        memcpy(sl->last, s->logits + (size_t)(n - 1) * vocab, vocab * sizeof *sl->last);
    }
    return true;
}

/* Advances the slot by one token: prefill (first step) or decode of the previous token, then
 * sampling. Mirrors `kiln generate`, so greedy output is the same token for token. */
static void serve_slot_step(ServeSched *s, ServeSlot *sl, bool cancelled) {
    sl->token = -1;
    sl->finish = SERVE_RUNNING;
    if (cancelled) {
        sl->finish = SERVE_FINISH_CANCEL;
        return;
    }
    if (sl->reset) {
        sl->reset = false;
        sl->cache.count = 0;
        if (!serve_check(s, sl, s->dec->reset(sl->ctx), "reset")) return;
    }
    if (sl->n_out == 0) {
        if (!serve_prefill(s, sl)) return;
    } else {
        if (!serve_check(s, sl, s->dec->decode(sl->ctx, sl->prev, sl->last), "decode")) return;
        tok_ids_push(&sl->cache, sl->prev);
    }
    int64_t id = krt_sample(&sl->job->sampler, sl->last, s->dec->vocab_size, &sl->rng, s->scratch);
    KILN_ASSERT(id >= 0 && id < s->dec->vocab_size);
    if (id == s->dec->eos_token_id) {
        sl->finish = SERVE_FINISH_STOP;
        return;
    }
    sl->token = sl->prev = id;
    sl->n_out++;
    if (sl->n_out >= sl->job->max_tokens || s->dec->position(sl->ctx) >= s->dec->max_context)
        sl->finish = SERVE_FINISH_LENGTH;
}

/* ---- publishing a step's outcome (under the lock) ----------------------------------------- */

static void *serve_memmem(const void *h, size_t hn, const void *n, size_t nn) {
    for (size_t i = 0; nn <= hn && i <= hn - nn; i++)
        if (memcmp((const char *)h + i, n, nn) == 0) return (char *)h + i;
    return NULL;
}

/* Appends the token's bytes, cuts the text at a stop string, and moves safe_len: a prefix that
 * could still become a stop string, or a cut UTF-8 character, is held back while running. */
static void serve_append_text(ServeSched *s, ServeJob *job, int64_t token) {
    TokBuf *b = &job->bytes;
    size_t old = b->len;
    if (s->tok) {
        Diag ignore; /* ids the tokenizer lacks (padded vocabularies) give no text, as in HF */
        diag_init(&ignore);
        tok_token_bytes(s->tok, token, true, b, &ignore);
        diag_free(&ignore);
    }
    size_t from = old >= job->max_stop_len ? old - job->max_stop_len + 1 : 0;
    for (size_t i = 0; i < job->n_stops && b->len > from; i++) {
        char *at =
            serve_memmem(b->data + from, b->len - from, job->stops[i], strlen(job->stops[i]));
        if (at) {
            b->len = (size_t)(at - b->data);
            job->finish = SERVE_FINISH_STOP;
        }
    }
}

static void serve_update_safe_len(ServeJob *job) {
    const TokBuf *b = &job->bytes;
    if (job->finish != SERVE_RUNNING) {
        job->safe_len = b->len;
        return;
    }
    size_t hold = job->max_stop_len ? job->max_stop_len - 1 : 0;
    size_t n = b->len > hold ? b->len - hold : 0;
    size_t safe = tok_utf8_complete_prefix((const uint8_t *)b->data, n);
    if (safe > job->safe_len) job->safe_len = safe;
}

static void serve_finish_job(ServeSched *s, ServeSlot *sl, ServeFinish f, const char *error) {
    ServeJob *job = sl->job;
    if (job->finish == SERVE_RUNNING) job->finish = f;
    if (job->finish == SERVE_FINISH_CANCEL) serve_metrics_cancelled();
    if (error) snprintf(job->error, sizeof job->error, "%s", error);
    serve_update_safe_len(job);
    serve_metrics_tokens((int64_t)job->prompt.count, (int64_t)job->out.count);
    pthread_cond_broadcast(&job->cond);
    serve_job_unref(job);
    sl->job = NULL;
    s->running--;
}

static void serve_publish(ServeSched *s, ServeSlot *sl) {
    ServeJob *job = sl->job;
    if (sl->token >= 0) {
        double now = cli_generate_now_ms();
        if (job->out.count == 0)
            serve_metrics_ttft((now - job->t_submit) / 1e3);
        else
            serve_metrics_itl((now - sl->t_last) / 1e3);
        sl->t_last = now;
        tok_ids_push(&job->out, sl->token);
        serve_append_text(s, job, sl->token);
    }
    if (sl->finish != SERVE_RUNNING || job->finish != SERVE_RUNNING) {
        serve_finish_job(s, sl, sl->finish, sl->finish == SERVE_FINISH_ERROR ? sl->error : NULL);
        return;
    }
    serve_update_safe_len(job);
    pthread_cond_broadcast(&job->cond);
}

/* ---- admission (under the lock) ----------------------------------------------------------- */

static ServeSlot *serve_pick_slot(ServeSched *s, const ServeJob *job, size_t *reuse) {
    ServeSlot *best = NULL, *empty = NULL, *lru = NULL;
    size_t best_len = 0;
    for (int i = 0; i < s->n_slots; i++) {
        ServeSlot *sl = &s->slots[i];
        if (sl->job) continue;
        size_t n = sl->cache.count;
        if (n == 0) {
            if (!empty) empty = sl;
            continue;
        }
        if (n < job->prompt.count && n > best_len &&
            memcmp(sl->cache.ids, job->prompt.ids, n * sizeof *sl->cache.ids) == 0) {
            best = sl;
            best_len = n;
        }
        if (!lru || sl->used < lru->used) lru = sl;
    }
    *reuse = best_len;
    return best ? best : empty ? empty : lru;
}

static void serve_admit(ServeSched *s) {
    while (s->q_count > 0 && s->running < s->n_slots) {
        ServeJob *job = s->queue[s->q_head];
        s->q_head = (s->q_head + 1) % s->q_cap;
        s->q_count--;
        if (job->cancelled) {
            job->finish = SERVE_FINISH_CANCEL;
            serve_metrics_cancelled();
            pthread_cond_broadcast(&job->cond);
            serve_job_unref(job);
            continue;
        }
        size_t reuse = 0;
        ServeSlot *sl = serve_pick_slot(s, job, &reuse);
        KILN_ASSERT(sl != NULL);
        sl->job = job;
        sl->reset = reuse == 0 && sl->cache.count > 0;
        sl->prefilled = reuse;
        sl->n_out = 0;
        sl->used = s->step;
        krt_rng_seed(&sl->rng, job->seed);
        job->cached = (int64_t)reuse;
        s->running++;
    }
}

/* On stop: every job still queued or running ends with an error its client sees. */
static void serve_abort_all(ServeSched *s) {
    const char *why = "the server shut down before the request finished";
    for (int i = 0; i < s->n_slots; i++)
        if (s->slots[i].job) serve_finish_job(s, &s->slots[i], SERVE_FINISH_ERROR, why);
    while (s->q_count > 0) {
        ServeJob *job = s->queue[s->q_head];
        s->q_head = (s->q_head + 1) % s->q_cap;
        s->q_count--;
        job->finish = SERVE_FINISH_ERROR;
        snprintf(job->error, sizeof job->error, "%s", why);
        pthread_cond_broadcast(&job->cond);
        serve_job_unref(job);
    }
}

static void *serve_sched_main(void *arg) {
    ServeSched *s = arg;
    bool *cancelled = calloc((size_t)s->n_slots, sizeof *cancelled);
    KILN_ASSERT(cancelled != NULL);
    pthread_mutex_lock(&s->mu);
    while (!s->stopping) {
        serve_admit(s);
        if (s->running == 0) {
            pthread_cond_wait(&s->wake, &s->mu);
            continue;
        }
        s->step++;
        for (int i = 0; i < s->n_slots; i++)
            cancelled[i] = s->slots[i].job && s->slots[i].job->cancelled;
        pthread_mutex_unlock(&s->mu);
        for (int i = 0; i < s->n_slots; i++)
            if (s->slots[i].job) serve_slot_step(s, &s->slots[i], cancelled[i]);
        pthread_mutex_lock(&s->mu);
        for (int i = 0; i < s->n_slots; i++)
            if (s->slots[i].job) serve_publish(s, &s->slots[i]);
    }
    serve_abort_all(s);
    pthread_mutex_unlock(&s->mu);
    free(cancelled);
    return NULL;
}

/* ---- the public side ---------------------------------------------------------------------- */

ServeSubmit serve_sched_submit(ServeSched *s, ServeJob *job) {
    ServeSubmit r = SERVE_SUBMIT_OK;
    pthread_mutex_lock(&s->mu);
    if (s->draining || s->stopping) {
        r = SERVE_SUBMIT_DRAINING;
    } else if (s->q_count == s->q_cap) {
        r = SERVE_SUBMIT_FULL;
    } else {
        atomic_fetch_add(&job->refs, 1);
        job->t_submit = cli_generate_now_ms();
        s->queue[(s->q_head + s->q_count) % s->q_cap] = job;
        s->q_count++;
        pthread_cond_signal(&s->wake);
    }
    pthread_mutex_unlock(&s->mu);
    return r;
}

void serve_sched_cancel(ServeSched *s, ServeJob *job) {
    pthread_mutex_lock(&s->mu);
    job->cancelled = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
}

void serve_sched_drain(ServeSched *s) {
    pthread_mutex_lock(&s->mu);
    s->draining = true;
    pthread_mutex_unlock(&s->mu);
}

void serve_sched_gauges(ServeSched *s, int *queued, int *running) {
    pthread_mutex_lock(&s->mu);
    *queued = s->q_count;
    *running = s->running;
    pthread_mutex_unlock(&s->mu);
}

void serve_sched_free(ServeSched *s) {
    for (int i = 0; i < s->n_slots; i++) {
        ServeSlot *sl = &s->slots[i];
        /* slot 0's context belongs to the CliDecoder */
        if (i > 0 && sl->ctx) s->model->lib.model->destroy(sl->ctx);
        tok_ids_free(&sl->cache);
        free(sl->last);
    }
    free(s->slots);
    free(s->queue);
    free(s->logits);
    free(s->scratch);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

ServeSched *serve_sched_start(const ServeSchedOptions *o, Diag *d) {
    ServeSched *s = calloc(1, sizeof *s);
    KILN_ASSERT(s != NULL);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->wake, NULL);
    s->model = o->model;
    s->dec = o->model->dec;
    s->tok = o->tok;
    s->q_cap = o->max_queue;
    s->queue = calloc((size_t)s->q_cap, sizeof *s->queue);
    s->n_slots = o->max_batch;
    s->slots = calloc((size_t)s->n_slots, sizeof *s->slots);
    size_t vocab = (size_t)s->dec->vocab_size;
    s->logits = malloc((size_t)s->dec->max_prefill * vocab * sizeof *s->logits);
    s->scratch = malloc(krt_sample_scratch_bytes(s->dec->vocab_size));
    KILN_ASSERT(s->queue && s->slots && s->logits && s->scratch);
    /* A fresh slot holds an empty cache; slot 0 reuses the context cli_decoder_open made. */
    char *weights = serve_weights_path(&o->model->lib);
    bool ok = true;
    for (int i = 0; i < s->n_slots; i++) {
        ServeSlot *sl = &s->slots[i];
        sl->last = malloc(vocab * sizeof *sl->last);
        KILN_ASSERT(sl->last != NULL);
        if (i == 0) {
            sl->ctx = o->model->ctx;
            continue;
        }
        if (!ok) continue;
        int st = o->model->lib.model->create(&sl->ctx, weights);
        if (st != KILN_OK) {
            diag_at(d, weights ? weights : o->model->lib.path, NULL, NULL,
                    "cannot create context %d of %d: %s", i + 1, s->n_slots,
                    o->model->lib.model->status_string(st));
            sl->ctx = NULL;
            ok = false;
        }
    }
    free(weights);
    if (ok && pthread_create(&s->thread, NULL, serve_sched_main, s) != 0) {
        diag_error(d, "cannot start the scheduler thread");
        ok = false;
    }
    if (!ok) {
        serve_sched_free(s);
        return NULL;
    }
    return s;
}

void serve_sched_stop(ServeSched *s) {
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
}
