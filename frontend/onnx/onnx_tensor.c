/* TensorProto decoding: every encoding ONNX writes (raw_data, the typed repeated fields,
 * external data files) into one dense little-endian array, with every size checked. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../file.h"
#include "../path.h"
#include "onnx_frontend.h"
#include "onnx_internal.h"

/* ONNX TensorProto.DataType numbers kiln handles. */
enum {
    ONNX_FLOAT = 1,
    ONNX_UINT8 = 2,
    ONNX_INT8 = 3,
    ONNX_INT32 = 6,
    ONNX_INT64 = 7,
    ONNX_STRING = 8,
    ONNX_BOOL = 9,
    ONNX_FLOAT16 = 10,
    ONNX_DOUBLE = 11,
    ONNX_BFLOAT16 = 16,
};

/* Files holding one test tensor are small; 1 GiB is far above any conformance test. */
#define ONNX_MAX_TENSOR_FILE_BYTES ((size_t)1 << 30)

static const char *const onnx_dtype_names[] = {
    "UNDEFINED",      "FLOAT",      "UINT8",          "INT8",       "UINT16",   "INT16",
    "INT32",          "INT64",      "STRING",         "BOOL",       "FLOAT16",  "DOUBLE",
    "UINT32",         "UINT64",     "COMPLEX64",      "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN",
    "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4",      "INT4",     "FLOAT4E2M1",
    "FLOAT8E8M0",     "UINT2",      "INT2",
};

const char *onnx_dtype_name(int64_t onnx_type, char *buf, size_t cap) {
    if (onnx_type >= 0 &&
        onnx_type < (int64_t)(sizeof onnx_dtype_names / sizeof onnx_dtype_names[0]))
        return onnx_dtype_names[onnx_type];
    snprintf(buf, cap, "type %lld", (long long)onnx_type);
    return buf;
}

bool onnx_dtype_to_ir(int64_t onnx_type, IrDtype *out) {
    switch (onnx_type) {
    case ONNX_FLOAT:
        *out = IR_DTYPE_F32;
        return true;
    case ONNX_UINT8:
        *out = IR_DTYPE_U8;
        return true;
    case ONNX_INT8:
        *out = IR_DTYPE_I8;
        return true;
    case ONNX_INT32:
        *out = IR_DTYPE_I32;
        return true;
    case ONNX_INT64:
        *out = IR_DTYPE_I64;
        return true;
    case ONNX_BOOL:
        *out = IR_DTYPE_BOOL;
        return true;
    case ONNX_FLOAT16:
        *out = IR_DTYPE_F16;
        return true;
    case ONNX_DOUBLE:
        *out = IR_DTYPE_F64;
        return true;
    case ONNX_BFLOAT16:
        *out = IR_DTYPE_BF16;
        return true;
    default:
        return false;
    }
}

/* Reads the bytes [offset, offset+len) of the external data file `location` into dst. */
typedef void *(*OnnxAllocFn)(void *user, size_t n);

/* Reads the bytes [offset, offset+len) of the external data file `location` into a buffer from
 * alloc (allocated only once every size is checked), stored in *dst. */
static bool onnx_read_external(const char *model_path, const char *what, const char *location,
                               int64_t offset, int64_t len, bool has_len, size_t want,
                               OnnxAllocFn alloc, void *alloc_user, void **dst, Diag *d) {
    char *real = fe_path_resolve(model_path, "external data", location, d);
    if (!real) return false;
    bool ok = false;
    char *model_dir = fe_path_dirname(model_path);
    char *display = fe_path_join(model_dir, location);
    free(model_dir);
    struct stat st;
    int fd = fe_file_open(real, display, FE_FILE_IN_MODEL, &st, d);
    free(display);
    if (fd < 0) {
        diag_at(d, model_path, NULL, NULL, "%s: cannot read external data file '%s'", what,
                location);
        goto out;
    }
    if (!has_len) len = (int64_t)want;
    if (offset < 0 || len < 0) {
        diag_at(d, model_path, NULL, NULL, "%s: negative external data offset or length", what);
        goto out;
    }
    if ((uint64_t)len != (uint64_t)want) {
        diag_at(d, model_path, NULL, NULL,
                "%s: external data length %lld does not match the tensor's %zu bytes", what,
                (long long)len, want);
        goto out;
    }
    int64_t end;
    if (__builtin_add_overflow(offset, len, &end) || end > (int64_t)st.st_size) {
        diag_at(d, model_path, NULL, NULL,
                "%s: external data offset %lld + length %lld lies past the end of '%s' (%lld "
                "bytes)",
                what, (long long)offset, (long long)len, location, (long long)st.st_size);
        goto out;
    }
    *dst = alloc(alloc_user, want ? want : 1);
    if (!*dst) {
        diag_at(d, model_path, NULL, NULL, "%s: out of memory for %zu bytes", what, want);
        goto out;
    }
    size_t done = 0;
    while (done < want) {
        ssize_t r = pread(fd, (char *)*dst + done, want - done, (off_t)(offset + (int64_t)done));
        if (r <= 0) {
            diag_at(d, model_path, NULL, NULL, "%s: cannot read external data file '%s'", what,
                    location);
            goto out;
        }
        done += (size_t)r;
    }
    ok = true;
out:
    if (fd >= 0) close(fd);
    free(real);
    return ok;
}

/* Parses a decimal int64 from an external_data entry. */
static bool onnx_parse_i64(const char *s, int64_t *out) {
    if (!s || !*s) return false;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0') return false;
    *out = v;
    return true;
}

static bool onnx_external(const KilnOnnx__TensorProto *tp, const char *model_path, const char *what,
                          size_t want, OnnxAllocFn alloc, void *alloc_user, void **dst, Diag *d) {
    if (!model_path) {
        diag_at(d, NULL, NULL, NULL, "%s: external data is not allowed here", what);
        return false;
    }
    const char *location = NULL;
    int64_t offset = 0, len = 0;
    bool has_len = false;
    for (size_t i = 0; i < tp->n_external_data; i++) {
        const KilnOnnx__StringStringEntryProto *e = tp->external_data[i];
        const char *k = e->key ? e->key : "";
        bool ok = true;
        if (strcmp(k, "location") == 0)
            location = e->value;
        else if (strcmp(k, "offset") == 0)
            ok = onnx_parse_i64(e->value, &offset);
        else if (strcmp(k, "length") == 0)
            ok = has_len = onnx_parse_i64(e->value, &len);
        if (!ok) {
            diag_at(d, model_path, NULL, NULL, "%s: external data %s '%s' is not an integer", what,
                    k, e->value ? e->value : "");
            return false;
        }
    }
    if (!location || !*location) {
        diag_at(d, model_path, NULL, NULL, "%s: external data has no location", what);
        return false;
    }
    return onnx_read_external(model_path, what, location, offset, len, has_len, want, alloc,
                              alloc_user, dst, d);
}

/* Checks that the typed field dtype dt is stored in holds exactly numel values. */
static bool onnx_typed_count_ok(const KilnOnnx__TensorProto *tp, IrDtype dt, int64_t numel,
                                const char *where, const char *what, Diag *d) {
    size_t have = 0;
    const char *field = "";
    switch (dt) {
    case IR_DTYPE_F32:
        have = tp->n_float_data, field = "float_data";
        break;
    case IR_DTYPE_F64:
        have = tp->n_double_data, field = "double_data";
        break;
    case IR_DTYPE_I64:
        have = tp->n_int64_data, field = "int64_data";
        break;
    default:
        have = tp->n_int32_data, field = "int32_data";
        break;
    }
    if (have != (uint64_t)numel) {
        diag_at(d, where, NULL, NULL, "%s: %s has %zu values, expected %lld", what, field, have,
                (long long)numel);
        return false;
    }
    return true;
}

/* Copies the numel typed values (count already checked) into dst converted to dt. */
static void onnx_typed_copy(const KilnOnnx__TensorProto *tp, IrDtype dt, int64_t numel, void *dst) {
    for (int64_t i = 0; i < numel; i++) {
        switch (dt) {
        case IR_DTYPE_F32:
            ((float *)dst)[i] = tp->float_data[i];
            break;
        case IR_DTYPE_F64:
            ((double *)dst)[i] = tp->double_data[i];
            break;
        case IR_DTYPE_I64:
            ((int64_t *)dst)[i] = tp->int64_data[i];
            break;
        case IR_DTYPE_I32:
            ((int32_t *)dst)[i] = tp->int32_data[i];
            break;
        case IR_DTYPE_F16:
        case IR_DTYPE_BF16:
            ((uint16_t *)dst)[i] = (uint16_t)tp->int32_data[i];
            break;
        case IR_DTYPE_I8:
            ((int8_t *)dst)[i] = (int8_t)tp->int32_data[i];
            break;
        case IR_DTYPE_U8:
            ((uint8_t *)dst)[i] = (uint8_t)tp->int32_data[i];
            break;
        case IR_DTYPE_BOOL:
            ((uint8_t *)dst)[i] = tp->int32_data[i] != 0;
            break;
        default:
            KILN_ASSERT(0);
        }
    }
}

/* The decoding shared by model tensors (arena) and test data files (malloc): checks the type
 * and dims, sizes the data, and fills it. alloc gives zeroed memory of n bytes. */
static bool onnx_tensor_fill(const KilnOnnx__TensorProto *tp, const char *model_path,
                             const char *where, const char *what, OnnxAllocFn alloc,
                             void *alloc_user, OnnxTensor *out, Diag *d) {
    char buf[32];
    memset(out, 0, sizeof *out);
    int64_t ot = tp->has_data_type ? tp->data_type : 0;
    if (ot == ONNX_STRING) {
        diag_at(d, where, NULL, NULL, "%s: string tensors are unsupported", what);
        return false;
    }
    IrDtype dt;
    if (!onnx_dtype_to_ir(ot, &dt)) {
        diag_at(d, where, NULL, NULL, "%s: element type %s is unsupported", what,
                onnx_dtype_name(ot, buf, sizeof buf));
        return false;
    }
    if (tp->n_dims > IR_MAX_RANK) {
        diag_at(d, where, NULL, NULL, "%s: rank %zu exceeds kiln's maximum of %d", what, tp->n_dims,
                IR_MAX_RANK);
        return false;
    }
    if (tp->segment) {
        diag_at(d, where, NULL, NULL, "%s: segmented tensors are unsupported", what);
        return false;
    }
    out->dtype = dt;
    out->rank = (int)tp->n_dims;
    int64_t numel = 1;
    for (size_t i = 0; i < tp->n_dims; i++) {
        if (tp->dims[i] < 0) {
            diag_at(d, where, NULL, NULL, "%s: dim %zu is negative (%lld)", what, i,
                    (long long)tp->dims[i]);
            return false;
        }
        if (__builtin_mul_overflow(numel, tp->dims[i], &numel)) {
            diag_at(d, where, NULL, NULL, "%s: the element count overflows", what);
            return false;
        }
        out->dims[i] = tp->dims[i];
    }
    size_t nbytes;
    if (numel > (int64_t)(SIZE_MAX / 16) ||
        __builtin_mul_overflow((size_t)numel, ir_dtype_size(dt), &nbytes) ||
        nbytes > ((size_t)1 << 40)) {
        diag_at(d, where, NULL, NULL, "%s: the byte size overflows", what);
        return false;
    }
    out->nbytes = nbytes;
    bool external = tp->has_data_location && tp->data_location == 1;
    if (external) {
        void *data = NULL;
        bool ok = onnx_external(tp, model_path, what, nbytes, alloc, alloc_user, &data, d);
        out->data = data;
        return ok;
    }
    /* Check the encoded size before allocating, so a lying header cannot ask for huge memory. */
    if (tp->has_raw_data) {
        if (tp->raw_data.len != nbytes) {
            diag_at(d, where, NULL, NULL, "%s: raw_data has %zu bytes, expected %zu", what,
                    tp->raw_data.len, nbytes);
            return false;
        }
    } else if (numel > 0 && !onnx_typed_count_ok(tp, dt, numel, where, what, d)) {
        return false;
    }
    void *data = alloc(alloc_user, nbytes ? nbytes : 1);
    if (!data) {
        diag_at(d, where, NULL, NULL, "%s: out of memory for %zu bytes", what, nbytes);
        return false;
    }
    out->data = data;
    if (tp->has_raw_data) {
        if (nbytes) memcpy(data, tp->raw_data.data, nbytes);
    } else {
        onnx_typed_copy(tp, dt, numel, data);
    }
    return true;
}

static void *onnx_arena_alloc(void *user, size_t n) {
    return ir_alloc((IrGraph *)user, n);
}

bool onnx_tensor_decode(const KilnOnnx__TensorProto *tp, IrGraph *g, const char *model_path,
                        const char *what, OnnxTensor *out, Diag *d) {
    return onnx_tensor_fill(tp, model_path, model_path, what, onnx_arena_alloc, g, out, d);
}

static void *onnx_heap_alloc(void *user, size_t n) {
    (void)user;
    return calloc(1, n);
}

bool onnx_tensor_read_file(const char *path, IrTensor *t, Diag *d) {
    memset(t, 0, sizeof *t);
    size_t len = 0;
    char *bytes = fe_file_read(path, ONNX_MAX_TENSOR_FILE_BYTES, &len, d);
    if (!bytes) return false;
    KilnOnnx__TensorProto *tp = kiln_onnx__tensor_proto__unpack(NULL, len, (const uint8_t *)bytes);
    free(bytes);
    if (!tp) {
        diag_at(d, path, NULL, NULL, "not a valid TensorProto (malformed protobuf)");
        return false;
    }
    OnnxTensor ot;
    bool ok = onnx_tensor_fill(tp, NULL, path, "tensor", onnx_heap_alloc, NULL, &ot, d);
    kiln_onnx__tensor_proto__free_unpacked(tp, NULL);
    if (!ok) {
        free((void *)ot.data);
        return false;
    }
    t->dtype = ot.dtype;
    t->rank = ot.rank;
    memcpy(t->dims, ot.dims, sizeof t->dims);
    t->data = (void *)ot.data;
    t->nbytes = ot.nbytes;
    return true;
}
