/* `kiln compile`: model file -> folder of generated code for one target backend (and
 * optionally lib<prefix>.so built by that backend). */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/backend.h"
#include "frontend/frontend.h"

static const char cli_compile_help[] =
    "usage: kiln compile MODEL [options]\n"
    "\n"
    "Compiles MODEL for a target backend (C source by default): a .json model description,\n"
    ".kir text IR, .onnx model, or a Hugging Face model folder (config.json + safetensors) of a\n"
    "decoder LLM. Every node is checked against the target before anything is written.\n"
    "\n"
    "options:\n"
    "  -o DIR              output folder (default: <prefix>-kiln in the current folder). It is\n"
    "                      written all at once; an existing DIR is replaced only if kiln made it\n"
    "                      (it holds a .kiln-output file)\n"
    "  --target NAME       the backend to compile for (default: c); --target list prints the\n"
    "                      registered backends with their descriptions\n"
    "  --emit c|so|obj|llvm-ir\n"
    "                      c: sources only (default; for --target llvm: obj); so: also build\n"
    "                      DIR/lib<prefix>.so with the target's build step (c: $CC, default cc;\n"
    "                      cuda: $CC too; llvm: ld.lld-14 or ld, no C compiler). llvm only: obj writes\n"
    "                      <prefix>.o (runtime included), llvm-ir writes <prefix>.ll, the model\n"
    "                      before the runtime is linked, with each node's origin as metadata\n"
    "  --triple T          llvm: target triple (default: the host's), e.g. aarch64-linux-gnu\n"
    "  --cpu C             llvm: target CPU (default: the host CPU for the host triple, else\n"
    "                      generic)\n"
    "  --features F        llvm: CPU features, e.g. +avx2,+fma (default: the host CPU's for the\n"
    "                      host triple, else none)\n"
    "  --llvm-opt N        llvm: LLVM's pass pipeline default<ON>, N 0..3 (default: the -O\n"
    "                      level)\n"
    "  --cuda-arch sm_NN   --target cuda: the GPU architecture NVRTC compiles the cubin for\n"
    "                      (default sm_90); PTX for compute_NN is embedded beside it\n"
    "  --bind k=v,...      give symbolic dimensions their sizes (repeatable)\n"
    "  --embed-weights     compile the weights into the library instead of <prefix>.weights\n"
    "                      (c: a C array; llvm: a 64-byte aligned read-only object section)\n"
    "  --max-context N     decoder LLMs: KV cache capacity in tokens (default 2048)\n"
    "  --max-prefill N     decoder LLMs: most tokens one prefill call takes\n"
    "  --prefix NAME       C identifier prefix of the generated API (default: from the model\n"
    "                      name)\n"
    "  -O0, -O1, -O2       optimization level (default -O2): -O0 only binds and plans memory,\n"
    "                      -O1 also folds constants and removes dead and redundant nodes, -O2\n"
    "                      also fuses projections (QKV, gate/up) and elementwise chains\n"
    "  --passes P,Q,...    run exactly these passes instead of a level's pipeline\n"
    "  --print-after PASS  print the text IR after PASS to stderr\n"
    "  --print-after-all   print the text IR after every pass to stderr\n"
    "  --verify-each       verify the IR after every pass\n"
    "  --stats             print key: value statistics of the compilation (weight bytes per\n"
    "                      storage format as weights.bytes.FORMAT)\n"
    "  --weights TYPE      store every Linear weight (lm_head included) as TYPE: f32 f16 bf16\n"
    "                      i8 (per output channel) i4g32 i4g64 i4g128 (int4, one scale per\n"
    "                      group of 32/64/128 inputs), with 'a' appended for asymmetric int4\n"
    "                      (i4g128a: scales and zero points). Default: each weight's stored\n"
    "                      type (a bf16 checkpoint stays bf16); docs/quantization.md\n"
    "  --kv f32|f16|bf16   decoder LLMs: element type of the KV cache (default f32); a 16-bit\n"
    "                      cache halves its memory, keys and values rounded as stored\n"
    "  --weights-override 'PATTERN=TYPE,...'\n"
    "                      per-tensor TYPE for tensors whose name matches the glob PATTERN\n"
    "                      (first match wins), e.g. 'lm_head.weight=i8,*.down_proj.weight=bf16';\n"
    "                      an embedding table is quantized only when a pattern names it\n"
    "  --prune l1:R[,structured]\n"
    "                      zero the fraction R of smallest-|w| projection weights, or with\n"
    "                      structured remove that fraction of output channels\n"
    "  -h, --help          show this help\n";

int cli_compile_main(int argc, char **argv) {
    Diag d;
    diag_init(&d);
    const char *model = NULL, *out = NULL, *emit = "c", *prefix = NULL, *cuda_arch = NULL;
    const CgBackend *backend = cg_backend_for_target(NULL, &d);
    bool embed = false, stats_on = false, prune_on = false;
    int level = 2;
    const char *passes = NULL;
    const char *triple = NULL, *cpu = NULL, *features = NULL;
    int llvm_opt = -1;
    PassOptions popt = {0};
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
        } else if (cli_flag_value(argc, argv, &i, "--target", &v, &d)) {
            if (v && strcmp(v, "list") == 0) {
                cli_print_targets(stdout);
                status = 0;
                goto done;
            }
            if (v) backend = cg_backend_for_target(v, &d);
        } else if (cli_flag_value(argc, argv, &i, "--cuda-arch", &v, &d)) {
            cuda_arch = v;
        } else if (cli_flag_value(argc, argv, &i, "--emit", &v, &d)) {
            if (v && strcmp(v, "c") != 0 && strcmp(v, "so") != 0 && strcmp(v, "obj") != 0 &&
                strcmp(v, "llvm-ir") != 0)
                diag_error(&d, "--emit must be 'c', 'so', 'obj' or 'llvm-ir', not '%s'", v);
            emit = v;
        } else if (cli_flag_value(argc, argv, &i, "--triple", &v, &d)) {
            triple = v;
        } else if (cli_flag_value(argc, argv, &i, "--cpu", &v, &d)) {
            cpu = v;
        } else if (cli_flag_value(argc, argv, &i, "--features", &v, &d)) {
            features = v;
        } else if (cli_flag_value(argc, argv, &i, "--llvm-opt", &v, &d)) {
            if (v && (strlen(v) != 1 || v[0] < '0' || v[0] > '3'))
                diag_error(&d, "--llvm-opt must be 0, 1, 2 or 3, not '%s'", v);
            else if (v)
                llvm_opt = v[0] - '0';
        } else if (cli_flag_value(argc, argv, &i, "--bind", &v, &d)) {
            if (v) cli_bindings_parse(&binds, v, &d);
        } else if (cli_flag_value(argc, argv, &i, "--prefix", &v, &d)) {
            if (v && !cli_is_identifier(v))
                diag_error(&d, "--prefix '%s' is not a C identifier", v);
            else if (v && cg_prefix_reserved(v))
                diag_error(&d,
                           "--prefix '%s' is reserved: the runtime's symbols begin with krt_ and "
                           "kiln_",
                           v);
            prefix = v;
        } else if (cli_flag_value(argc, argv, &i, "--max-context", &v, &d)) {
            if (v) cli_positive_int(v, "--max-context", &fopt.max_context, &d);
        } else if (cli_flag_value(argc, argv, &i, "--max-prefill", &v, &d)) {
            if (v) cli_positive_int(v, "--max-prefill", &fopt.max_prefill, &d);
        } else if (strcmp(argv[i], "-O0") == 0 || strcmp(argv[i], "-O1") == 0 ||
                   strcmp(argv[i], "-O2") == 0) {
            level = argv[i][2] - '0';
        } else if (cli_flag_value(argc, argv, &i, "--passes", &v, &d)) {
            passes = v;
        } else if (cli_flag_value(argc, argv, &i, "--print-after", &v, &d)) {
            popt.print_after = v;
        } else if (strcmp(argv[i], "--print-after-all") == 0) {
            popt.print_after_all = true;
        } else if (strcmp(argv[i], "--verify-each") == 0) {
            popt.verify_each = true;
        } else if (cli_flag_value(argc, argv, &i, "--kv", &v, &d)) {
            if (v && (!ir_dtype_parse(v, &fopt.kv_dtype) ||
                      (fopt.kv_dtype != IR_DTYPE_F32 && fopt.kv_dtype != IR_DTYPE_F16 &&
                       fopt.kv_dtype != IR_DTYPE_BF16)))
                diag_error(&d, "--kv must be f32, f16 or bf16, not '%s'", v);
        } else if (cli_flag_value(argc, argv, &i, "--weights", &v, &d)) {
            popt.weights = v;
        } else if (cli_flag_value(argc, argv, &i, "--weights-override", &v, &d)) {
            popt.weights_override = v;
        } else if (strcmp(argv[i], "--stats") == 0) {
            stats_on = true;
        } else if (cli_flag_value(argc, argv, &i, "--prune", &v, &d)) {
            char *end = NULL;
            if (v && strncmp(v, "l1:", 3) == 0) {
                popt.prune_ratio = strtod(v + 3, &end);
                if (end && strcmp(end, ",structured") == 0)
                    popt.prune_structured = true;
                else if (end && *end)
                    end = NULL;
            }
            if (v && (!end || end == v + 3 || !(popt.prune_ratio >= 0 && popt.prune_ratio < 1)))
                diag_error(&d, "--prune must be l1:R or l1:R,structured with 0 <= R < 1, not '%s'",
                           v);
            prune_on = true;
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
    if (diag_ok(&d) && cuda_arch && backend && strcmp(backend->name, "cuda") != 0)
        diag_error(&d, "--cuda-arch applies to --target cuda only (the target is %s)",
                   backend->name);
    bool is_llvm = diag_ok(&d) && strcmp(backend->name, "llvm") == 0;
    if (diag_ok(&d) && !is_llvm &&
        (triple || cpu || features || llvm_opt >= 0 || strcmp(emit, "obj") == 0 ||
         strcmp(emit, "llvm-ir") == 0))
        diag_error(&d, "--emit obj/llvm-ir, --triple, --cpu, --features and --llvm-opt need "
                       "--target llvm");
    /* a library for another machine links against that machine's libc, which is not here */
    if (diag_ok(&d) && is_llvm && strcmp(emit, "so") == 0 && triple)
        diag_error(&d, "--emit so links for this machine; with --triple use --emit obj and link "
                       "the object on the target");
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
    CliBuildOptions bopt = {0};
    bopt.bindings = binds.items;
    bopt.n_bindings = binds.count;
    bopt.prefix = prefix_buf;
    bopt.embed_weights = embed;
    bopt.emit_so = strcmp(emit, "so") == 0;
    char used_prefix[128];
    PassStats pstats = {0};
    CgStats cstats = {0};
    popt.bindings = binds.items;
    popt.n_bindings = binds.count;
    popt.stats = &pstats;
    if (prune_on) popt.report_to = stderr;
    int nodes_imported = g->n_nodes;
    int64_t weights_before = pass_weight_bytes(g);
    const char *pipeline = passes ? passes : pass_pipeline_for_level(level, prune_on);
    /* Every node is checked against the target before the output folder is created. */
    CliOutDir od = {0};
    /* weight formats first: the passes that follow (QKV fusion) keep them */
    bool quantize = popt.weights || popt.weights_override;
    bool ok = (!quantize || pass_quantize(g, &popt, &d)) &&
              pass_run_pipeline(g, pipeline, &popt, &d) && cg_backend_check(backend, g, &d);
    if (ok && !cli_interrupt_install()) {
        diag_error(&d, "cannot start watching for interrupts: %s", strerror(errno));
        ok = false;
    }
    ok = ok && cli_outdir_begin(&od, out, &d);
    if (ok) {
        strcpy(used_prefix, prefix_buf);
        CgOptions copt = {0};
        copt.out_dir = od.tmp_path;
        copt.prefix = used_prefix;
        copt.embed_weights = embed;
        copt.stats = &cstats;
        copt.cuda_arch = cuda_arch;
        copt.opt_level = llvm_opt >= 0 ? llvm_opt : level;
        copt.emit_ir_only = strcmp(emit, "llvm-ir") == 0;
        copt.triple = triple;
        copt.cpu = cpu;
        copt.features = features;
        CgBuildOptions build = {.prefix = used_prefix};
        ok = cg_emit(backend, g, &copt, &d) &&
             (!bopt.emit_so || backend->build(od.tmp_path, &build, &d)) &&
             cli_outdir_commit(&od, &d);
    }
    if (ok && stats_on) {
        printf("nodes.imported: %d\nnodes.final: %d\nkernels: %d\n", nodes_imported, g->n_nodes,
               cstats.kernels);
        printf("fused.qkv: %d\nfused.gate_up: %d\nfused.ops: %d\n", pstats.fused_qkv,
               pstats.fused_gate_up, pstats.fused_ops);
        printf("weights.bytes.before: %lld\nweights.bytes.after: %lld\n", (long long)weights_before,
               (long long)pass_weight_bytes(g));
        printf("arena.bytes: %lld\narena.naive.bytes: %lld\n", (long long)g->arena_bytes,
               (long long)pstats.arena_naive);
        /* weight bytes per storage format; "dense" is every constant in its dtype's layout */
        int64_t by[IR_WFMT_COUNT];
        pass_weight_bytes_by_format(g, by);
        for (int f = 0; f < IR_WFMT_COUNT; f++)
            if (by[f] || f == IR_WFMT_DENSE)
                printf("weights.bytes.%s: %lld\n",
                       f == IR_WFMT_DENSE ? "dense" : ir_wformat_name(f), (long long)by[f]);
    }
    if (ok) {
        if (is_llvm)
            printf("compiled %s into %s/ (%s.h, %s.%s", model, od.final_path, used_prefix,
                   used_prefix, strcmp(emit, "llvm-ir") == 0 ? "ll" : "o");
        else
            printf("compiled %s into %s/ (%s.h, %s.c", model, od.final_path, used_prefix,
                   used_prefix);
        if (bopt.emit_so) printf(", lib%s.so", used_prefix);
        printf(")\n");
    }
    cli_outdir_abort(&od);
    ir_graph_free(g);
    if (!ok) goto fail;
    diag_print(&d, stderr); /* the warnings: a successful compile has no errors */
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
