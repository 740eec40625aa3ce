/* `kiln compile`: model file -> folder of generated C (and optionally lib<prefix>.so). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "codegen/backend.h"
#include "frontend/frontend.h"

static const char cli_compile_help[] =
    "usage: kiln compile MODEL [options]\n"
    "\n"
    "Compiles MODEL (.json model description or .kir text IR) to C source.\n"
    "\n"
    "options:\n"
    "  -o DIR              output folder (default: <prefix>-kiln in the current folder). It is\n"
    "                      written all at once; an existing DIR is replaced only if kiln made it\n"
    "                      (it holds a .kiln-output file)\n"
    "  --emit c|so         c: sources only (default); so: also build DIR/lib<prefix>.so with\n"
    "                      $CC (default cc)\n"
    "  --bind k=v,...      give symbolic dimensions their sizes (repeatable)\n"
    "  --embed-weights     compile the weights into the C code instead of <prefix>.weights\n"
    "  --max-context N     decoder LLMs: KV cache capacity in tokens (default 2048)\n"
    "  --max-prefill N     decoder LLMs: most tokens one prefill call takes\n"
    "  --prefix NAME       C identifier prefix of the generated API (default: from the model\n"
    "                      name)\n"
    "  -h, --help          show this help\n";

int cli_compile_main(int argc, char **argv) {
    Diag d;
    diag_init(&d);
    const char *model = NULL, *out = NULL, *emit = "c", *prefix = NULL;
    bool embed = false;
    CliBindings binds = {0};
    FeOptions fopt = {0};
    int status = 1;
    for (int i = 0; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(cli_compile_help, stdout);
            status = 0;
            goto done;
        } else if (cli_flag_value(argc, argv, &i, "-o", &v, &d) ||
                   cli_flag_value(argc, argv, &i, "--output", &v, &d)) {
            out = v;
        } else if (cli_flag_value(argc, argv, &i, "--emit", &v, &d)) {
            if (v && strcmp(v, "c") != 0 && strcmp(v, "so") != 0)
                diag_error(&d, "--emit must be 'c' or 'so', not '%s'", v);
            emit = v;
        } else if (cli_flag_value(argc, argv, &i, "--bind", &v, &d)) {
            if (v) cli_bindings_parse(&binds, v, &d);
        } else if (cli_flag_value(argc, argv, &i, "--prefix", &v, &d)) {
            if (v && !cli_is_identifier(v))
                diag_error(&d, "--prefix '%s' is not a C identifier", v);
            prefix = v;
        } else if (cli_flag_value(argc, argv, &i, "--max-context", &v, &d)) {
            if (v) cli_positive_int(v, "--max-context", &fopt.max_context, &d);
        } else if (cli_flag_value(argc, argv, &i, "--max-prefill", &v, &d)) {
            if (v) cli_positive_int(v, "--max-prefill", &fopt.max_prefill, &d);
        } else if (strcmp(argv[i], "--embed-weights") == 0) {
            embed = true;
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
    if (!diag_ok(&d)) {
        status = cli_usage_error("compile", &d);
        goto done;
    }

    fopt.bindings = binds.items;
    fopt.n_bindings = binds.count;
    IrGraph *g = fe_load_model(model, &fopt, &d);
    if (!g) goto fail;
    char prefix_buf[128];
    if (prefix) {
        if (strlen(prefix) >= sizeof prefix_buf) {
            diag_error(&d, "--prefix is longer than %zu bytes", sizeof prefix_buf - 1);
            ir_graph_free(g);
            goto fail;
        }
        strcpy(prefix_buf, prefix);
    } else {
        cg_default_prefix(g, prefix_buf, sizeof prefix_buf);
    }
    char default_out[160];
    if (!out) {
        snprintf(default_out, sizeof default_out, "%s-kiln", prefix_buf);
        out = default_out;
    }
    CliOutDir od;
    if (!cli_outdir_begin(&od, out, &d)) {
        ir_graph_free(g);
        goto fail;
    }
    CliBuildOptions bopt = {0};
    bopt.bindings = binds.items;
    bopt.n_bindings = binds.count;
    bopt.prefix = prefix_buf;
    bopt.embed_weights = embed;
    bopt.emit_so = strcmp(emit, "so") == 0;
    char used_prefix[128];
    bool ok = cli_build_model(g, od.tmp_path, &bopt, used_prefix, sizeof used_prefix, &d) &&
              cli_outdir_commit(&od, &d);
    if (ok) {
        printf("compiled %s into %s/ (%s.h, %s.c", model, od.final_path, used_prefix, used_prefix);
        if (bopt.emit_so) printf(", lib%s.so", used_prefix);
        printf(")\n");
    }
    cli_outdir_abort(&od);
    ir_graph_free(g);
    if (!ok) goto fail;
    status = 0;
    goto done;
fail:
    diag_print(&d, stderr);
    status = 1;
done:
    cli_bindings_free(&binds);
    diag_free(&d);
    return status;
}
