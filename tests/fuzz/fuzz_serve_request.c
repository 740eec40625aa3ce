/* Fuzz target: `kiln serve`'s request reader (tools/serve_request.c and the chat template it
 * calls), on bodies as the HTTP layer hands them over. The first byte picks the route
 * (even: /v1/chat/completions, odd: /v1/completions), the rest is the body. Text prompts are
 * tokenized with the GPT-2 test tokenizer (tests/hf/models/gpt2). An accepted request must
 * respect the model's limits; a refused one must come with a 400/404 and an error body that
 * is itself JSON. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz_util.h"
#include "tools/serve.h"

#define FUZZ_MAX_CONTEXT 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static Tok *tok;
    static ServeModelInfo model;
    if (!tok) {
        Diag d;
        diag_init(&d);
        tok = tok_load(KILN_SOURCE_DIR "/tests/hf/models/gpt2/tokenizer.json", &d);
        if (!tok) abort(); /* a broken harness, not a finding */
        diag_free(&d);
        model = (ServeModelInfo){"m", tok_vocab_size(tok), FUZZ_MAX_CONTEXT, tok};
    }
    if (size < 1) return 0;
    ServeKind kind = data[0] % 2 == 0 ? SERVE_CHAT : SERVE_COMPLETION;
    ServeError e;
    memset(&e, 0, sizeof e);
    ServeJob *job = serve_request_parse(kind, (const char *)data + 1, size - 1, &model, &e);
    if (job) {
        if (job->prompt.count < 1 || (int64_t)job->prompt.count >= FUZZ_MAX_CONTEXT) abort();
        if (job->max_tokens < 1 || job->max_tokens > FUZZ_MAX_CONTEXT - (int64_t)job->prompt.count)
            abort();
        for (size_t i = 0; i < job->prompt.count; i++)
            if (job->prompt.ids[i] < 0 || job->prompt.ids[i] >= model.vocab_size) abort();
        if (job->n_stops > SERVE_MAX_STOPS) abort();
        serve_job_unref(job);
    } else {
        if (e.status != 400 && e.status != 404) abort();
        char *body = serve_error_json(&e);
        cJSON *back = cJSON_Parse(body);
        if (!back) abort();
        cJSON_Delete(back);
        free(body);
    }
    return 0;
}
