/* `kiln dump`: the IR of a model as text (.kir) or Graphviz, optionally after binding and
 * planning or after a pass pipeline. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontend/frontend.h"
#include "ir/text.h"

static const char cli_dump_help[] =
    "usage: kiln dump MODEL [options]\n"
    "\n"
    "Prints the IR of MODEL (.json, .kir, .onnx or a Hugging Face folder) as text IR\n"
    "(docs/ir-text.md) or as a Graphviz graph. A text dump whose constants refer to weight\n"
    "files states their folder as an absolute path (weights_dir), so it compiles from\n"
    "wherever it is written.\n"
    "\n"
    "options:\n"
    "  --format text|dot   output format (default: text)\n"
    "  -o FILE             write to FILE instead of standard output (written all at once)\n"
    "  --bind k=v,...      bind symbols first, then plan memory: the dump shows the static\n"
    "                      graph the C backend receives (repeatable)\n"
    "  -O0, -O1, -O2       run that optimization level's pipeline (as kiln compile) first\n"
    "  --passes P,Q,...    run exactly these passes first (for example fold,dce)\n"
    "  --stats             print kiln compile's pass statistics to standard error\n"
    "  --full-constants    write every constant's data; by default an inline constant of more\n"
    "                      than 256 elements (such as weights a fusion concatenated) is shown\n"
    "                      as 'elided COUNT', which is easier to read but does not parse back\n"
    "  -h, --help          show this help\n";

/* Writes g in the chosen format to a temporary file next to path, then renames it into place,
 * so a failure leaves no partial file. */
/* Inline constants above this many elements are elided unless --full-constants is given. */
#define CLI_DUMP_MAX_INLINE 256

/* Writes g as text (all constant data when full) or as Graphviz to f. */
static void cli_dump_write(const IrGraph *g, bool dot, bool full, FILE *f) {
    if (dot)
        ir_print_dot(g, f);
    else if (full)
        ir_print(g, f);
    else
        ir_print_summary(g, f, CLI_DUMP_MAX_INLINE);
}

/* A graph whose constants refer to weight files gets its weights folder stated as an absolute
 * path, so the text compiles from wherever it is written (`kiln dump m.json > /elsewhere/m.kir`).
 * A folder already stated (a .kir read back) is kept as written, so a dump of a dump is
 * byte-identical. */
static bool cli_dump_state_weights_dir(IrGraph *g, Diag *d) {
    if (g->weights_dir_stated) return true;
    bool has_files = false;
    for (int i = 0; i < g->n_values && !has_files; i++)
        has_files = g->values[i].data && g->values[i].data_file;
    if (!has_files) return true;
    char *real = realpath(g->base_dir, NULL);
    if (!real) {
        diag_at(d, g->source_path, NULL, NULL, "cannot resolve the weights folder '%s': %s",
                g->base_dir, strerror(errno));
        return false;
    }
    g->base_dir = ir_strdup(g, real);
    g->weights_dir_stated = true;
    free(real);
    return true;
}

static bool cli_dump_to_file(const IrGraph *g, bool dot, bool full, const char *path, Diag *d) {
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    KILN_ASSERT(tmp != NULL);
    snprintf(tmp, n, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        diag_at(d, path, NULL, NULL, "cannot create: %s", strerror(errno));
        free(tmp);
        return false;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        remove(tmp);
        diag_at(d, path, NULL, NULL, "cannot create: %s", strerror(errno));
        free(tmp);
        return false;
    }
    cli_dump_write(g, dot, full, f);
    bool ok = !ferror(f);
    if (fclose(f) != 0) ok = false;
    if (ok) {
        mode_t mask = umask(0);
        umask(mask);
        ok = chmod(tmp, 0666 & ~mask) == 0 && rename(tmp, path) == 0;
    }
    if (!ok) {
        diag_at(d, path, NULL, NULL, "cannot write: %s", strerror(errno));
        remove(tmp);
    }
    free(tmp);
    return ok;
}

int cli_dump_main(int argc, char **argv) {
    Diag d;
    diag_init(&d);
    const char *model = NULL, *out = NULL, *format = "text";
    CliBindings binds = {0};
    bool have_bind = false, stats_on = false, full = false;
    const char *passes = NULL;
    int level = -1;
    int status = 1;
    for (int i = 0; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(cli_dump_help, stdout);
            status = 0;
            goto done;
        } else if (cli_flag_value(argc, argv, &i, "-o", &v, &d) ||
                   cli_flag_value(argc, argv, &i, "--output", &v, &d)) {
            out = v;
        } else if (cli_flag_value(argc, argv, &i, "--format", &v, &d)) {
            if (v && strcmp(v, "text") != 0 && strcmp(v, "dot") != 0)
                diag_error(&d, "--format must be 'text' or 'dot', not '%s'", v);
            format = v;
        } else if (cli_flag_value(argc, argv, &i, "--bind", &v, &d)) {
            if (v) cli_bindings_parse(&binds, v, &d);
            have_bind = true;
        } else if (strcmp(argv[i], "-O0") == 0 || strcmp(argv[i], "-O1") == 0 ||
                   strcmp(argv[i], "-O2") == 0) {
            level = argv[i][2] - '0';
        } else if (cli_flag_value(argc, argv, &i, "--passes", &v, &d)) {
            passes = v;
        } else if (strcmp(argv[i], "--full-constants") == 0) {
            full = true;
        } else if (strcmp(argv[i], "--stats") == 0) {
            stats_on = true;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            diag_error(&d, "unknown option '%s'", argv[i]);
        } else if (model) {
            diag_error(&d, "more than one model given ('%s' and '%s')", model, argv[i]);
        } else {
            model = argv[i];
        }
        if (!diag_ok(&d)) break;
    }
    if (diag_ok(&d) && !model) diag_error(&d, "no model file given");
    if (diag_ok(&d) && passes && level >= 0) diag_error(&d, "give either --passes or -O, not both");
    if (!diag_ok(&d)) {
        status = cli_usage_error("dump", &d);
        goto done;
    }
    FeOptions fopt = {binds.items, binds.count, 0, 0, IR_DTYPE_F32};
    IrGraph *g = fe_load_model(model, &fopt, &d);
    bool ok = g != NULL;
    const char *pipeline = passes;
    if (level >= 0) pipeline = pass_pipeline_for_level(level, false);
    if (!pipeline && have_bind) pipeline = "bind,plan_memory";
    if (ok && pipeline) {
        PassStats pstats = {0};
        PassOptions popt = {0};
        popt.bindings = binds.items;
        popt.n_bindings = binds.count;
        popt.verify_each = true;
        popt.stats = &pstats;
        int nodes_before = g->n_nodes;
        ok = pass_run_pipeline(g, pipeline, &popt, &d);
        if (ok && stats_on)
            fprintf(stderr,
                    "nodes.imported: %d\nnodes.final: %d\nfused.qkv: %d\nfused.gate_up: %d\n"
                    "fused.ops: %d\nfolded: %d\nremoved: %d\n",
                    nodes_before, g->n_nodes, pstats.fused_qkv, pstats.fused_gate_up,
                    pstats.fused_ops, pstats.folded, pstats.removed);
    }
    bool dot = strcmp(format, "dot") == 0;
    if (ok && !dot) ok = cli_dump_state_weights_dir(g, &d);
    if (ok) {
        if (out) {
            ok = cli_dump_to_file(g, dot, full, out, &d);
        } else {
            cli_dump_write(g, dot, full, stdout);
            ok = fflush(stdout) == 0;
            if (!ok) diag_error(&d, "cannot write to standard output");
        }
    }
    if (g) ir_graph_free(g);
    diag_print(&d, stderr); /* warnings are printed on success too */
    status = ok ? 0 : 1;
done:
    cli_bindings_free(&binds);
    diag_free(&d);
    return status;
}
