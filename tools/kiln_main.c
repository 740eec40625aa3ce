/* kiln's main(): picks the subcommand. Everything else lives in the kilntools library so tests
 * can call it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char kiln_help[] =
    "usage: kiln COMMAND [options]\n"
    "\n"
    "kiln compiles neural-network models ahead of time into plain C.\n"
    "\n"
    "commands:\n"
    "  compile MODEL   generate code for a target backend (C by default; --target list) and\n"
    "                  optionally a shared library\n"
    "  run TARGET      run a model file or a compiled library on .npy or random inputs\n"
    "  dump MODEL      print the IR as text or Graphviz\n"
    "  generate MODEL  generate text with a decoder LLM (Hugging Face folder or library)\n"
    "  bench           benchmark decoder prefill and decode against memory bandwidth\n"
    "  perplexity MODEL\n"
    "                  mean negative log-likelihood of token ids under a decoder LLM\n"
    "  preprocess IMAGE\n"
    "                  an image as a glm4v vision encoder receives it (pixel_values .npy)\n"
    "  serve MODEL     serve a decoder LLM over an OpenAI-compatible HTTP API\n"
    "  help [COMMAND]  show this help, or a command's\n"
    "\n"
    "options:\n"
    "  -h, --help      show this help\n"
    "  --version       show kiln's version\n"
    "\n"
    "Run 'kiln COMMAND --help' for a command's options. Errors go to standard error and make\n"
    "the exit status 1.\n";

typedef struct KilnCommand {
    const char *name;
    int (*main)(int argc, char **argv);
} KilnCommand;

/* clang-format off */
static const KilnCommand kiln_commands[] = {
    {"compile", cli_compile_main},
    {"run", cli_run_main},
    {"dump", cli_dump_main},
    {"generate", cli_generate_main},
    {"bench", cli_bench_main},
    {"perplexity", cli_perplexity_main},
    {"preprocess", cli_preprocess_main},
    {"serve", cli_serve_main},
};
/* clang-format on */
#define KILN_N_COMMANDS ((int)(sizeof kiln_commands / sizeof kiln_commands[0]))

static const KilnCommand *kiln_find_command(const char *name) {
    for (int i = 0; i < KILN_N_COMMANDS; i++)
        if (strcmp(kiln_commands[i].name, name) == 0) return &kiln_commands[i];
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(kiln_help, stderr);
        return 1;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        fputs(kiln_help, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("kiln %s\n", CLI_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3) {
            fputs(kiln_help, stdout);
            return 0;
        }
        const KilnCommand *c = kiln_find_command(argv[2]);
        if (!c) {
            fprintf(stderr, "kiln: unknown command '%s'\nTry 'kiln --help'.\n", argv[2]);
            return 1;
        }
        char help_flag[] = "--help";
        char *args[] = {help_flag, NULL};
        return c->main(1, args);
    }
    const KilnCommand *c = kiln_find_command(cmd);
    if (!c) {
        fprintf(stderr, "kiln: unknown command '%s'\nTry 'kiln --help'.\n", cmd);
        return 1;
    }
    return c->main(argc - 2, argv + 2);
}
