/* An interrupted kiln leaves nothing half-written. While a command writes an output folder it
 * registers the folder's temporary name here; SIGINT, SIGTERM or SIGHUP then stops the
 * programs kiln started (the C compiler and its helpers), removes the temporary folder and
 * exits with status 128 + the signal's number, as a shell reports a process killed by it.
 *
 * The signal handler only writes the signal's number to a pipe (write is async-signal-safe);
 * a watcher thread reads it and does the cleanup with ordinary calls. The handler is installed
 * with SA_RESTART, and exec resets it, so spawned programs get the default dispositions. A
 * signal the caller ignored when kiln started (nohup, a background job's SIGINT) stays
 * ignored.
 *
 * The lock orders the watcher against cli_outdir_commit: a folder is either renamed into
 * place or removed, never both, and never left behind. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const int cli_interrupt_signals[] = {SIGINT, SIGTERM, SIGHUP};
enum { CLI_INTERRUPT_NSIG = sizeof cli_interrupt_signals / sizeof cli_interrupt_signals[0] };

/* kiln's own process state (the kiln binary, never a generated library). */
static pthread_mutex_t cli_interrupt_lock_ = PTHREAD_MUTEX_INITIALIZER;
static int cli_interrupt_pipe[2] = {-1, -1};
static char *cli_interrupt_dir; /* the temporary folder being written, or NULL */

static void cli_interrupt_handler(int sig) {
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    ssize_t r = write(cli_interrupt_pipe[1], &b, 1);
    (void)r; /* a full pipe already holds a signal the watcher will act on */
    errno = saved;
}

static const char *cli_interrupt_name(int sig) {
    switch (sig) {
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    default:
        return "SIGHUP";
    }
}

/* The parent pid of process pid from /proc/pid/stat, or -1. */
static pid_t cli_interrupt_parent(pid_t pid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* "pid (comm) state ppid ...": comm may hold spaces and parentheses; it ends at the last
     * ')' */
    char *close = strrchr(buf, ')');
    int ppid;
    if (!close || sscanf(close + 1, " %*c %d", &ppid) != 1) return -1;
    return (pid_t)ppid;
}

/* Sends sig to every descendant of this process (Linux /proc; elsewhere none are found) and
 * returns how many it signalled. Descendants are found level by level from our own pid. */
static int cli_interrupt_signal_descendants(int sig) {
    pid_t found[256];
    int n_found = 0;
    found[n_found++] = getpid();
    for (int level = 0; level < 16; level++) {
        DIR *proc = opendir("/proc");
        if (!proc) break;
        int before = n_found;
        struct dirent *e;
        while ((e = readdir(proc)) != NULL && n_found < 256) {
            char *end;
            long pid = strtol(e->d_name, &end, 10);
            if (*end != '\0' || pid <= 0) continue;
            bool known = false;
            for (int i = 0; i < n_found && !known; i++) known = found[i] == (pid_t)pid;
            if (known) continue;
            pid_t parent = cli_interrupt_parent((pid_t)pid);
            for (int i = 0; i < n_found; i++)
                if (found[i] == parent) {
                    found[n_found++] = (pid_t)pid;
                    break;
                }
        }
        closedir(proc);
        if (n_found == before) break;
    }
    for (int i = 1; i < n_found; i++) kill(found[i], sig);
    return n_found - 1;
}

static void *cli_interrupt_watch(void *arg) {
    (void)arg;
    unsigned char b;
    for (;;) {
        ssize_t r = read(cli_interrupt_pipe[0], &b, 1);
        if (r == 1) break;
        if (r < 0 && errno == EINTR) continue;
        return NULL;
    }
    int sig = b;
    pthread_mutex_lock(&cli_interrupt_lock_);
    /* Stop the programs first, so none writes into the folder while it is removed. */
    if (cli_interrupt_signal_descendants(SIGTERM) > 0) {
        struct timespec pause = {0, 200 * 1000 * 1000};
        nanosleep(&pause, NULL);
        cli_interrupt_signal_descendants(SIGKILL);
    }
    if (cli_interrupt_dir) {
        /* Renamed first: a file the main thread creates by its old path now fails instead of
         * landing in a folder being emptied. */
        size_t n = strlen(cli_interrupt_dir) + 8;
        char *dead = malloc(n);
        if (dead) {
            snprintf(dead, n, "%s.dead", cli_interrupt_dir);
            cli_remove_tree(rename(cli_interrupt_dir, dead) == 0 ? dead : cli_interrupt_dir);
            free(dead);
        } else {
            cli_remove_tree(cli_interrupt_dir);
        }
        fprintf(stderr, "kiln: interrupted by %s; removed the partial output %s\n",
                cli_interrupt_name(sig), cli_interrupt_dir);
    } else {
        fprintf(stderr, "kiln: interrupted by %s\n", cli_interrupt_name(sig));
    }
    fflush(stderr);
    _exit(128 + sig);
}

bool cli_interrupt_install(void) {
    if (cli_interrupt_pipe[0] >= 0) return true;
    if (pipe(cli_interrupt_pipe) != 0) return false;
    pthread_t watcher;
    if (pthread_create(&watcher, NULL, cli_interrupt_watch, NULL) != 0) return false;
    pthread_detach(watcher);
    for (int i = 0; i < CLI_INTERRUPT_NSIG; i++) {
        struct sigaction old, sa;
        if (sigaction(cli_interrupt_signals[i], NULL, &old) != 0) continue;
        if (old.sa_handler == SIG_IGN) continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = cli_interrupt_handler;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(cli_interrupt_signals[i], &sa, NULL);
    }
    return true;
}

void cli_interrupt_lock(void) {
    pthread_mutex_lock(&cli_interrupt_lock_);
}

void cli_interrupt_unlock(void) {
    pthread_mutex_unlock(&cli_interrupt_lock_);
}

void cli_interrupt_track(const char *tmp_dir) {
    free(cli_interrupt_dir);
    cli_interrupt_dir = NULL;
    if (tmp_dir) {
        cli_interrupt_dir = strdup(tmp_dir);
        KILN_ASSERT(cli_interrupt_dir != NULL);
    }
}
