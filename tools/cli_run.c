/* `kiln run`: runs a compiled library, or a model file (or Hugging Face folder) through the
 * interpreter or a temporary compilation, on inputs from .npy files or seeded random values.
 * Decoder LLMs go to cli_decoder_run.c. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frontend/frontend.h"

static const char cli_run_help[] =
    "usage: kiln run MODEL|MODEL_DIR|LIB.so [options]\n"
    "\n"
    "Runs a compiled library (LIB.so from kiln compile --emit so) or a model file (.json, .kir\n"
    "or .onnx) once, prints one summary line per output and the run time. A model file is "
    "compiled\n"
    "into a temporary folder and run, or run by the reference interpreter with --interp; the\n"
    "sizes of the given inputs bind the model's symbolic dimensions.\n"
    "\n"
    "Decoder LLMs (a Hugging Face MODEL_DIR, or a library compiled from one) take one input,\n"
    "input_ids: i64[n] or i32[n] token ids, 1 <= n <= max_prefill (--random-inputs draws\n"
    "min(16, max_prefill) ids from the vocabulary); the run empties the KV cache, prefills the\n"
    "n tokens and gives logits f32[n, vocab].\n"
    "\n"
    "options:\n"
    "  --input NAME=FILE.npy   value of input NAME (repeatable)\n"
    "  --random-inputs SEED    fill every input not given with seeded uniform values in [-1, 1)\n"
    "                          (integers and bools: 0 or 1)\n"
    "  --bind k=v,...          sizes of symbols no --input fixes (model files only)\n"
    "  --interp                run the model with the reference interpreter (model files only)\n"
    "  --jit                   compile the model file with the llvm backend and run it in-process\n"
    "                          in ORC LLJIT, without linking a library (plain models; decoders:\n"
    "                          kiln generate MODEL_DIR --jit)\n"
    "  --max-context N         decoder MODEL_DIR: KV cache capacity in tokens (default 2048)\n"
    "  --max-prefill N         decoder MODEL_DIR: most input_ids one run takes (default\n"
    "                          min(128, max-context))\n"
    "  --output-dir DIR        also write each output to DIR/NAME.npy (DIR is created if\n"
    "                          missing; bytes of NAME outside [A-Za-z0-9_.-] are written %XX)\n"
    "  -h, --help              show this help\n";

static bool cli_is_library(const char *path) {
    size_t n = strlen(path);
    return (n > 3 && strcmp(path + n - 3, ".so") == 0) || strstr(path, ".so.") != NULL;
}

static bool cli_parse_seed(const char *s, uint64_t *out, Diag *d) {
    uint64_t v = 0;
    if (!*s) goto bad;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') goto bad;
        unsigned digit = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10) goto bad;
        v = v * 10 + digit;
    }
    *out = v;
    return true;
bad:
    diag_error(d, "--random-inputs needs a non-negative integer seed, got '%s'", s);
    return false;
}

static double cli_clock_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static bool cli_run_lib_file(const char *path, char **raw, int n_raw, const CliRunOptions *opt,
                             Diag *d) {
    CliLib lib;
    if (!cli_lib_open(&lib, path, d)) return false;
    if (lib.model->decoder) {
        cli_lib_close(&lib);
        return cli_run_decoder_lib(path, raw, n_raw, opt, d);
    }
    int n = lib.model->n_inputs;
    IrTensor *tensors = calloc((size_t)(n ? n : 1), sizeof *tensors);
    const char **given = calloc((size_t)(n ? n : 1), sizeof *given);
    KILN_ASSERT(tensors && given);
    bool ok = cli_read_inputs(lib.input_names, n, raw, n_raw, tensors, given, d) &&
              cli_complete_inputs(path, lib.inputs, n, tensors, given, opt, d) &&
              cli_lib_run(&lib, tensors, opt->output_dir, d);
    for (int i = 0; i < n; i++) ir_tensor_free(&tensors[i]);
    free(tensors);
    free((void *)given);
    cli_lib_close(&lib);
    return ok;
}

/* Binds every symbol of the graph inputs from the given tensors' sizes into b. */
static bool cli_bind_from_inputs(const char *model, const IrGraph *g, const IrTensor *tensors,
                                 const char *const *given, CliBindings *b, Diag *d) {
    for (int i = 0; i < g->n_inputs; i++) {
        if (!given[i]) continue;
        const IrValue *v = ir_value(g, g->inputs[i]);
        char want[256];
        ir_type_str(g, &v->type, want, sizeof want);
        if (tensors[i].rank != v->type.rank) {
            diag_at(d, given[i], NULL, NULL,
                    "input '%s' must be %s, but the file has rank %d (model: %s)", v->name, want,
                    tensors[i].rank, model);
            return false;
        }
        for (int k = 0; k < v->type.rank; k++) {
            int sym = v->type.dims[k].sym;
            if (sym < 0) continue;
            const char *name = g->symbols[sym].name;
            int64_t size = tensors[i].dims[k];
            for (int j = 0; j < b->count; j++) {
                if (strcmp(b->items[j].name, name) == 0 && b->items[j].value != size) {
                    diag_at(d, given[i], NULL, NULL,
                            "input '%s' (%s) sets symbol '%s' to %lld, but it is already %lld "
                            "(model: %s)",
                            v->name, want, name, (long long)size, (long long)b->items[j].value,
                            model);
                    return false;
                }
            }
            if (!cli_bindings_add(b, name, size, d)) return false;
        }
    }
    return true;
}

static bool cli_run_interp(const char *model, const IrGraph *g, const IrTensor *tensors,
                           const CliRunOptions *opt, Diag *d) {
    int n_out = g->n_outputs;
    IrTensor *outs = calloc((size_t)(n_out ? n_out : 1), sizeof *outs);
    const char **names = calloc((size_t)(n_out ? n_out : 1), sizeof *names);
    KILN_ASSERT(outs && names);
    for (int i = 0; i < n_out; i++) names[i] = ir_value(g, g->outputs[i])->name;
    double t0 = cli_clock_ms();
    bool ok = interp_run(g, tensors, outs, d);
    double ms = cli_clock_ms() - t0;
    if (!ok && diag_ok(d)) diag_at(d, model, NULL, NULL, "the interpreter failed");
    if (ok) ok = cli_report_outputs(names, outs, n_out, opt->output_dir, d);
    if (ok) printf("run time: %.3f ms (interpreter)\n", ms);
    for (int i = 0; i < n_out; i++) ir_tensor_free(&outs[i]);
    free(outs);
    free(names);
    return ok;
}

/* Compiles g into a temporary folder, runs the library built there, removes the folder. */
static bool cli_run_compiled(IrGraph *g, const CliBindings *b, IrTensor *tensors,
                             const CliRunOptions *opt, Diag *d) {
    const char *tmp_root = getenv("TMPDIR");
    char *dir = cli_path_join(tmp_root && *tmp_root ? tmp_root : "/tmp", "kiln-run-XXXXXX");
    if (!mkdtemp(dir)) {
        diag_error(d, "cannot create a temporary folder %s", dir);
        free(dir);
        return false;
    }
    CliBuildOptions bopt = {0};
    bopt.bindings = b->items;
    bopt.n_bindings = b->count;
    /* --jit: the llvm backend's object, loaded into ORC LLJIT instead of a library */
    bopt.emit_so = !opt->jit;
    bopt.target = opt->jit ? "llvm" : NULL;
    char prefix[128];
    bool ok = cli_build_model(g, dir, &bopt, prefix, sizeof prefix, d);
    if (ok) {
        char lib_name[160];
        snprintf(lib_name, sizeof lib_name, opt->jit ? "%s.o" : "lib%s.so", prefix);
        char *lib_path = cli_path_join(dir, lib_name);
        CliLib lib;
        ok = opt->jit ? cli_lib_open_jit(&lib, lib_path, d) : cli_lib_open(&lib, lib_path, d);
        if (ok) {
            int n = lib.model->n_inputs;
            const char **given = calloc((size_t)(n ? n : 1), sizeof *given);
            KILN_ASSERT(given != NULL);
            for (int i = 0; i < n; i++) given[i] = lib_path; /* checked against g already */
            KILN_ASSERT(n == g->n_inputs); /* the library was just compiled from g */
            ok = cli_complete_inputs(lib_path, lib.inputs, n, tensors, given, opt, d);
            if (ok) ok = cli_lib_run(&lib, tensors, opt->output_dir, d);
            free((void *)given);
            cli_lib_close(&lib);
        }
        free(lib_path);
    }
    cli_remove_tree(dir);
    free(dir);
    return ok;
}

/* Limits of a decoder LLM read from a folder (--max-context, --max-prefill; 0: defaults). */
typedef struct CliDecoderLimits {
    int64_t max_context, max_prefill;
} CliDecoderLimits;

static bool cli_run_model_file(const char *model, char **raw, int n_raw, CliBindings *b,
                               bool interp, const CliDecoderLimits *lim, const CliRunOptions *opt,
                               Diag *d) {
    FeOptions fopt = {b->items, b->count, lim->max_context, lim->max_prefill, IR_DTYPE_F32};
    IrGraph *g = fe_load_model(model, &fopt, d);
    if (!g) return false;
    if (cli_graph_is_decoder(g)) {
        if (opt->jit) {
            diag_at(d, model, NULL, NULL,
                    "--jit runs plain models; for a decoder LLM use kiln generate MODEL_DIR --jit");
            ir_graph_free(g);
            return false;
        }
        if (b->count > 0) {
            diag_at(d, model, NULL, NULL,
                    "--bind does not apply to a decoder LLM (it has no "
                    "symbols; use --max-context and --max-prefill)");
            ir_graph_free(g);
            return false;
        }
        bool ok = cli_run_decoder_graph(model, g, raw, n_raw, interp, opt, d);
        ir_graph_free(g);
        return ok;
    }
    if (lim->max_context || lim->max_prefill) {
        diag_at(d, model, NULL, NULL, "--max-context and --max-prefill apply to decoder LLMs only");
        ir_graph_free(g);
        return false;
    }
    int n = g->n_inputs;
    IrTensor *tensors = calloc((size_t)(n ? n : 1), sizeof *tensors);
    const char **given = calloc((size_t)(n ? n : 1), sizeof *given);
    const char **names = calloc((size_t)(n ? n : 1), sizeof *names);
    CliTensorSpec *specs = calloc((size_t)(n ? n : 1), sizeof *specs);
    KILN_ASSERT(tensors && given && names && specs);
    for (int i = 0; i < n; i++) names[i] = ir_value(g, g->inputs[i])->name;
    bool ok = true;
    for (int j = 0; ok && j < b->count; j++) {
        if (ir_symbol_find(g, b->items[j].name) < 0) {
            diag_at(d, model, NULL, NULL, "--bind: the model has no symbol '%s'", b->items[j].name);
            ok = false;
        }
    }
    ok = ok && cli_read_inputs(names, n, raw, n_raw, tensors, given, d) &&
         cli_bind_from_inputs(model, g, tensors, given, b, d);
    for (int i = 0; ok && i < n; i++) {
        const IrValue *v = ir_value(g, g->inputs[i]);
        specs[i].name = v->name;
        specs[i].dtype = v->type.dtype;
        specs[i].rank = v->type.rank;
        for (int k = 0; k < v->type.rank; k++) {
            IrDim dim = v->type.dims[k];
            specs[i].dims[k] = -1;
            if (ir_dim_is_const(dim)) {
                specs[i].dims[k] = dim.size;
                continue;
            }
            for (int j = 0; j < b->count; j++)
                if (strcmp(b->items[j].name, g->symbols[dim.sym].name) == 0)
                    specs[i].dims[k] = b->items[j].value;
        }
    }
    ok = ok && cli_complete_inputs(model, specs, n, tensors, given, opt, d);
    if (ok)
        ok = interp ? cli_run_interp(model, g, tensors, opt, d)
                    : cli_run_compiled(g, b, tensors, opt, d);
    for (int i = 0; i < n; i++) ir_tensor_free(&tensors[i]);
    free(tensors);
    free((void *)given);
    free(names);
    free(specs);
    ir_graph_free(g);
    return ok;
}

int cli_run_main(int argc, char **argv) {
    Diag d;
    diag_init(&d);
    const char *target = NULL;
    bool interp = false;
    CliRunOptions opt = {0};
    CliBindings binds = {0};
    CliDecoderLimits lim = {0, 0};
    char **raw = calloc((size_t)argc + 1, sizeof *raw);
    KILN_ASSERT(raw != NULL);
    int n_raw = 0, status = 1;
    for (int i = 0; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(cli_run_help, stdout);
            status = 0;
            goto done;
        } else if (cli_flag_value(argc, argv, &i, "--input", &v, &d)) {
            if (v) raw[n_raw++] = (char *)v;
        } else if (cli_flag_value(argc, argv, &i, "--output-dir", &v, &d)) {
            opt.output_dir = v;
        } else if (cli_flag_value(argc, argv, &i, "--random-inputs", &v, &d)) {
            if (v && cli_parse_seed(v, &opt.seed, &d)) opt.random = true;
        } else if (cli_flag_value(argc, argv, &i, "--bind", &v, &d)) {
            if (v) cli_bindings_parse(&binds, v, &d);
        } else if (cli_flag_value(argc, argv, &i, "--max-context", &v, &d)) {
            if (v) cli_positive_int(v, "--max-context", &lim.max_context, &d);
        } else if (cli_flag_value(argc, argv, &i, "--max-prefill", &v, &d)) {
            if (v) cli_positive_int(v, "--max-prefill", &lim.max_prefill, &d);
        } else if (strcmp(argv[i], "--interp") == 0) {
            interp = true;
        } else if (strcmp(argv[i], "--jit") == 0) {
            opt.jit = true;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            diag_error(&d, "unknown option '%s'", argv[i]);
        } else if (target) {
            diag_error(&d, "more than one model or library given ('%s' and '%s')", target, argv[i]);
        } else {
            target = argv[i];
        }
        if (!diag_ok(&d)) break;
    }
    if (diag_ok(&d) && !target) diag_error(&d, "no model file or library given");
    if (diag_ok(&d) && opt.jit && (interp || (target && cli_is_library(target))))
        diag_error(&d, "--jit compiles a model file in-process; it does not go with --interp or "
                       "a library");
    if (diag_ok(&d) && target && cli_is_library(target) && (interp || binds.count > 0))
        diag_error(&d, "--interp and --bind apply to model files, not to a compiled library");
    if (diag_ok(&d) && target && cli_is_library(target) && (lim.max_context || lim.max_prefill))
        diag_error(&d, "--max-context and --max-prefill apply to model folders, not to a compiled "
                       "library (give them to kiln compile)");
    if (!diag_ok(&d)) {
        status = cli_usage_error("run", &d);
        goto done;
    }
    bool ok = cli_is_library(target)
                  ? cli_run_lib_file(target, raw, n_raw, &opt, &d)
                  : cli_run_model_file(target, raw, n_raw, &binds, interp, &lim, &opt, &d);
    fflush(stdout);
    diag_print(&d, stderr); /* warnings are printed on success too */
    status = ok ? 0 : 1;
done:
    free(raw);
    cli_bindings_free(&binds);
    diag_free(&d);
    return status;
}
