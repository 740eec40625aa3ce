/* Declarations shared by the ONNX reader's files (onnx_*.c); import functions use only
 * onnx_import.h. */
#ifndef KILN_ONNX_INTERNAL_H
#define KILN_ONNX_INTERNAL_H

#include "../frontend.h"
#include "onnx_frontend.h"
#include "onnx.pb-c.h"
#include "onnx_import.h"

/* The largest .onnx file read (protobuf messages are limited to 2 GiB by design). */
#define ONNX_MAX_FILE_BYTES ((size_t)2 << 30)
/* ai.onnx opsets read. Between 7 and 25 the ops kiln imports kept their meaning except where an
 * importer reads the older form itself (Clip, Pad, Slice, Resize attributes) or
 * onnx_check_versions refuses the version (onnx_reader.c). Opsets 24 and 25 only added element
 * types kiln lacks (float8e8m0, int2/uint2) and Attention's nonpad_kv_seqlen input. */
#define ONNX_MIN_OPSET 7
#define ONNX_MAX_OPSET 25

/* A string -> int map (open addressing); keys are copied. */
typedef struct OnnxMap {
    char **keys;
    int *vals;
    size_t cap, count;
} OnnxMap;

void onnx_map_free(OnnxMap *m);
/* The value stored for key, or -1. */
int onnx_map_get(const OnnxMap *m, const char *key);
/* Stores key -> val, replacing an existing entry. */
void onnx_map_put(OnnxMap *m, const char *key, int val);

typedef struct OnnxOpset {
    const char *domain; /* "" for ai.onnx */
    int64_t version;
} OnnxOpset;

struct OnnxImporter {
    const char *path; /* the model file, for messages */
    IrGraph *g;
    Diag *d;
    const FeOptions *opt;
    const OnnxConstInput *consts; /* graph inputs specialized to constants (fe_onnx_load_spec) */
    int n_consts;
    OnnxMap values;     /* ONNX value name -> IR value id */
    OnnxMap node_names; /* IR node names in use */
    OnnxOpset *opsets;
    int n_opsets;
    /* Names of the Dropout nodes imported as identity although their training_mode is true,
     * for one warning after the import (onnx_warn_training_dropouts); malloc'd array of arena
     * strings. */
    const char **training_dropouts;
    int n_training_dropouts, cap_training_dropouts;
};

/* Records one warning naming every Dropout noted by onnx_note_training_dropout, when imported
 * is true (a failed import reports its error alone), and frees the list. */
void onnx_warn_training_dropouts(OnnxImporter *im, bool imported);

/* Decodes tp into *out. Data is copied into g's arena (aligned); external data is resolved
 * against model_path's folder (NULL: external data is refused). what names the tensor in
 * messages ("initializer 'W'"). */
bool onnx_tensor_decode(const KilnOnnx__TensorProto *tp, IrGraph *g, const char *model_path,
                        const char *what, OnnxTensor *out, Diag *d);

/* Decodes node np's attributes into an arena array (*out, *count). */
bool onnx_attrs_decode(OnnxImporter *im, const KilnOnnx__NodeProto *np, const char *node_name,
                       OnnxAttr **out, int *count);

/* The import function for (domain, op_type) from the family tables, or NULL. */
OnnxImportFn onnx_find_import(const char *domain, const char *op_type);

/* Name of an ONNX TensorProto.DataType number ("FLOAT", "STRING", ...; "type N" if unknown). */
const char *onnx_dtype_name(int64_t onnx_type, char *buf, size_t cap);

#endif
