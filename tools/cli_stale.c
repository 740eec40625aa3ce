/* Leftovers of kiln runs killed with no chance to clean up (kill -9, a power cut): the
 * temporary folder "<out>.tmp-XXXXXX" of an output folder (cli_fs.c) outlives them. Each
 * temporary folder's marker names the writing process and host; the next kiln writing the same
 * output removes those whose process is gone. A folder of another host, of a live process, or
 * without a readable marker is left alone: it may be someone's compile in progress. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLI_STALE_WRITER "writer: kiln pid "

static void cli_host_name(char *buf, size_t cap) {
    if (gethostname(buf, cap) != 0) snprintf(buf, cap, "unknown");
    buf[cap - 1] = '\0';
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == ' ') *p = '_';
}

int cli_marker_text(char *buf, size_t cap) {
    char host[256];
    cli_host_name(host, sizeof host);
    int n = snprintf(buf, cap,
                     "This folder was written by kiln; kiln compile may replace it.\n"
                     "%s%ld on %s\n",
                     CLI_STALE_WRITER, (long)getpid(), host);
    return n < 0 ? 0 : (size_t)n >= cap ? (int)cap - 1 : n;
}

/* Whether the marker inside folder dir names a process of this host that no longer exists. */
static bool cli_stale_writer_gone(const char *dir) {
    char *marker = cli_path_join(dir, CLI_MARKER_FILE);
    FILE *f = fopen(marker, "r");
    free(marker);
    if (!f) return false;
    char line[512];
    bool gone = false;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, CLI_STALE_WRITER, strlen(CLI_STALE_WRITER)) != 0) continue;
        char *end;
        errno = 0;
        long pid = strtol(line + strlen(CLI_STALE_WRITER), &end, 10);
        if (errno != 0 || pid <= 0 || pid > INT_MAX || strncmp(end, " on ", 4) != 0) break;
        char host[256];
        cli_host_name(host, sizeof host);
        char *name = end + 4;
        name[strcspn(name, "\n")] = '\0';
        gone = strcmp(name, host) == 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
        break;
    }
    fclose(f);
    return gone;
}

/* Whether name is "<base>.tmp-" and six characters, optionally followed by ".old" or ".dead"
 * (the old output moved aside, or a folder an interrupt was removing). */
static bool cli_stale_name(const char *name, const char *base, size_t base_len) {
    if (strncmp(name, base, base_len) != 0 || strncmp(name + base_len, ".tmp-", 5) != 0)
        return false;
    const char *rest = name + base_len + 5;
    if (strlen(rest) < 6) return false;
    rest += 6;
    return *rest == '\0' || strcmp(rest, ".old") == 0 || strcmp(rest, ".dead") == 0;
}

void cli_remove_stale_outputs(const char *final_path) {
    const char *slash = strrchr(final_path, '/');
    char *parent = slash
                       ? strndup(final_path, slash == final_path ? 1 : (size_t)(slash - final_path))
                       : strdup(".");
    KILN_ASSERT(parent != NULL);
    const char *base = slash ? slash + 1 : final_path;
    size_t base_len = strlen(base);
    DIR *dir = opendir(parent);
    if (!dir) {
        free(parent);
        return;
    }
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (!cli_stale_name(e->d_name, base, base_len)) continue;
        char *path = cli_path_join(parent, e->d_name);
        if (cli_stale_writer_gone(path) && cli_remove_tree(path))
            fprintf(stderr, "kiln: removed %s, left by a kiln process that is gone\n", path);
        free(path);
    }
    closedir(dir);
    free(parent);
}
