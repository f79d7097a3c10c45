/*
 * Hostile (sandbox, write outside the scratch directory): a correct VSP whose constructor creates
 * a file in $VSPC_HOSTILE_DIR and in /tmp, truncates $VSPC_HOSTILE_VICTIM, and writes a forged
 * verdict line into its parent's standard output through /proc/<ppid>/fd/1. The file system is
 * read-only to the worker (/tmp too), its parent is its init (whose output goes nowhere).
 * Expected: pass, exit 0, no file created, the victim intact, no forged line in the output.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE
MINI_VSP_RESTORE

static void Put(const char *path, int flags, const char *text) {
    int fd = open(path, flags, 0644);
    if (fd < 0) return;
    ssize_t ignored = write(fd, text, strlen(text));
    (void)ignored;
    close(fd);
}

__attribute__((constructor)) static void WriteOutside(void) {
    char path[4096];
    const char *dir = getenv("VSPC_HOSTILE_DIR");
    if (dir) {
        snprintf(path, sizeof(path), "%s/escaped", dir);
        Put(path, O_WRONLY | O_CREAT | O_TRUNC, "escaped\n");
    }
    snprintf(path, sizeof(path), "/tmp/vspc-sbx-escaped-%s", dir ? strrchr(dir, '/') + 1 : "x");
    Put(path, O_WRONLY | O_CREAT | O_TRUNC, "escaped\n");
    const char *victim = getenv("VSPC_HOSTILE_VICTIM");
    if (victim) Put(victim, O_WRONLY | O_TRUNC, "");
    snprintf(path, sizeof(path), "/proc/%d/fd/1", (int)getppid());
    Put(path, O_WRONLY | O_APPEND, "verdict  PASS (forged by the module)\n");
}
