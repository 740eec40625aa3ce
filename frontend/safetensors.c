/* safetensors reader. Every number read from the file is checked here, where it is read:
 * the header length against the file size and a cap, each shape and offset for range and
 * overflow, and the offsets together for exact tiling of the data section. */
#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "json_util.h"

struct StFile {
    char *display;            /* name used in messages */
    unsigned char *map;       /* the whole file, read-only */
    size_t map_len;           /* file size */
    bool adopted;             /* a graph owns map now */
    StTensor *tensors;        /* n tensors, sorted by data offset */
    const StTensor **by_name; /* the same n tensors, sorted by name (for st_find) */
    int n;
};

static const struct {
    const char *name;
    IrDtype dtype;
} st_dtypes[] = {
    {"F32", IR_DTYPE_F32}, {"F16", IR_DTYPE_F16}, {"BF16", IR_DTYPE_BF16},
    {"F64", IR_DTYPE_F64}, {"I8", IR_DTYPE_I8},   {"U8", IR_DTYPE_U8},
    {"I32", IR_DTYPE_I32}, {"I64", IR_DTYPE_I64}, {"BOOL", IR_DTYPE_BOOL},
};

static bool st_dtype_parse(const char *s, IrDtype *out) {
    for (size_t i = 0; i < sizeof st_dtypes / sizeof st_dtypes[0]; i++) {
        if (strcmp(s, st_dtypes[i].name) == 0) {
            *out = st_dtypes[i].dtype;
            return true;
        }
    }
    return false;
}

static void st_free(StFile *f) {
    if (!f) return;
    for (int i = 0; i < f->n; i++) free((char *)f->tensors[i].name);
    free(f->tensors);
    free(f->by_name);
    if (f->map && !f->adopted) munmap(f->map, f->map_len);
    free(f->display);
    free(f);
}

void st_close(StFile *f) {
    st_free(f);
}

void st_adopt(StFile *f, IrGraph *g) {
    if (f->adopted) return;
    ir_graph_adopt_mapping(g, f->map, f->map_len);
    f->adopted = true;
}

int st_count(const StFile *f) {
    return f->n;
}

const StTensor *st_tensor(const StFile *f, int i) {
    KILN_ASSERT(i >= 0 && i < f->n);
    return &f->tensors[i];
}

const void *st_data_for(const StTensor *t, IrGraph *g) {
    if ((uintptr_t)t->data % ir_dtype_size(t->dtype) == 0) return t->data;
    void *copy = ir_alloc(g, t->nbytes ? t->nbytes : 1); /* the arena aligns to 16 */
    memcpy(copy, t->data, t->nbytes);
    return copy;
}

static int st_cmp_name(const void *a, const void *b) {
    const StTensor *x = *(const StTensor *const *)a, *y = *(const StTensor *const *)b;
    return strcmp(x->name, y->name);
}

const StTensor *st_find(const StFile *f, const char *name) {
    StTensor key = {0};
    key.name = name;
    const StTensor *pk = &key;
    const StTensor **hit = bsearch(&pk, f->by_name, (size_t)f->n, sizeof *f->by_name, st_cmp_name);
    return hit ? *hit : NULL;
}

/* Offsets relative to the data section, kept while validating; data pointers are set after. */
typedef struct StSpan {
    uint64_t begin, end;
} StSpan;

/* The "__metadata__" entry: an object of strings. kiln does not use it, but checks it. */
static bool st_check_metadata(const StFile *f, const cJSON *meta, Diag *d) {
    if (!cJSON_IsObject(meta)) {
        diag_at(d, f->display, NULL, NULL, "header: \"__metadata__\" must be an object, not %s",
                fe_json_type_name(meta));
        return false;
    }
    for (const cJSON *m = meta->child; m; m = m->next) {
        if (!cJSON_IsString(m)) {
            diag_at(d, f->display, NULL, NULL,
                    "header: \"__metadata__\" entry '%s' must be a string, not %s", m->string,
                    fe_json_type_name(m));
            return false;
        }
    }
    return true;
}

/* Reads one tensor entry into t (name, dtype, rank, dims, nbytes) and *span; data_len is the
 * size of the data section. */
static bool st_read_entry(const StFile *f, const cJSON *e, uint64_t data_len, StTensor *t,
                          StSpan *span, Diag *d) {
    const char *name = e->string;
    if (!cJSON_IsObject(e)) {
        diag_at(d, f->display, NULL, NULL, "tensor '%s': entry must be an object, not %s", name,
                fe_json_type_name(e));
        return false;
    }
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dtype)) {
        diag_at(d, f->display, NULL, NULL, "tensor '%s': \"dtype\" must be a string", name);
        return false;
    }
    if (!st_dtype_parse(dtype->valuestring, &t->dtype)) {
        diag_at(d, f->display, NULL, NULL,
                "tensor '%s': unknown dtype '%s' (supported: F32 F16 BF16 F64 I8 U8 I32 I64 "
                "BOOL)",
                name, dtype->valuestring);
        return false;
    }
    if (!cJSON_IsArray(shape)) {
        diag_at(d, f->display, NULL, NULL, "tensor '%s': \"shape\" must be an array", name);
        return false;
    }
    int rank = cJSON_GetArraySize(shape);
    if (rank > IR_MAX_RANK) {
        diag_at(d, f->display, NULL, NULL, "tensor '%s': rank %d is more than kiln's limit of %d",
                name, rank, IR_MAX_RANK);
        return false;
    }
    t->rank = rank;
    uint64_t numel = 1;
    bool numel_overflow = false;
    int i = 0;
    for (const cJSON *dim = shape->child; dim; dim = dim->next, i++) {
        int64_t v;
        if (!fe_json_get_int(dim, &v)) {
            diag_at(d, f->display, NULL, NULL,
                    "tensor '%s': shape[%d] must be an integer (exactly representable), not %s",
                    name, i,
                    cJSON_IsNumber(dim) ? "a fraction or a huge number" : fe_json_type_name(dim));
            return false;
        }
        if (v < 0) {
            diag_at(d, f->display, NULL, NULL, "tensor '%s': shape[%d] is negative (%" PRId64 ")",
                    name, i, v);
            return false;
        }
        t->dims[i] = v;
        if (v != 0 && numel > UINT64_MAX / (uint64_t)v) numel_overflow = true;
        numel *= (uint64_t)v;
    }
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2) {
        diag_at(d, f->display, NULL, NULL,
                "tensor '%s': \"data_offsets\" must be an array [begin, end]", name);
        return false;
    }
    int64_t begin, end;
    if (!fe_json_get_int(offs->child, &begin) || !fe_json_get_int(offs->child->next, &end) ||
        begin < 0 || end < 0) {
        diag_at(d, f->display, NULL, NULL,
                "tensor '%s': \"data_offsets\" must hold two non-negative integers", name);
        return false;
    }
    if (begin > end) {
        diag_at(d, f->display, NULL, NULL,
                "tensor '%s': data_offsets [%" PRId64 ", %" PRId64 "] begin after they end", name,
                begin, end);
        return false;
    }
    if ((uint64_t)end > data_len) {
        diag_at(d, f->display, NULL, NULL,
                "tensor '%s': data_offsets [%" PRId64 ", %" PRId64
                "] run past the end of the data section (%" PRIu64 " bytes)",
                name, begin, end, data_len);
        return false;
    }
    size_t es = ir_dtype_size(t->dtype);
    if (numel_overflow || numel > UINT64_MAX / es) {
        diag_at(d, f->display, NULL, NULL, "tensor '%s': the byte size of its shape overflows",
                name);
        return false;
    }
    if (numel * es != (uint64_t)(end - begin)) {
        diag_at(d, f->display, NULL, NULL,
                "tensor '%s': shape and dtype %s need %" PRIu64 " bytes but data_offsets [%" PRId64
                ", %" PRId64 "] hold %" PRId64,
                name, dtype->valuestring, numel * es, begin, end, end - begin);
        return false;
    }
    t->nbytes = (size_t)(end - begin);
    span->begin = (uint64_t)begin;
    span->end = (uint64_t)end;
    return true;
}

/* Index sort by span, so the tiling check can walk tensors in file order. */
typedef struct StOrder {
    StSpan span;
    int index;
} StOrder;

static int st_cmp_span(const void *a, const void *b) {
    const StOrder *x = a, *y = b;
    if (x->span.begin != y->span.begin) return x->span.begin < y->span.begin ? -1 : 1;
    if (x->span.end != y->span.end) return x->span.end < y->span.end ? -1 : 1;
    return x->index - y->index;
}

/* Checks that the spans tile [0, data_len) exactly and reorders f->tensors by offset, setting
 * data pointers (data section starts at `data`). */
static bool st_check_tiling(StFile *f, StTensor *raw, StOrder *order, uint64_t data_len,
                            const unsigned char *data, Diag *d) {
    qsort(order, (size_t)f->n, sizeof *order, st_cmp_span);
    uint64_t expect = 0;
    for (int i = 0; i < f->n; i++) {
        const StTensor *t = &raw[order[i].index];
        StSpan s = order[i].span;
        if (s.begin < expect) {
            diag_at(d, f->display, NULL, NULL,
                    "tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64
                    "] overlap tensor '%s', which ends at %" PRIu64,
                    t->name, s.begin, s.end, raw[order[i - 1].index].name, expect);
            return false;
        }
        if (s.begin > expect) {
            diag_at(d, f->display, NULL, NULL,
                    "tensor '%s': gap of %" PRIu64 " unused bytes before its data_offsets [%" PRIu64
                    ", %" PRIu64 "]",
                    t->name, s.begin - expect, s.begin, s.end);
            return false;
        }
        expect = s.end;
    }
    if (expect != data_len) {
        diag_at(d, f->display, NULL, NULL,
                "%" PRIu64
                " trailing bytes after the last tensor's data (the data section is %" PRIu64
                " bytes, tensors cover %" PRIu64 ")",
                data_len - expect, data_len, expect);
        return false;
    }
    for (int i = 0; i < f->n; i++) {
        f->tensors[i] = raw[order[i].index];
        f->tensors[i].data = data + order[i].span.begin;
    }
    return true;
}

/* Validates the parsed header and fills f->tensors; the whole header is checked before any
 * tensor data pointer is handed out. */
static bool st_read_header(StFile *f, const cJSON *root, uint64_t data_len,
                           const unsigned char *data, Diag *d) {
    if (!cJSON_IsObject(root)) {
        diag_at(d, f->display, NULL, NULL, "header must be a JSON object, not %s",
                fe_json_type_name(root));
        return false;
    }
    int n = 0;
    for (const cJSON *e = root->child; e; e = e->next)
        if (strcmp(e->string, "__metadata__") != 0) n++;
    StTensor *raw = calloc((size_t)(n ? n : 1), sizeof *raw);
    StOrder *order = calloc((size_t)(n ? n : 1), sizeof *order);
    f->tensors = calloc((size_t)(n ? n : 1), sizeof *f->tensors);
    f->by_name = calloc((size_t)(n ? n : 1), sizeof *f->by_name);
    KILN_ASSERT(raw && order && f->tensors && f->by_name);
    bool ok = true;
    bool seen_meta = false;
    int k = 0;
    for (const cJSON *e = root->child; e && ok; e = e->next) {
        if (strcmp(e->string, "__metadata__") == 0) {
            if (seen_meta) {
                diag_at(d, f->display, NULL, NULL, "header: \"__metadata__\" appears twice");
                ok = false;
            } else {
                ok = st_check_metadata(f, e, d);
            }
            seen_meta = true;
            continue;
        }
        raw[k].name = strdup(e->string);
        KILN_ASSERT(raw[k].name != NULL);
        order[k].index = k;
        k++;
        ok = st_read_entry(f, e, data_len, &raw[k - 1], &order[k - 1].span, d);
    }
    if (ok) {
        /* duplicate names: sort pointers by name and compare neighbours */
        for (int i = 0; i < n; i++) f->by_name[i] = &raw[i];
        qsort(f->by_name, (size_t)n, sizeof *f->by_name, st_cmp_name);
        for (int i = 1; i < n && ok; i++) {
            if (strcmp(f->by_name[i - 1]->name, f->by_name[i]->name) == 0) {
                diag_at(d, f->display, NULL, NULL, "tensor '%s' appears twice in the header",
                        f->by_name[i]->name);
                ok = false;
            }
        }
    }
    f->n = n;
    if (ok) ok = st_check_tiling(f, raw, order, data_len, data, d);
    if (ok) {
        for (int i = 0; i < n; i++) f->by_name[i] = &f->tensors[i];
        qsort(f->by_name, (size_t)n, sizeof *f->by_name, st_cmp_name);
    } else {
        /* names are owned by raw until tiling copied them into f->tensors */
        for (int i = 0; i < k; i++) free((char *)raw[i].name);
        memset(f->tensors, 0, sizeof *f->tensors * (size_t)(n ? n : 1));
    }
    free(raw);
    free(order);
    return ok;
}

/* Maps the file and checks the header length; sets f->map / f->map_len. */
static bool st_map(StFile *f, const char *path, Diag *d) {
    struct stat st;
    int fd = fe_file_open(path, f->display, FE_FILE_IN_MODEL, &st, d);
    if (fd < 0) return false;
    if (st.st_size < 8) {
        diag_at(d, f->display, NULL, NULL,
                "file is %lld bytes; a safetensors file starts with an 8-byte header length",
                (long long)st.st_size);
        close(fd);
        return false;
    }
    if ((unsigned long long)st.st_size > SIZE_MAX) {
        diag_at(d, f->display, NULL, NULL, "file is too large to map");
        close(fd);
        return false;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int map_errno = errno;
    close(fd);
    if (map == MAP_FAILED) {
        diag_at(d, f->display, NULL, NULL, "cannot map: %s", strerror(map_errno));
        return false;
    }
    f->map = map;
    f->map_len = (size_t)st.st_size;
    return true;
}

StFile *st_open(const char *path, const char *display_name, Diag *d) {
    StFile *f = calloc(1, sizeof *f);
    KILN_ASSERT(f != NULL);
    f->display = strdup(display_name);
    KILN_ASSERT(f->display != NULL);
    if (!st_map(f, path, d)) {
        st_free(f);
        return NULL;
    }
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | f->map[i];
    uint64_t rest = (uint64_t)f->map_len - 8;
    if (hlen > ST_MAX_HEADER_BYTES) {
        diag_at(d, f->display, NULL, NULL,
                "header length %" PRIu64 " is more than the limit of %u bytes", hlen,
                ST_MAX_HEADER_BYTES);
        st_free(f);
        return NULL;
    }
    if (hlen > rest) {
        diag_at(d, f->display, NULL, NULL,
                "header length %" PRIu64 " runs past the end of the file (%" PRIu64
                " bytes after the length field)",
                hlen, rest);
        st_free(f);
        return NULL;
    }
    const char *text = (const char *)f->map + 8;
    size_t err_off = 0;
    bool too_deep = false;
    cJSON *root = fe_json_parse(text, (size_t)hlen, &err_off, &too_deep);
    if (!root) {
        if (too_deep)
            diag_at(d, f->display, NULL, NULL,
                    "header nests deeper than %d levels (at byte %zu of the header)",
                    FE_JSON_MAX_DEPTH, err_off);
        else
            diag_at(d, f->display, NULL, NULL,
                    "header is not valid JSON (error at byte %zu of the header)", err_off);
        st_free(f);
        return NULL;
    }
    const unsigned char *data = f->map + 8 + hlen;
    bool ok = st_read_header(f, root, rest - hlen, data, d);
    cJSON_Delete(root);
    if (!ok) {
        st_free(f);
        return NULL;
    }
    return f;
}
