/* The contract between the ONNX reader (frontend/onnx/onnx_*.c) and the per-op import functions
 * (frontend/onnx/import_<family>.c).
 *
 * The reader decodes the protobuf into the plain structs below (no protobuf types leak out),
 * then walks the graph's nodes in order and calls the import function registered for each
 * node's (domain, op_type). An import function adds IR nodes that compute the ONNX node's
 * outputs and binds every output name to an IR value. It may lower one ONNX op into several IR
 * ops (Gemm -> Linear + Mul, Flatten -> Reshape, a masked Attention -> MatMul/Softmax/...), may
 * bind an output directly to an input (Identity, Dropout), and may produce a constant (Shape of
 * a static tensor, ConstantOfShape, Range of constants).
 *
 * Constant propagation happens while importing: onnx_node_end evaluates a node whose inputs are
 * all constants with the reference interpreter and turns its outputs into constants, so shape
 * subgraphs (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) fold away once the user binds the
 * symbolic dims (--bind). An import function that needs an input's value at compile time (the
 * shape of Reshape, the axes of opset-13 Squeeze, the pads of Pad, ...) asks for it with
 * onnx_input_const / onnx_input_ints; when it is not constant that call reports which value
 * could not be resolved and which symbols it depends on. */
#ifndef KILN_ONNX_IMPORT_H
#define KILN_ONNX_IMPORT_H

#include "../../ir/interp.h"
#include "../../ir/ir.h"

/* AttributeProto.AttributeType numbers. */
typedef enum OnnxAttrType {
    ONNX_ATTR_UNDEFINED = 0,
    ONNX_ATTR_FLOAT = 1,
    ONNX_ATTR_INT = 2,
    ONNX_ATTR_STRING = 3,
    ONNX_ATTR_TENSOR = 4,
    ONNX_ATTR_GRAPH = 5,
    ONNX_ATTR_FLOATS = 6,
    ONNX_ATTR_INTS = 7,
    ONNX_ATTR_STRINGS = 8,
} OnnxAttrType;

/* A decoded TensorProto: dense, row-major, packed, little-endian, aligned to its element size;
 * data lives as long as the graph being built. */
typedef struct OnnxTensor {
    IrDtype dtype;
    int rank;
    int64_t dims[IR_MAX_RANK];
    const void *data;
    size_t nbytes;
} OnnxTensor;

typedef struct OnnxAttr {
    const char *name;
    OnnxAttrType type;
    int64_t i;     /* INT */
    double f;      /* FLOAT */
    const char *s; /* STRING (NUL-terminated copy; s_len bytes before the NUL) */
    size_t s_len;
    const int64_t *ints;        /* INTS: count values */
    const double *floats;       /* FLOATS: count values (widened from float) */
    const char *const *strings; /* STRINGS: count values */
    int count;
    const OnnxTensor *t; /* TENSOR */
} OnnxAttr;

typedef struct OnnxNode {
    const char *op_type;
    const char *domain; /* "" for the default domain (ai.onnx) */
    const char *name;   /* never empty: the reader names unnamed nodes "<op_type>_<index>" */
    int n_inputs;
    const char *const *inputs; /* "" marks an omitted optional input */
    int n_outputs;
    const char *const *outputs; /* "" marks an unused optional output */
    int n_attrs;
    const OnnxAttr *attrs;
} OnnxNode;

typedef struct OnnxImporter OnnxImporter; /* the reader's state; opaque to import functions */

/* Imports one node. Returns false after recording a message (onnx_error). */
typedef bool (*OnnxImportFn)(OnnxImporter *im, const OnnxNode *node);

/* One registry entry. Tables end with an entry whose op_type is NULL. */
typedef struct OnnxOpImport {
    const char *domain;  /* "" for ai.onnx, "com.microsoft" for onnxruntime contrib ops */
    const char *op_type; /* e.g. "Conv" */
    OnnxImportFn import;
} OnnxOpImport;

/* The families' tables (frontend/onnx/import_<family>.c); the reader searches them in order. */
extern const OnnxOpImport onnx_import_core[];  /* ops that map onto the core IR op set */
extern const OnnxOpImport onnx_import_math[];  /* ir/ops_math.h */
extern const OnnxOpImport onnx_import_cnn[];   /* ir/ops_cnn.h */
extern const OnnxOpImport onnx_import_quant[]; /* ir/ops_quant.h */
extern const OnnxOpImport onnx_import_index[]; /* ir/ops_index.h */
extern const OnnxOpImport onnx_import_attn[];  /* Attention (import_attn.c) */

/* RotaryEmbedding (opset 23), lowered to core IR ops; registered in onnx_import_core. */
bool onnx_import_rotary_embedding(OnnxImporter *im, const OnnxNode *n);

/* ---- what import functions may call (implemented by the reader) ----------------------------- */

IrGraph *onnx_graph(OnnxImporter *im);
/* The opset version imported for a domain ("" = ai.onnx); 0 if the model does not import it. */
int64_t onnx_opset(const OnnxImporter *im, const char *domain);

/* Records "FILE: node 'NAME' (OP_TYPE): message" and returns false. */
bool onnx_error(OnnxImporter *im, const OnnxNode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Notes that Dropout node n has training_mode = true and is imported as identity anyway; the
 * reader names all such nodes in one warning at the end of the import. */
void onnx_note_training_dropout(OnnxImporter *im, const OnnxNode *n);

/* The IR value of input i: -1 when i >= n_inputs or the input is omitted (""). An input name
 * that nothing defined is reported by the reader before the import function runs. */
int onnx_input(OnnxImporter *im, const OnnxNode *n, int i);
/* The type of input i (rank -1 when omitted). */
IrType onnx_input_type(OnnxImporter *im, const OnnxNode *n, int i);

/* Input i's data when it is a compile-time constant (initializer, Constant node, or folded):
 * fills *t with a view (data owned by the graph) and returns true. Returns false and records an
 * error naming the input, the node and any unbound symbols it depends on, when it is not; `why`
 * says what the value is needed for ("the target shape"). */
bool onnx_input_const(OnnxImporter *im, const OnnxNode *n, int i, const char *why, IrTensor *t);
/* Like onnx_input_const for an integer tensor (i32 or i64) of at most cap elements, copied into
 * vals as int64. */
bool onnx_input_ints(OnnxImporter *im, const OnnxNode *n, int i, const char *why, int64_t *vals,
                     int cap, int *count);
/* True when input i is present and constant (no error recorded either way). */
bool onnx_input_is_const(OnnxImporter *im, const OnnxNode *n, int i);

/* Attributes: NULL / the default when absent. A present attribute of the wrong type is
 * reported through onnx_error by the typed getters, which then return false. */
const OnnxAttr *onnx_attr(const OnnxNode *n, const char *name);
bool onnx_attr_int(OnnxImporter *im, const OnnxNode *n, const char *name, int64_t def,
                   int64_t *out);
bool onnx_attr_float(OnnxImporter *im, const OnnxNode *n, const char *name, double def,
                     double *out);
bool onnx_attr_string(OnnxImporter *im, const OnnxNode *n, const char *name, const char *def,
                      const char **out);
/* INTS: *out points to the values, *count their number; absent gives count 0 and *present false
 * (present may be NULL). */
bool onnx_attr_ints(OnnxImporter *im, const OnnxNode *n, const char *name, const int64_t **out,
                    int *count, bool *present);
bool onnx_attr_floats(OnnxImporter *im, const OnnxNode *n, const char *name, const double **out,
                      int *count, bool *present);

/* Maps ONNX TensorProto.DataType numbers to IR dtypes; false for types kiln lacks. */
bool onnx_dtype_to_ir(int64_t onnx_type, IrDtype *out);

/* Building IR. A node is created by onnx_node_begin (outputs get placeholder types), receives
 * attributes with ir_attr_set_*(onnx_graph(im), node, ...), and is finished by onnx_node_end,
 * which infers its output types, folds it into constants when all its inputs are constant, and
 * writes the final value ids of its outputs to out_values. out_names[k] names output k: pass
 * node->outputs[k] for the node that computes ONNX output k (the name then also binds the ONNX
 * name), or NULL for an intermediate value (a fresh name derived from the ONNX node's name).
 * The IR node's loc names the ONNX node, so messages and generated comments point at it. */
int onnx_node_begin(OnnxImporter *im, const OnnxNode *src, IrOp op, const int *inputs, int n_in,
                    const char *const *out_names, int n_out);
bool onnx_node_end(OnnxImporter *im, const OnnxNode *src, int node, int *out_values);

/* Binds ONNX output k of src to an existing IR value (Identity, Dropout, or a value computed by
 * an earlier emitted node). */
void onnx_bind_output(OnnxImporter *im, const OnnxNode *src, int k, int value);

/* A new constant value (data copied into the graph). name may be NULL for a fresh name derived
 * from src's name; dims has rank entries. Returns the value id. */
int onnx_const(OnnxImporter *im, const OnnxNode *src, const char *name, IrDtype dtype, int rank,
               const int64_t *dims, const void *data);

#endif
