/* kiln's graph IR: dtypes, shapes, values, nodes, graphs. The one header every stage includes.
 *
 * Ownership: a graph owns an arena; names, attributes and constant data copied into the graph
 * live there and die with ir_graph_free(). Constant data may instead be borrowed from a file the
 * graph mapped (ir_graph_adopt_mapping), which the graph unmaps when it is freed.
 *
 * Identity: values and nodes are referred to by index (int), never by pointer, because the arrays
 * that hold them grow. Value indices are stable for the life of the graph; node order is the
 * execution order and is always a valid topological order. */
#ifndef KILN_IR_H
#define KILN_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "ops.h"
#include "wformat.h"

#define IR_MAX_RANK 8

/* ---- dtypes ------------------------------------------------------------------------------ */

typedef enum IrDtype {
    IR_DTYPE_F32,
    IR_DTYPE_F16,
    IR_DTYPE_BF16,
    IR_DTYPE_F64,
    IR_DTYPE_I8,
    IR_DTYPE_U8,
    IR_DTYPE_I32,
    IR_DTYPE_I64,
    IR_DTYPE_BOOL, /* one byte, 0 or 1 */
    IR_DTYPE_COUNT
} IrDtype;

const char *ir_dtype_name(IrDtype t);             /* "f32", "f16", ..., "bool" */
bool ir_dtype_parse(const char *s, IrDtype *out); /* the inverse of ir_dtype_name */
size_t ir_dtype_size(IrDtype t);                  /* bytes per element */
bool ir_dtype_is_float(IrDtype t);                /* f32, f16, bf16, f64 */

/* Conversions between the 16-bit float formats and float (round to nearest even). */
float ir_f16_to_f32(uint16_t h);
uint16_t ir_f32_to_f16(float f);
float ir_bf16_to_f32(uint16_t h);
uint16_t ir_f32_to_bf16(float f);

/* ---- shapes ------------------------------------------------------------------------------ */

/* One dimension: the constant `size` when sym < 0, else symbol number `sym` of the graph (then
 * size is ignored). */
typedef struct IrDim {
    int64_t size;
    int sym;
} IrDim;

/* The type of a tensor value: element type and shape. rank 0 is a scalar. */
typedef struct IrType {
    IrDtype dtype;
    int rank;
    IrDim dims[IR_MAX_RANK];
} IrType;

static inline IrDim ir_dim_const(int64_t n) {
    IrDim d = {n, -1};
    return d;
}
static inline IrDim ir_dim_sym(int sym) {
    IrDim d = {0, sym};
    return d;
}
static inline bool ir_dim_is_const(IrDim d) {
    return d.sym < 0;
}
bool ir_dim_equal(IrDim a, IrDim b);
bool ir_type_equal(const IrType *a, const IrType *b);
bool ir_type_is_static(const IrType *t); /* every dim constant */

/* Element count of a static type; false when a dim is symbolic or the product overflows
 * int64. Byte size likewise (count x dtype size, overflow checked). */
bool ir_type_numel(const IrType *t, int64_t *out);
bool ir_type_nbytes(const IrType *t, size_t *out);

/* A symbol's size given by the user (--bind name=value). */
typedef struct IrBinding {
    const char *name;
    int64_t value;
} IrBinding;

/* ---- attributes -------------------------------------------------------------------------- */

typedef enum IrAttrKind {
    IR_ATTR_INT,
    IR_ATTR_FLOAT,
    IR_ATTR_INTS,
    IR_ATTR_FLOATS,
    IR_ATTR_STRING,
} IrAttrKind;

const char *ir_attr_kind_name(IrAttrKind k); /* "int", "float", "ints", "floats", "string" */

typedef struct IrAttr {
    const char *name;
    IrAttrKind kind;
    int64_t i;            /* IR_ATTR_INT */
    double f;             /* IR_ATTR_FLOAT */
    const char *s;        /* IR_ATTR_STRING */
    const int64_t *ints;  /* IR_ATTR_INTS: count elements */
    const double *floats; /* IR_ATTR_FLOATS: count elements */
    int count;
} IrAttr;

/* One entry of an op's attribute schema. Lists end with an entry whose name is NULL. */
typedef struct IrAttrSpec {
    const char *name;
    IrAttrKind kind;
    bool required;
    int64_t default_i;     /* for an absent optional INT */
    double default_f;      /* for an absent optional FLOAT */
    const char *default_s; /* for an absent optional STRING */
    /* an absent optional INTS/FLOATS has no default: the op's semantics say what absence means */
} IrAttrSpec;

/* ---- ops --------------------------------------------------------------------------------- */

typedef enum IrOp {
#define IR_X(E, name, fn, min_in, max_in, min_out, max_out, flags) IR_OP_##E,
    IR_OPS(IR_X)
#undef IR_X
        IR_OP_COUNT
} IrOp;

typedef struct IrOpInfo {
    const char *name;
    int min_inputs, max_inputs; /* max -1: variadic */
    int min_outputs, max_outputs;
    const IrAttrSpec *attrs; /* NULL-name terminated */
    unsigned flags;          /* IrOpFlag bits (ops.h): the op's properties */
} IrOpInfo;

const IrOpInfo *ir_op_info(IrOp op);
/* Whether op has every property in flag (IrOpFlag bits, ops.h). */
bool ir_op_has(IrOp op, unsigned flag);
bool ir_op_parse(const char *name, IrOp *out); /* by the model-file spelling, case sensitive */
const IrAttrSpec *ir_op_attr_spec(IrOp op, const char *attr_name); /* NULL if not in schema */

/* ---- values, nodes, graphs --------------------------------------------------------------- */

typedef struct IrValue {
    const char *name; /* unique within the graph; any bytes but NUL */
    IrType type;
    int producer; /* index of the node that writes it; -1 for graph inputs and constants */

    /* Constant data, when the value is a constant (data != NULL): the elements in row-major
     * order, packed, in the dtype's little-endian layout, exactly nbytes long, and aligned to
     * the element size (so it can be read as a typed array; a frontend copies misaligned file
     * data into the arena). */
    const void *data;
    size_t nbytes;
    /* How data is stored (ir/wformat.h). IR_WFMT_DENSE: as above. Any other format: the value
     * is an f32[R, K] constant whose data is R packed rows of that format (nbytes from
     * ir_value_data_bytes); only the weight operand of Linear/FusedLinear (transpose_w=1) and
     * the table of a Gather along axis 0 may read it (the verifier checks). */
    IrWFormat wformat;
    /* Where the constant came from, so the text IR can refer to it instead of inlining it:
     * a safetensors file (path relative to graph->base_dir) and the tensor's name in it. Both
     * NULL for constants whose data is inline (small constants, or data computed by a pass). */
    const char *data_file;
    const char *data_key;

    /* Memory plan (passes/plan_memory): byte offset of the value in the workspace arena, or -1
     * for values that live elsewhere (graph inputs and outputs, constants) or are unplanned. */
    int64_t arena_offset;
} IrValue;

/* Where a node came from, for messages and generated-code comments. */
typedef struct IrLoc {
    const char *file; /* model file, as given by the user */
    const char *name; /* the node's name in that file */
} IrLoc;

typedef struct IrNode {
    IrOp op;
    const char *name; /* unique within the graph, any bytes but NUL */
    int *inputs;      /* n_inputs value indices; -1 marks an omitted optional input */
    int n_inputs;
    int *outputs; /* n_outputs value indices */
    int n_outputs;
    IrAttr *attrs; /* n_attrs, in the order they were set */
    int n_attrs;
    IrLoc loc;
} IrNode;

typedef struct IrSymbol {
    const char *name;
    int64_t value; /* bound size, or -1 while unbound */
} IrSymbol;

/* ---- model facts: metadata, state, entry points ------------------------------------------
 * What a model is beyond its dataflow: facts no node computes (token ids), state that lives
 * between calls (the KV cache), and the functions a compiled model offers (prefill, decode).
 * Frontends state them; passes keep them valid; every backend reads them instead of guessing
 * from value names. */

/* Typed facts about the model. Token ids are -1 when the model has none. */
typedef struct IrMetadata {
    const char *model_type; /* e.g. "llama", "gpt2" (Hugging Face model_type); NULL: unknown */
    const char *source;     /* the format it was imported from: "huggingface", "onnx", ... */
    int64_t bos_token_id, eos_token_id, pad_token_id;
} IrMetadata;

typedef enum IrStateKind {
    IR_STATE_KV_CACHE, /* one attention layer's keys and values */
} IrStateKind;

/* State that persists between calls of the entry points. For IR_STATE_KV_CACHE: the
 * KvAttention nodes whose attribute `layer` equals `layer` read and write it; it holds keys
 * [capacity, kv_heads, head_dim] then values of the same shape, elements of `dtype`. */
typedef struct IrState {
    IrStateKind kind;
    int64_t layer;    /* >= 0, unique among the graph's states */
    IrDtype dtype;    /* element type of the stored keys and values */
    int64_t capacity; /* tokens; equals the nodes' max_context */
    int64_t kv_heads, head_dim;
} IrState;

/* A function of the compiled model. Its inputs are graph inputs and its outputs graph outputs
 * (value indices); its nodes are those its outputs depend on (ir_entry_nodes), which read no
 * graph input outside its inputs. A graph without entries has one implicit entry: every
 * input to every output. Decoders have "prefill" and "decode". */
typedef struct IrEntry {
    const char *name; /* an identifier, unique among the graph's entries */
    int *inputs;      /* n_inputs value indices, in call order */
    int n_inputs;
    int *outputs; /* n_outputs value indices, in call order */
    int n_outputs;
} IrEntry;

typedef struct IrArena IrArena;
typedef struct IrMapping IrMapping;
typedef struct IrNameTable IrNameTable;

typedef struct IrGraph {
    const char *name;        /* the model's name; any bytes but NUL */
    const char *source_path; /* the file it was read from, for messages ("" if built in memory) */
    const char *base_dir;    /* folder that constants' data_file paths are relative to */
    /* The text form states base_dir as `weights_dir "PATH"`, so a .kir written away from the
     * model's folder still finds its weights. kiln dump sets it (with base_dir made absolute);
     * the parser sets it when the text has the line, so the round trip keeps it. */
    bool weights_dir_stated;

    IrValue *values;
    int n_values, cap_values;
    IrNode *nodes; /* in execution order */
    int n_nodes, cap_nodes;
    int *inputs; /* value indices of the graph inputs, in order */
    int n_inputs, cap_inputs;
    int *outputs; /* value indices of the graph outputs, in order */
    int n_outputs, cap_outputs;
    IrSymbol *symbols;
    int n_symbols, cap_symbols;

    int64_t arena_bytes; /* workspace bytes the memory plan needs; 0 before planning */

    IrMetadata meta;
    IrState *states; /* in the order they were added */
    int n_states, cap_states;
    IrEntry *entries; /* in the order they were added */
    int n_entries, cap_entries;

    IrArena *arena;
    IrMapping *mappings;
    IrNameTable *value_names;
} IrGraph;

/* Creation and destruction. Allocation failure inside the IR is treated as fatal (a bug-class
 * condition: there is no sensible recovery half way through building a graph). */
IrGraph *ir_graph_new(const char *name, const char *source_path, const char *base_dir);
void ir_graph_free(IrGraph *g);

/* Arena allocation: zeroed memory that lives as long as the graph. */
void *ir_alloc(IrGraph *g, size_t bytes);
char *ir_strdup(IrGraph *g, const char *s);

/* The graph takes ownership of an mmapped region and munmaps it in ir_graph_free. */
void ir_graph_adopt_mapping(IrGraph *g, void *addr, size_t len);

/* Symbols: returns the index of the symbol named `name`, adding it if new. */
int ir_symbol_get(IrGraph *g, const char *name);
int ir_symbol_find(const IrGraph *g, const char *name); /* -1 if absent */

/* Values. Names must be unique: adding a duplicate name is a bug, so frontends check with
 * ir_value_find first and report the user's error themselves. */
int ir_value_add(IrGraph *g, const char *name, const IrType *type);
int ir_value_find(const IrGraph *g, const char *name); /* -1 if absent */
static inline IrValue *ir_value(const IrGraph *g, int id) {
    KILN_ASSERT(id >= 0 && id < g->n_values);
    return &g->values[id];
}
/* A fresh name "<base>", or "<base>.1", "<base>.2", ... not yet used by any value. */
const char *ir_value_unique_name(IrGraph *g, const char *base);

/* The position of value v in g->inputs / g->outputs, or -1 when it is not one. */
int ir_input_slot(const IrGraph *g, int v);
int ir_output_slot(const IrGraph *g, int v);

/* Adds a graph input / output (an existing value). */
int ir_input_add(IrGraph *g, const char *name, const IrType *type);
void ir_output_add(IrGraph *g, int value);

/* Adds a constant value. With copy, data is copied into the arena; otherwise it is borrowed and
 * must outlive the graph (typically it points into an adopted mapping). nbytes must equal the
 * type's byte size (checked: a mismatch is a bug in the caller). */
int ir_const_add(IrGraph *g, const char *name, const IrType *type, const void *data, size_t nbytes,
                 bool copy);

/* Adds a constant whose data is packed in format f (type f32[R, K]; nbytes from
 * ir_value_data_bytes). With copy the data is copied into the arena, else borrowed. */
int ir_const_add_packed(IrGraph *g, const char *name, const IrType *type, IrWFormat f,
                        const void *data, size_t nbytes, bool copy);
/* The bytes a constant of this type and format holds: the type's size for DENSE, the packed
 * size for the others (then the type must be static f32 of rank 2 and K a multiple of the
 * format's block). False when it has none. */
bool ir_data_bytes(const IrType *t, IrWFormat f, size_t *out);

/* Adds a node at the end of the execution order and records it as the producer of its outputs.
 * Returns the node index. inputs may contain -1 for omitted optional inputs. */
int ir_node_add(IrGraph *g, IrOp op, const char *name, const int *inputs, int n_inputs,
                const int *outputs, int n_outputs);
static inline IrNode *ir_node(const IrGraph *g, int idx) {
    KILN_ASSERT(idx >= 0 && idx < g->n_nodes);
    return &g->nodes[idx];
}
int ir_node_find(const IrGraph *g, const char *name); /* -1 if absent (linear scan) */

/* Model facts. ir_state_add and ir_entry_add copy their arguments (an entry's lists into the
 * arena) and return the new index; the verifier checks what they refer to. */
int ir_state_add(IrGraph *g, const IrState *s);
int ir_state_find(const IrGraph *g, int64_t layer); /* -1 if absent */
int ir_entry_add(IrGraph *g, const char *name, const int *inputs, int n_inputs, const int *outputs,
                 int n_outputs);
int ir_entry_find(const IrGraph *g, const char *name); /* -1 if absent */
/* Marks need[n_nodes] with the nodes that entry e's outputs depend on. */
void ir_entry_nodes(const IrGraph *g, const IrEntry *e, bool *need);
/* Whether the graph carries any metadata other than the defaults of ir_graph_new. */
bool ir_meta_is_set(const IrMetadata *m);

/* The decoder reading of the facts (ir/decoder.c, docs/llm.md): entries "prefill" (token ids
 * i64[P], positions i64[P]) -> logits f32[P, V] and "decode" (i64[1], i64[1]) -> f32[1, V],
 * over KV cache states for layers 0..L-1 of one shape and dtype. */
typedef struct IrDecoder {
    const IrEntry *prefill, *decode;
    int64_t max_prefill, vocab; /* P, V */
    int64_t layers, max_context, kv_heads, head_dim;
    IrDtype kv_dtype;
    /* layers x 2 (keys, values) x kv_heads x head_dim x dtype size, then x max_context; both
     * checked to fit int64 (a cache that does not is an error, never a wrapped size) */
    int64_t kv_bytes_per_token, kv_bytes;
} IrDecoder;
/* Fills dec; false with a message when g has no KV cache state, does not have that shape, or
 * its KV cache size does not fit int64. */
bool ir_decoder_layout(const IrGraph *g, IrDecoder *dec, Diag *d);

/* Setting attributes (replaces an existing one of the same name). */
void ir_attr_set_int(IrGraph *g, int node, const char *name, int64_t v);
void ir_attr_set_float(IrGraph *g, int node, const char *name, double v);
void ir_attr_set_ints(IrGraph *g, int node, const char *name, const int64_t *v, int count);
void ir_attr_set_floats(IrGraph *g, int node, const char *name, const double *v, int count);
void ir_attr_set_string(IrGraph *g, int node, const char *name, const char *v);

/* Reading attributes. ir_attr_find returns NULL when the node does not carry the attribute.
 * The typed getters return the attribute or, when absent, the schema's default; asking for a
 * name that is not in the op's schema, or with the wrong kind, is a bug. */
const IrAttr *ir_attr_find(const IrNode *n, const char *name);
int64_t ir_attr_int(const IrNode *n, const char *name);
double ir_attr_float(const IrNode *n, const char *name);
const char *ir_attr_string(const IrNode *n, const char *name);

/* Symbols' bound values: a dim's size, if it is constant or its symbol is bound. */
bool ir_dim_value(const IrGraph *g, IrDim d, int64_t *out);

/* ONNX Slice on one axis of constant length dim (step != 0 and != INT64_MIN): negative start
 * and end count from the end; then start is clamped to [0, dim] and end to [0, dim] when
 * step > 0, or start to [0, dim-1] and end to [-1, dim-1] when step < 0. Sets *first to the
 * first index read and returns how many elements are taken. Shape inference, the interpreter
 * and every backend use this one definition. */
int64_t ir_slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *first);

/* ---- diagnostics about the graph ----------------------------------------------------------- */

/* Records "FILE: node 'NAME' (OP): message" for node n of g. */
void ir_node_error(Diag *d, const IrGraph *g, const IrNode *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Formats a type such as "f32[batch, 64]" into buf (symbol names from g). */
const char *ir_type_str(const IrGraph *g, const IrType *t, char *buf, size_t cap);

/* ---- shape inference and verification (ir/shape.c, ir/verify.c) ----------------------------- */

/* Computes the output types of node n from the types of its inputs. in[i] is the type of input
 * i; for an omitted optional input in[i].rank is -1. On error records a message and returns
 * false. Never changes the graph. */
bool ir_infer_node(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d);

/* Runs ir_infer_node over every node in order and stores the results as the output values'
 * types. Used by frontends after building a graph, and by passes after rewriting shapes. */
bool ir_infer_shapes(IrGraph *g, Diag *d);

/* Checks every invariant: indices in range, a single producer per value, topological order,
 * arity and attribute schema, graph inputs/outputs, constant sizes, unique names, and that every
 * recorded type equals what inference computes. Returns false with messages on violation. */
bool ir_verify(const IrGraph *g, Diag *d);
/* Whether input `slot` of node n may read a packed constant (ir/wformat.h): the weight of
 * Linear / FusedLinear with transpose_w=1, the table of Gather with axis 0. */
bool ir_packed_reader_ok(const IrNode *n, int slot);
/* The part of ir_verify for model facts (ir/verify_facts.c): token ids >= -1; states well
 * formed, one per layer, matching every KvAttention node of their layer (which must have one);
 * entries named as identifiers, taking graph inputs and returning graph outputs without
 * repeats, every graph output in some entry, and no entry node reading a graph input outside
 * its entry. Assumes the nodes verified. */
bool ir_verify_facts(const IrGraph *g, Diag *d);

#endif
