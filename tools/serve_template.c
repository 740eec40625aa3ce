/* The chat template: messages -> prompt text. kiln does not run Jinja, and none of the models
 * it is tested with ships a chat_template, so every model gets one fixed, documented format
 * (docs/serve.md):
 *
 *     System: <content>\n
 *     User: <content>\n
 *     Assistant:<content>\n
 *     Assistant:
 *
 * one line per message in order, then "Assistant:" for the reply. An assistant message follows
 * its "Assistant:" verbatim (no space added): a reply is generated right after "Assistant:",
 * so a client that sends it back as history renders exactly the text the model saw, and the
 * slot's cache can be reused (serve_sched.c). The model's own special prefixes (GLM's
 * [gMASK]<sop>) are not added yet. */
#include "serve.h"

#include <string.h>

#include <cjson/cJSON.h>

static const char *serve_role_label(const char *role) {
    if (strcmp(role, "system") == 0 || strcmp(role, "developer") == 0) return "System";
    if (strcmp(role, "user") == 0) return "User";
    if (strcmp(role, "assistant") == 0) return "Assistant";
    return NULL;
}

/* Appends a message's content: a string, null (an assistant turn with no text), or an array of
 * {"type": "text", "text": ...} parts, concatenated. */
static bool serve_render_content(const cJSON *content, TokBuf *out, ServeError *e) {
    if (!content || cJSON_IsNull(content)) return true;
    if (cJSON_IsString(content)) {
        tok_buf_append(out, content->valuestring, strlen(content->valuestring));
        return true;
    }
    if (!cJSON_IsArray(content)) {
        serve_error_set(e, 400, "invalid_request_error", "messages", "invalid_type",
                        "a message's content must be a string or an array of content parts");
        return false;
    }
    const cJSON *part;
    cJSON_ArrayForEach(part, content) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(part, "type");
        if (!cJSON_IsObject(part) || !cJSON_IsString(type)) {
            serve_error_set(e, 400, "invalid_request_error", "messages", "invalid_type",
                            "a content part must be an object with a string 'type'");
            return false;
        }
        if (strcmp(type->valuestring, "image_url") == 0 ||
            strcmp(type->valuestring, "input_image") == 0) {
            serve_error_set(e, 400, "invalid_request_error", "messages", "unsupported_content",
                            "this model takes text only: image parts are not supported");
            return false;
        }
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(part, "text");
        if (strcmp(type->valuestring, "text") != 0 || !cJSON_IsString(text)) {
            serve_error_set(e, 400, "invalid_request_error", "messages", "unsupported_content",
                            "unsupported content part type '%.64s' (only 'text' parts with a "
                            "string 'text')",
                            type->valuestring);
            return false;
        }
        tok_buf_append(out, text->valuestring, strlen(text->valuestring));
    }
    return true;
}

bool serve_template_render(const cJSON *messages, TokBuf *out, ServeError *e) {
    const cJSON *m;
    cJSON_ArrayForEach(m, messages) {
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
        if (!cJSON_IsObject(m) || !cJSON_IsString(role)) {
            serve_error_set(e, 400, "invalid_request_error", "messages", "invalid_type",
                            "every message must be an object with a string 'role'");
            return false;
        }
        const char *label = serve_role_label(role->valuestring);
        if (!label) {
            serve_error_set(e, 400, "invalid_request_error", "messages", "invalid_value",
                            "unsupported role '%.64s' (system, developer, user or assistant)",
                            role->valuestring);
            return false;
        }
        const char *sep = strcmp(label, "Assistant") == 0 ? ":" : ": ";
        tok_buf_append(out, label, strlen(label));
        tok_buf_append(out, sep, strlen(sep));
        if (!serve_render_content(cJSON_GetObjectItemCaseSensitive(m, "content"), out, e))
            return false;
        tok_buf_append(out, "\n", 1);
    }
    tok_buf_append(out, "Assistant:", 10);
    return true;
}
