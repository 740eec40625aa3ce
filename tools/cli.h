/* The `kiln` command line: one entry point per subcommand plus the helpers they share. Every
 * entry point takes the arguments after the subcommand name and returns the process exit status
 * (0 success, 1 any error); none of them exits or aborts on user input. Messages go to stderr. */
#ifndef KILN_CLI_H
#define KILN_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ir/diag.h"
#include "ir/interp.h"
#include "kiln/kiln_model.h"
#include "passes/pass.h"

#define CLI_VERSION "0.1.0"

/* Name of the marker file kiln writes into every output folder it creates; only a folder that
 * holds it may be replaced by a later `kiln compile`. */
#define CLI_MARKER_FILE ".kiln-output"

int cli_compile_main(int argc, char **argv);
int cli_run_main(int argc, char **argv);
int cli_dump_main(int argc, char **argv);
int cli_generate_main(int argc, char **argv);
int cli_bench_main(int argc, char **argv);
int cli_perplexity_main(int argc, char **argv);
int cli_preprocess_main(int argc, char **argv);
int cli_serve_main(int argc, char **argv);

/* ---- kernel tables (cli_isa.c) ----------------------------------------------------------------
 */

/* One line naming the kernel table (runtime/krt_isa.h) a compiled model's context made now runs
 * and why, e.g. "avx512 (the best this CPU runs: portable avx2 avx512)", or "none: ..." when
 * KILN_ISA is unusable (create then fails with KILN_ERR_ISA). */
void cli_isa_describe(char *buf, size_t n);

/* Records "cannot create the model: STATUS" at where (the weights file or the library), with the
 * kernel-table line when status is KILN_ERR_ISA. */
void cli_create_error(Diag *d, const char *where, const KilnModel *m, int status);

/* ---- limit probes of `kiln bench` (cli_probe.c) -----------------------------------------------
 */

typedef struct CliProbeResult {
    double median;   /* bytes/s or FLOP/s: the median pass */
    const char *isa; /* the vectors used (krt_isa_name) */
    double bytes;    /* bandwidth: bytes read per pass */
} CliProbeResult;

/* Memory-read bandwidth on `threads` threads (each reading its share of a buffer of mib MiB
 * with the widest vector loads this CPU has), the median of `passes` passes. */
bool cli_probe_bandwidth(int threads, int64_t mib, int passes, CliProbeResult *out, Diag *d);

/* f32 FMA throughput on `threads` threads (16 independent chains each, widest vectors), the
 * median of `passes` passes, in FLOP/s (an FMA is two). */
bool cli_probe_fma(int threads, int passes, CliProbeResult *out, Diag *d);

/* The median of v[0, n), n >= 1 (v is sorted in place). */
double cli_median(double *v, int n);

/* ---- option parsing (cli_args.c) ----------------------------------------------------------- */

/* If argv[*i] is `flag VALUE` or `flag=VALUE`, sets *value, advances *i past the value and returns
 * true. A flag given without its value records an error in d (and still returns true, with
 * *value NULL), so the caller stops. */
bool cli_flag_value(int argc, char **argv, int *i, const char *flag, const char **value, Diag *d);

/* Prints the messages in d to stderr prefixed by "kiln CMD: " plus a hint to `kiln CMD --help`,
 * and returns 1. For bad command lines. */
int cli_usage_error(const char *cmd, Diag *d);

/* A command's positional argument, its one model: an unknown option or a second model is an
 * error. */
void cli_model_argument(const char *arg, const char **model, Diag *d);

/* A subcommand of the common shape: parse its arguments into its options (false: a usage
 * error; *help set: print help), then run, printing the diagnostics, warnings included, after
 * standard output is flushed. */
typedef struct CliCommand {
    const char *name; /* "generate" */
    const char *help; /* the --help text */
    bool (*parse)(int argc, char **argv, void *opts, Diag *d, bool *help);
    bool (*run)(const void *opts, Diag *d);
} CliCommand;
/* The exit status of running c with opts (the command's options struct). */
int cli_command_main(const CliCommand *c, int argc, char **argv, void *opts);

/* Symbol bindings gathered from any number of `--bind k=v,k=v` options. */
typedef struct CliBindings {
    IrBinding *items; /* names are malloc-owned */
    int count, cap;
} CliBindings;

/* Parses "k=v,k=v" into b. Names must be identifiers, values non-negative decimal integers that
 * fit int64; a name bound twice to different values is an error. */
bool cli_bindings_parse(CliBindings *b, const char *spec, Diag *d);
/* Adds one binding; an existing one with another value is an error. */
bool cli_bindings_add(CliBindings *b, const char *name, int64_t value, Diag *d);
void cli_bindings_free(CliBindings *b);

/* Parses a decimal integer >= 1 for option `flag` into *out; false with a message otherwise. */
bool cli_positive_int(const char *s, const char *flag, int64_t *out, Diag *d);

/* True when s is a C identifier ([A-Za-z_][A-Za-z0-9_]*). */
bool cli_is_identifier(const char *s);

/* ---- files and folders (cli_fs.c) ---------------------------------------------------------- */

/* Whether path names a folder (following symbolic links). */
bool cli_is_dir(const char *path);

/* Removes path and, if it is a folder, everything below it, never following symbolic links.
 * Returns false if anything could not be removed. */
bool cli_remove_tree(const char *path);

/* An output folder being built: generated into a fresh temporary folder next to the final one
 * and renamed into place only when everything succeeded. */
typedef struct CliOutDir {
    char *final_path; /* where it ends up */
    char *tmp_path;   /* the temporary folder being filled */
} CliOutDir;

/* Checks that final_path is free or a kiln output folder (holding CLI_MARKER_FILE), removes the
 * stale temporary folders of kiln processes on this host that are gone (killed with -9), then
 * creates the temporary folder "<final_path>.tmp-XXXXXX" with the marker inside (naming this
 * process and host, and tracked by cli_interrupt). */
bool cli_outdir_begin(CliOutDir *o, const char *final_path, Diag *d);
/* Replaces final_path by the temporary folder (removing an old kiln output there). */
bool cli_outdir_commit(CliOutDir *o, Diag *d);
/* Removes the temporary folder; safe after commit (then it does nothing). Frees o's strings. */
void cli_outdir_abort(CliOutDir *o);

/* ---- interrupts (cli_interrupt.c) --------------------------------------------------------- */

/* Makes SIGINT, SIGTERM and SIGHUP (those not ignored when kiln started) stop the programs kiln
 * started, remove the tracked temporary folder and exit with status 128 + the signal. Call once
 * before writing output; false if the watcher thread cannot start. */
bool cli_interrupt_install(void);
/* The temporary folder an interrupt must remove (NULL: none); call with the lock held. */
void cli_interrupt_track(const char *tmp_dir);
/* Held while a temporary folder is created, renamed into place or removed. */
void cli_interrupt_lock(void);
void cli_interrupt_unlock(void);

/* ---- leftovers of killed runs (cli_stale.c) ------------------------------------------------ */

/* The marker file's text (at most cap bytes; returns its length): what it is, and the pid and
 * host of the kiln that writes the folder, which cli_remove_stale_outputs reads. */
int cli_marker_text(char *buf, size_t cap);
/* Removes "<final_path>.tmp-XXXXXX" folders (and their ".old"/".dead" companions) whose marker
 * names a kiln process of this host that no longer exists, saying so on stderr. */
void cli_remove_stale_outputs(const char *final_path);

/* Writes a whole file (created 0644 less umask). */
bool cli_write_file(const char *path, const void *data, size_t len, Diag *d);

/* "dir/name" in a malloc'd string. */
char *cli_path_join(const char *dir, const char *name);

/* ---- building (cli_build.c) ---------------------------------------------------------------- */

typedef struct CliBuildOptions {
    const IrBinding *bindings;
    int n_bindings;
    const char *target; /* backend name (codegen/backend.h); NULL: the default, "c" */
    const char *prefix; /* NULL: cg_default_prefix */
    bool embed_weights;
    bool emit_so;                /* also build lib<prefix>.so with the backend's build step */
    bool quick;                  /* build fast, not optimized (CgBuildOptions.quick) */
    const char *runtime_library; /* a prebuilt runtime to link (CgBuildOptions) or NULL */
    /* Comma-separated pass pipeline (passes/pipeline.c); NULL: the -O2 pipeline, as kiln
     * compile's default. */
    const char *pipeline;
} CliBuildOptions;

/* Runs opt->pipeline on g (verifying after each pass), checks that the target backend supports
 * every node, emits into the existing folder dir and, with emit_so, builds dir/lib<prefix>.so
 * with the backend's build step. The prefix used is written into prefix_out (cap bytes). */
bool cli_build_model(IrGraph *g, const char *dir, const CliBuildOptions *opt, char *prefix_out,
                     size_t prefix_cap, Diag *d);

/* Prints the registered backends, one "NAME  DESCRIPTION" line each, to f (--target list). */
void cli_print_targets(FILE *f);

/* ---- tensors (cli_tensor.c) ---------------------------------------------------------------- */

/* Fills t (already allocated) from the generator state *rng (splitmix64): floats uniform in
 * [-1, 1), integers 0 or 1, bool 0 or 1. */
void cli_fill_random(IrTensor *t, uint64_t *rng);

/* Prints "NAME: f32[2, 10] min -0.8123 max 1.0277 mean 0.0412" (the name escaped) to f. */
void cli_print_summary(FILE *f, const char *name, const IrTensor *t);

/* The file name an output called `name` is written to: bytes [A-Za-z0-9_.-] are kept, except
 * a leading '.'; every other byte becomes %XX (hex); the empty name becomes "%00"; ".npy" is
 * appended. Distinct names give distinct files. Returns a malloc'd string, or NULL with an error
 * when the result would exceed 200 bytes. */
char *cli_output_file_name(const char *name, Diag *d);

/* ---- inputs and outputs of `kiln run` (cli_inputs.c) ------------------------------------ */

/* What one model input must look like: dims[i] == -1 means "any size" (an unbound symbol). */
typedef struct CliTensorSpec {
    const char *name;
    IrDtype dtype;
    int rank;
    int64_t dims[IR_MAX_RANK];
} CliTensorSpec;

/* Options of `kiln run` shared by the model and library paths. */
typedef struct CliRunOptions {
    const char *output_dir; /* NULL: print summaries only */
    bool random;            /* --random-inputs given */
    uint64_t seed;
    bool jit; /* --jit: model files compile with the llvm backend into ORC LLJIT (no library) */
} CliRunOptions;

/* Splits a --input argument "NAME=FILE" against the known input names: the longest name
 * followed by '=' that prefixes arg wins (so names may contain '='). Returns the index and sets
 * *path, or returns -1 with an error. */
int cli_match_input(const char *arg, const char *const *names, int n, const char **path, Diag *d);

/* Reads the --input arguments raw[0..n_raw-1] into tensors[] (n entries, one per input name, in
 * that order; zeroed on entry) and sets given[i] to the .npy path it came from (NULL: not
 * given), so later checks can name the file. An unknown or repeated name is an error. */
bool cli_read_inputs(const char *const *names, int n, char **raw, int n_raw, IrTensor *tensors,
                     const char **given, Diag *d);

/* Checks each given tensor against its spec (dtype, rank, and every dim that is not -1; a
 * mismatch names the .npy file given[i] and, as "(model: WHERE)", the model), then
 * creates the missing ones: with opt->random filled by cli_fill_random from one generator
 * seeded with opt->seed, in input order (needs every dim known); otherwise an error. where
 * labels messages (the model or library path). */
bool cli_complete_inputs(const char *where, const CliTensorSpec *specs, int n, IrTensor *tensors,
                         const char *const *given, const CliRunOptions *opt, Diag *d);

/* Writes every output as DIR/<cli_output_file_name>.npy when output_dir is set (creating the
 * folder if missing) and prints one summary per output to stdout. */
bool cli_report_outputs(const char *const *names, const IrTensor *outs, int n,
                        const char *output_dir, Diag *d);

/* ---- compiled libraries (cli_lib.c) -------------------------------------------------------- */

/* A compiled model loaded with dlopen (or, from an llvm object, into the JIT), its descriptor
 * checked. */
typedef struct CliLib {
    void *handle;
    struct CgJit *jit; /* codegen/jit.h, for cli_lib_open_jit */
    const KilnModel *model;
    char *path;
    CliTensorSpec *inputs; /* model->n_inputs specs, names borrowed from the library */
    const char **input_names;
} CliLib;

/* dlopens path, finds `kiln_model`, checks the ABI version and that the descriptor is sane
 * (dtypes known, ranks <= IR_MAX_RANK, byte counts equal to the shapes). */
bool cli_lib_open(CliLib *lib, const char *path, Diag *d);
/* Records "WHERE: cannot create the model: STATUS" for a failed create(); for KILN_ERR_DEVICE
 * with the library's own account of why (lib<prefix>.so's <prefix>_device_error, when it has
 * one: a CUDA library). */
void cli_lib_create_error(const CliLib *lib, int status, const char *where, Diag *d);
/* The same for an object file of the llvm backend, loaded into ORC LLJIT (codegen/jit.h); the
 * weights file is looked up beside it. */
bool cli_lib_open_jit(CliLib *lib, const char *object_path, Diag *d);
/* Creates a context (weights from the file next to the library unless embedded), runs it once
 * on inputs (which must match the descriptor exactly), reports the outputs like
 * cli_report_outputs, and prints the run time. */
bool cli_lib_run(CliLib *lib, const IrTensor *inputs, const char *output_dir, Diag *d);
void cli_lib_close(CliLib *lib);

/* ---- decoder LLMs (cli_generate.c) --------------------------------------------------------- */

/* A compiled decoder LLM with a live context: a library given as LIB.so, or a Hugging Face
 * folder compiled into a temporary folder first (as `kiln run` does for model files). */
typedef struct CliDecoder {
    CliLib lib;
    const KilnDecoder *dec; /* lib.model->decoder, checked */
    void *ctx;              /* from lib.model->create, KV cache empty */
    char *tmp_dir;          /* the temporary build folder (removed by close); NULL for LIB.so */
    double compile_ms;      /* time spent compiling a folder (0 for LIB.so) */
} CliDecoder;

/* Opens target (a folder holding config.json, or a .so compiled by kiln with a decoder
 * descriptor) and creates a context. max_context / max_prefill (0: the frontend's defaults)
 * apply to folders only. */
bool cli_decoder_open(CliDecoder *cd, const char *target, int64_t max_context, int64_t max_prefill,
                      Diag *d);
/* The same, compiling a folder with backend (codegen/backend.h; NULL: the default), or with jit
 * for the llvm backend's object in ORC LLJIT (no library; target must be a folder). */
bool cli_decoder_open_with(CliDecoder *cd, const char *target, const char *backend, bool jit,
                           int64_t max_context, int64_t max_prefill, Diag *d);
/* Destroys the context, closes the library and removes the temporary folder. Safe on a
 * zeroed or failed CliDecoder. */
void cli_decoder_close(CliDecoder *cd);

/* Monotonic clock in milliseconds. */
double cli_generate_now_ms(void);

/* ---- decoder LLMs in `kiln run` (cli_decoder_run.c) ----------------------------------------- */

/* True when g is a decoder LLM graph: it holds KvAttention nodes (docs/llm.md). */
bool cli_graph_is_decoder(const IrGraph *g);

/* `kiln run` of a library whose descriptor has a decoder: takes input_ids (--input, i64[n] or
 * i32[n], 1 <= n <= max_prefill, ids in [0, vocab)) or, with --random-inputs, min(16,
 * max_prefill) seeded uniform ids; runs reset + one prefill, reports 'logits' f32[n, vocab]
 * like cli_report_outputs, and prints the run time. */
bool cli_run_decoder_lib(const char *lib_path, char **raw, int n_raw, const CliRunOptions *opt,
                         Diag *d);

/* The same for a decoder graph loaded from model (a Hugging Face folder or a model file):
 * compiled into a temporary folder and run, or, with interp, run by interp_run_decoder. g must
 * have the decoder layout of docs/llm.md (checked); it is bound and planned when compiled. */
bool cli_run_decoder_graph(const char *model, IrGraph *g, char **raw, int n_raw, bool interp,
                           const CliRunOptions *opt, Diag *d);

#endif
