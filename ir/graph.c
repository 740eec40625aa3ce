/* Graph construction and destruction: the arena, the value-name index, builders for symbols,
 * values, constants and nodes, attribute access, and type helpers. */
#include "ir.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ---- arena ------------------------------------------------------------------------------- */

/* A chain of blocks; allocation bumps a pointer, freeing happens all at once. */
typedef struct IrArenaBlock {
    struct IrArenaBlock *next;
    size_t used, cap;
    _Alignas(64) unsigned char data[];
} IrArenaBlock;

struct IrArena {
    IrArenaBlock *head;
};

struct IrMapping {
    IrMapping *next;
    void *addr;
    size_t len;
};

/* Open-addressing hash from value name to value index, so building a graph of n values costs
 * O(n), not O(n^2). */
struct IrNameTable {
    int *slots; /* value index + 1; 0 = empty */
    size_t cap; /* power of two */
    size_t used;
};

static void *ir_xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    KILN_ASSERT(p != NULL);
    return p;
}

static void *ir_xrealloc(void *p, size_t bytes) {
    void *q = realloc(p, bytes ? bytes : 1);
    KILN_ASSERT(q != NULL);
    return q;
}

/* Grows *arr (element size elem) so it holds at least need elements. */
static void ir_grow(void **arr, int *cap, int need, size_t elem) {
    if (need <= *cap) return;
    int ncap = *cap ? *cap : 8;
    while (ncap < need) {
        KILN_ASSERT(ncap <= INT32_MAX / 2);
        ncap *= 2;
    }
    *arr = ir_xrealloc(*arr, (size_t)ncap * elem);
    *cap = ncap;
}

void *ir_alloc(IrGraph *g, size_t bytes) {
    size_t aligned = (bytes + 15) & ~(size_t)15;
    KILN_ASSERT(aligned >= bytes);
    IrArenaBlock *b = g->arena->head;
    if (!b || b->cap - b->used < aligned) {
        size_t cap = aligned > (1u << 20) ? aligned : (1u << 20);
        b = malloc(sizeof *b + cap);
        KILN_ASSERT(b != NULL);
        b->next = g->arena->head;
        b->used = 0;
        b->cap = cap;
        g->arena->head = b;
    }
    void *p = b->data + b->used;
    b->used += aligned;
    memset(p, 0, bytes);
    return p;
}

char *ir_strdup(IrGraph *g, const char *s) {
    size_t n = strlen(s);
    char *p = ir_alloc(g, n + 1);
    memcpy(p, s, n + 1);
    return p;
}

void ir_graph_adopt_mapping(IrGraph *g, void *addr, size_t len) {
    IrMapping *m = ir_xcalloc(1, sizeof *m);
    m->addr = addr;
    m->len = len;
    m->next = g->mappings;
    g->mappings = m;
}

/* ---- name table -------------------------------------------------------------------------- */

static uint64_t ir_hash(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void ir_names_insert(const IrGraph *g, IrNameTable *t, int id) {
    size_t mask = t->cap - 1;
    for (size_t i = ir_hash(g->values[id].name) & mask;; i = (i + 1) & mask) {
        if (t->slots[i] == 0) {
            t->slots[i] = id + 1;
            t->used++;
            return;
        }
    }
}

static void ir_names_add(IrGraph *g, int id) {
    IrNameTable *t = g->value_names;
    if ((t->used + 1) * 2 > t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        free(t->slots);
        t->slots = ir_xcalloc(ncap, sizeof *t->slots);
        t->cap = ncap;
        t->used = 0;
        for (int v = 0; v < id; v++) ir_names_insert(g, t, v);
    }
    ir_names_insert(g, t, id);
}

int ir_value_find(const IrGraph *g, const char *name) {
    const IrNameTable *t = g->value_names;
    if (t->cap == 0) return -1;
    size_t mask = t->cap - 1;
    for (size_t i = ir_hash(name) & mask;; i = (i + 1) & mask) {
        int slot = t->slots[i];
        if (slot == 0) return -1;
        if (strcmp(g->values[slot - 1].name, name) == 0) return slot - 1;
    }
}

/* ---- graph ------------------------------------------------------------------------------- */

IrGraph *ir_graph_new(const char *name, const char *source_path, const char *base_dir) {
    IrGraph *g = ir_xcalloc(1, sizeof *g);
    g->arena = ir_xcalloc(1, sizeof *g->arena);
    g->value_names = ir_xcalloc(1, sizeof *g->value_names);
    g->name = ir_strdup(g, name ? name : "model");
    g->source_path = ir_strdup(g, source_path ? source_path : "");
    g->base_dir = ir_strdup(g, base_dir ? base_dir : ".");
    g->meta.bos_token_id = g->meta.eos_token_id = g->meta.pad_token_id = -1;
    return g;
}

void ir_graph_free(IrGraph *g) {
    if (!g) return;
    for (IrArenaBlock *b = g->arena->head; b;) {
        IrArenaBlock *next = b->next;
        free(b);
        b = next;
    }
    for (IrMapping *m = g->mappings; m;) {
        IrMapping *next = m->next;
        munmap(m->addr, m->len);
        free(m);
        m = next;
    }
    free(g->arena);
    free(g->value_names->slots);
    free(g->value_names);
    free(g->values);
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    free(g->symbols);
    free(g->states);
    free(g->entries);
    free(g);
}

int ir_symbol_find(const IrGraph *g, const char *name) {
    for (int i = 0; i < g->n_symbols; i++)
        if (strcmp(g->symbols[i].name, name) == 0) return i;
    return -1;
}

int ir_symbol_get(IrGraph *g, const char *name) {
    int i = ir_symbol_find(g, name);
    if (i >= 0) return i;
    ir_grow((void **)&g->symbols, &g->cap_symbols, g->n_symbols + 1, sizeof *g->symbols);
    g->symbols[g->n_symbols].name = ir_strdup(g, name);
    g->symbols[g->n_symbols].value = -1;
    return g->n_symbols++;
}

int ir_value_add(IrGraph *g, const char *name, const IrType *type) {
    KILN_ASSERT(name != NULL);
    KILN_ASSERT(ir_value_find(g, name) < 0);
    KILN_ASSERT(type->rank >= 0 && type->rank <= IR_MAX_RANK);
    ir_grow((void **)&g->values, &g->cap_values, g->n_values + 1, sizeof *g->values);
    int id = g->n_values++;
    IrValue *v = &g->values[id];
    memset(v, 0, sizeof *v);
    v->name = ir_strdup(g, name);
    v->type = *type;
    v->producer = -1;
    v->arena_offset = -1;
    ir_names_add(g, id);
    return id;
}

const char *ir_value_unique_name(IrGraph *g, const char *base) {
    if (ir_value_find(g, base) < 0) return ir_strdup(g, base);
    size_t cap = strlen(base) + 24;
    char *buf = ir_alloc(g, cap);
    for (long i = 1;; i++) {
        snprintf(buf, cap, "%s.%ld", base, i);
        if (ir_value_find(g, buf) < 0) return buf;
    }
}

int ir_input_add(IrGraph *g, const char *name, const IrType *type) {
    int id = ir_value_add(g, name, type);
    ir_grow((void **)&g->inputs, &g->cap_inputs, g->n_inputs + 1, sizeof *g->inputs);
    g->inputs[g->n_inputs++] = id;
    return id;
}

int ir_input_slot(const IrGraph *g, int v) {
    for (int i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] == v) return i;
    return -1;
}

int ir_output_slot(const IrGraph *g, int v) {
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v) return i;
    return -1;
}

void ir_output_add(IrGraph *g, int value) {
    KILN_ASSERT(value >= 0 && value < g->n_values);
    ir_grow((void **)&g->outputs, &g->cap_outputs, g->n_outputs + 1, sizeof *g->outputs);
    g->outputs[g->n_outputs++] = value;
}

int ir_const_add(IrGraph *g, const char *name, const IrType *type, const void *data, size_t nbytes,
                 bool copy) {
    size_t expect = 0;
    KILN_ASSERT(ir_type_nbytes(type, &expect) && expect == nbytes);
    int id = ir_value_add(g, name, type);
    IrValue *v = ir_value(g, id);
    if (copy) {
        void *p = ir_alloc(g, nbytes);
        if (nbytes) memcpy(p, data, nbytes);
        v->data = p;
    } else {
        KILN_ASSERT(((uintptr_t)data % ir_dtype_size(type->dtype)) == 0);
        v->data = data;
    }
    if (!v->data) v->data = ir_alloc(g, 1); /* a zero-element constant is still a constant */
    v->nbytes = nbytes;
    return id;
}

bool ir_data_bytes(const IrType *t, IrWFormat f, size_t *out) {
    if (!ir_wformat_is_packed(f)) return ir_type_nbytes(t, out);
    if (t->dtype != IR_DTYPE_F32 || t->rank != 2 || !ir_type_is_static(t)) return false;
    return ir_wformat_bytes(f, t->dims[0].size, t->dims[1].size, out);
}

int ir_const_add_packed(IrGraph *g, const char *name, const IrType *type, IrWFormat f,
                        const void *data, size_t nbytes, bool copy) {
    size_t expect = 0;
    KILN_ASSERT(ir_wformat_is_packed(f) && ir_data_bytes(type, f, &expect) && expect == nbytes);
    int id = ir_value_add(g, name, type);
    IrValue *v = ir_value(g, id);
    if (copy) {
        void *p = ir_alloc(g, nbytes ? nbytes : 1);
        if (nbytes) memcpy(p, data, nbytes);
        v->data = p;
    } else {
        v->data = data;
    }
    if (!v->data) v->data = ir_alloc(g, 1);
    v->nbytes = nbytes;
    v->wformat = f;
    return id;
}

int ir_node_add(IrGraph *g, IrOp op, const char *name, const int *inputs, int n_inputs,
                const int *outputs, int n_outputs) {
    KILN_ASSERT((unsigned)op < IR_OP_COUNT && n_inputs >= 0 && n_outputs >= 0);
    ir_grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof *g->nodes);
    int idx = g->n_nodes++;
    IrNode *n = &g->nodes[idx];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->name = ir_strdup(g, name);
    n->inputs = ir_alloc(g, sizeof(int) * (size_t)(n_inputs ? n_inputs : 1));
    n->outputs = ir_alloc(g, sizeof(int) * (size_t)(n_outputs ? n_outputs : 1));
    if (n_inputs) memcpy(n->inputs, inputs, sizeof(int) * (size_t)n_inputs);
    if (n_outputs) memcpy(n->outputs, outputs, sizeof(int) * (size_t)n_outputs);
    n->n_inputs = n_inputs;
    n->n_outputs = n_outputs;
    n->loc.file = g->source_path;
    n->loc.name = n->name;
    for (int i = 0; i < n_outputs; i++) {
        KILN_ASSERT(outputs[i] >= 0 && outputs[i] < g->n_values);
        g->values[outputs[i]].producer = idx;
    }
    return idx;
}

int ir_node_find(const IrGraph *g, const char *name) {
    for (int i = 0; i < g->n_nodes; i++)
        if (strcmp(g->nodes[i].name, name) == 0) return i;
    return -1;
}

/* ---- model facts ------------------------------------------------------------------------- */

int ir_state_add(IrGraph *g, const IrState *st) {
    ir_grow((void **)&g->states, &g->cap_states, g->n_states + 1, sizeof *g->states);
    g->states[g->n_states] = *st;
    return g->n_states++;
}

int ir_state_find(const IrGraph *g, int64_t layer) {
    for (int i = 0; i < g->n_states; i++)
        if (g->states[i].layer == layer) return i;
    return -1;
}

static int *ir_ints_copy(IrGraph *g, const int *v, int n) {
    int *p = ir_alloc(g, sizeof(int) * (size_t)(n ? n : 1));
    if (n) memcpy(p, v, sizeof(int) * (size_t)n);
    return p;
}

int ir_entry_add(IrGraph *g, const char *name, const int *inputs, int n_inputs, const int *outputs,
                 int n_outputs) {
    KILN_ASSERT(name != NULL && n_inputs >= 0 && n_outputs >= 0);
    ir_grow((void **)&g->entries, &g->cap_entries, g->n_entries + 1, sizeof *g->entries);
    IrEntry *e = &g->entries[g->n_entries];
    e->name = ir_strdup(g, name);
    e->inputs = ir_ints_copy(g, inputs, n_inputs);
    e->n_inputs = n_inputs;
    e->outputs = ir_ints_copy(g, outputs, n_outputs);
    e->n_outputs = n_outputs;
    return g->n_entries++;
}

int ir_entry_find(const IrGraph *g, const char *name) {
    for (int i = 0; i < g->n_entries; i++)
        if (strcmp(g->entries[i].name, name) == 0) return i;
    return -1;
}

void ir_entry_nodes(const IrGraph *g, const IrEntry *e, bool *need) {
    bool *live = ir_xcalloc((size_t)g->n_values + 1, sizeof *live);
    for (int i = 0; i < e->n_outputs; i++) live[e->outputs[i]] = true;
    for (int ni = g->n_nodes - 1; ni >= 0; ni--) {
        const IrNode *n = &g->nodes[ni];
        need[ni] = false;
        for (int k = 0; k < n->n_outputs; k++) need[ni] = need[ni] || live[n->outputs[k]];
        if (!need[ni]) continue;
        for (int k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] >= 0) live[n->inputs[k]] = true;
    }
    free(live);
}

bool ir_meta_is_set(const IrMetadata *m) {
    return m->model_type || m->source || m->bos_token_id >= 0 || m->eos_token_id >= 0 ||
           m->pad_token_id >= 0;
}

/* ---- attributes -------------------------------------------------------------------------- */

/* Returns the attribute slot named `name` on node idx, creating it (zeroed) if absent. */
static IrAttr *ir_attr_slot(IrGraph *g, int idx, const char *name, IrAttrKind kind) {
    IrNode *n = ir_node(g, idx);
    IrAttr *a = (IrAttr *)ir_attr_find(n, name);
    if (!a) {
        IrAttr *na = ir_alloc(g, sizeof *na * (size_t)(n->n_attrs + 1));
        if (n->n_attrs) memcpy(na, n->attrs, sizeof *na * (size_t)n->n_attrs);
        n->attrs = na;
        a = &na[n->n_attrs++];
        a->name = ir_strdup(g, name);
    }
    const char *keep = a->name;
    memset(a, 0, sizeof *a);
    a->name = keep;
    a->kind = kind;
    return a;
}

void ir_attr_set_int(IrGraph *g, int node, const char *name, int64_t v) {
    ir_attr_slot(g, node, name, IR_ATTR_INT)->i = v;
}

void ir_attr_set_float(IrGraph *g, int node, const char *name, double v) {
    ir_attr_slot(g, node, name, IR_ATTR_FLOAT)->f = v;
}

void ir_attr_set_ints(IrGraph *g, int node, const char *name, const int64_t *v, int count) {
    int64_t *copy = ir_alloc(g, sizeof *copy * (size_t)(count ? count : 1));
    if (count) memcpy(copy, v, sizeof *copy * (size_t)count);
    IrAttr *a = ir_attr_slot(g, node, name, IR_ATTR_INTS);
    a->ints = copy;
    a->count = count;
}

void ir_attr_set_floats(IrGraph *g, int node, const char *name, const double *v, int count) {
    double *copy = ir_alloc(g, sizeof *copy * (size_t)(count ? count : 1));
    if (count) memcpy(copy, v, sizeof *copy * (size_t)count);
    IrAttr *a = ir_attr_slot(g, node, name, IR_ATTR_FLOATS);
    a->floats = copy;
    a->count = count;
}

void ir_attr_set_string(IrGraph *g, int node, const char *name, const char *v) {
    const char *copy = ir_strdup(g, v);
    ir_attr_slot(g, node, name, IR_ATTR_STRING)->s = copy;
}

const IrAttr *ir_attr_find(const IrNode *n, const char *name) {
    for (int i = 0; i < n->n_attrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0) return &n->attrs[i];
    return NULL;
}

static const IrAttrSpec *ir_attr_spec_checked(const IrNode *n, const char *name, IrAttrKind k) {
    const IrAttrSpec *s = ir_op_attr_spec(n->op, name);
    KILN_ASSERT(s != NULL && s->kind == k);
    return s;
}

int64_t ir_attr_int(const IrNode *n, const char *name) {
    const IrAttrSpec *s = ir_attr_spec_checked(n, name, IR_ATTR_INT);
    const IrAttr *a = ir_attr_find(n, name);
    return a && a->kind == IR_ATTR_INT ? a->i : s->default_i;
}

double ir_attr_float(const IrNode *n, const char *name) {
    const IrAttrSpec *s = ir_attr_spec_checked(n, name, IR_ATTR_FLOAT);
    const IrAttr *a = ir_attr_find(n, name);
    return a && a->kind == IR_ATTR_FLOAT ? a->f : s->default_f;
}

const char *ir_attr_string(const IrNode *n, const char *name) {
    const IrAttrSpec *s = ir_attr_spec_checked(n, name, IR_ATTR_STRING);
    const IrAttr *a = ir_attr_find(n, name);
    return a && a->kind == IR_ATTR_STRING ? a->s : s->default_s;
}

/* ---- types ------------------------------------------------------------------------------- */

bool ir_dim_equal(IrDim a, IrDim b) {
    if (a.sym >= 0 || b.sym >= 0) return a.sym == b.sym;
    return a.size == b.size;
}

bool ir_type_equal(const IrType *a, const IrType *b) {
    if (a->dtype != b->dtype || a->rank != b->rank) return false;
    for (int i = 0; i < a->rank; i++)
        if (!ir_dim_equal(a->dims[i], b->dims[i])) return false;
    return true;
}

bool ir_type_is_static(const IrType *t) {
    for (int i = 0; i < t->rank; i++)
        if (t->dims[i].sym >= 0) return false;
    return true;
}

bool ir_type_numel(const IrType *t, int64_t *out) {
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i].sym >= 0 || t->dims[i].size < 0) return false;
        int64_t d = t->dims[i].size;
        if (d != 0 && n > INT64_MAX / d) return false;
        n *= d;
    }
    *out = n;
    return true;
}

bool ir_type_nbytes(const IrType *t, size_t *out) {
    int64_t n;
    if (!ir_type_numel(t, &n)) return false;
    size_t es = ir_dtype_size(t->dtype);
    if ((uint64_t)n > SIZE_MAX / es) return false;
    *out = (size_t)n * es;
    return true;
}

bool ir_dim_value(const IrGraph *g, IrDim d, int64_t *out) {
    if (d.sym < 0) {
        *out = d.size;
        return true;
    }
    KILN_ASSERT(d.sym < g->n_symbols);
    if (g->symbols[d.sym].value < 0) return false;
    *out = g->symbols[d.sym].value;
    return true;
}

const char *ir_type_str(const IrGraph *g, const IrType *t, char *buf, size_t cap) {
    size_t len = 0;
    len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s[", ir_dtype_name(t->dtype));
    for (int i = 0; i < t->rank; i++) {
        const char *sep = i ? ", " : "";
        if (t->dims[i].sym >= 0)
            len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", sep,
                                    g->symbols[t->dims[i].sym].name);
        else
            len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%" PRId64, sep,
                                    t->dims[i].size);
    }
    snprintf(buf + len, len < cap ? cap - len : 0, "]");
    return buf;
}

void ir_node_error(Diag *d, const IrGraph *g, const IrNode *n, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *file = n->loc.file && *n->loc.file ? n->loc.file : g->source_path;
    diag_at(d, file, n->loc.name ? n->loc.name : n->name, ir_op_info(n->op)->name, "%s", msg);
}
