/* Command-line option helpers: flag values, usage errors, --bind lists. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool cli_flag_value(int argc, char **argv, int *i, const char *flag, const char **value, Diag *d) {
    const char *arg = argv[*i];
    size_t n = strlen(flag);
    if (strncmp(arg, flag, n) != 0) return false;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return true;
    }
    if (arg[n] != '\0') return false;
    if (*i + 1 >= argc) {
        diag_error(d, "option '%s' needs a value", flag);
        *value = NULL;
        return true;
    }
    *i += 1;
    *value = argv[*i];
    return true;
}

int cli_usage_error(const char *cmd, Diag *d) {
    for (int i = 0; i < d->n_warnings; i++) fprintf(stderr, "%s\n", d->warnings[i]);
    for (int i = 0; i < d->count; i++) fprintf(stderr, "kiln %s: %s\n", cmd, d->messages[i]);
    fprintf(stderr, "Try 'kiln %s --help'.\n", cmd);
    return 1;
}

void cli_model_argument(const char *arg, const char **model, Diag *d) {
    if (arg[0] == '-' && arg[1] != '\0')
        diag_error(d, "unknown option '%s'", arg);
    else if (*model)
        diag_error(d, "more than one model given ('%s' and '%s')", *model, arg);
    else
        *model = arg;
}

int cli_command_main(const CliCommand *c, int argc, char **argv, void *opts) {
    Diag d;
    diag_init(&d);
    bool help = false;
    int status;
    if (!c->parse(argc, argv, opts, &d, &help)) {
        status = cli_usage_error(c->name, &d);
    } else if (help) {
        fputs(c->help, stdout);
        status = 0;
    } else {
        bool ok = c->run(opts, &d);
        fflush(stdout);
        diag_print(&d, stderr); /* warnings are printed on success too */
        status = ok ? 0 : 1;
    }
    diag_free(&d);
    return status;
}

bool cli_is_identifier(const char *s) {
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

bool cli_bindings_add(CliBindings *b, const char *name, int64_t value, Diag *d) {
    for (int i = 0; i < b->count; i++) {
        if (strcmp(b->items[i].name, name) == 0) {
            if (b->items[i].value == value) return true;
            diag_error(d, "symbol '%s' bound twice: to %lld and to %lld", name,
                       (long long)b->items[i].value, (long long)value);
            return false;
        }
    }
    if (b->count == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 8;
        b->items = realloc(b->items, (size_t)b->cap * sizeof *b->items);
        KILN_ASSERT(b->items != NULL);
    }
    char *copy = strdup(name);
    KILN_ASSERT(copy != NULL);
    b->items[b->count].name = copy;
    b->items[b->count].value = value;
    b->count++;
    return true;
}

/* Parses one "name=value" item of length len. */
static bool cli_binding_item(CliBindings *b, const char *item, size_t len, Diag *d) {
    const char *eq = memchr(item, '=', len);
    if (!eq) {
        diag_error(d, "--bind expects name=value, got '%.*s'", (int)len, item);
        return false;
    }
    size_t name_len = (size_t)(eq - item);
    char name[128];
    if (name_len == 0 || name_len >= sizeof name) {
        diag_error(d, "--bind: bad symbol name in '%.*s'", (int)len, item);
        return false;
    }
    memcpy(name, item, name_len);
    name[name_len] = '\0';
    if (!cli_is_identifier(name)) {
        diag_error(d, "--bind: '%s' is not a symbol name", name);
        return false;
    }
    const char *v = eq + 1, *end = item + len;
    if (v == end) {
        diag_error(d, "--bind: symbol '%s' has no value", name);
        return false;
    }
    int64_t value = 0;
    for (; v < end; v++) {
        if (*v < '0' || *v > '9') {
            diag_error(d, "--bind: value of '%s' must be a non-negative integer, got '%.*s'", name,
                       (int)(end - eq - 1), eq + 1);
            return false;
        }
        int digit = *v - '0';
        if (value > (INT64_MAX - digit) / 10) {
            diag_error(d, "--bind: value of '%s' is too large", name);
            return false;
        }
        value = value * 10 + digit;
    }
    return cli_bindings_add(b, name, value, d);
}

bool cli_bindings_parse(CliBindings *b, const char *spec, Diag *d) {
    const char *p = spec;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (!cli_binding_item(b, p, len, d)) return false;
        if (!comma) return true;
        p = comma + 1;
    }
}

void cli_bindings_free(CliBindings *b) {
    for (int i = 0; i < b->count; i++) free((char *)b->items[i].name);
    free(b->items);
    memset(b, 0, sizeof *b);
}

bool cli_positive_int(const char *s, const char *flag, int64_t *out, Diag *d) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 1) {
        diag_error(d, "%s needs a whole number >= 1, not '%s'", flag, s);
        return false;
    }
    *out = (int64_t)v;
    return true;
}
