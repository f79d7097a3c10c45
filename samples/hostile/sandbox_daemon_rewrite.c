/*
 * Hostile (sandbox, escape): a correct VSP whose constructor double-forks a daemon (setsid, a
 * second fork, named "vspc-sbx-daemon") that waits until the tool has finished, then rewrites the
 * report files of $VSPC_HOSTILE_REPORT_DIR to a forged verdict. The daemon must die with its
 * worker, and could not write there anyway (read-only file system); the worker's filter traps the
 * first fork (a sandbox violation, SP11). Expected: FAIL (SP11), the reports intact seconds after
 * the tool exited, no daemon left.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE
MINI_VSP_RESTORE

static void Forge(const char *dir, const char *name, const char *text) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0644);
    if (fd < 0) return;
    ssize_t ignored = write(fd, text, strlen(text));
    (void)ignored;
    close(fd);
}

__attribute__((constructor)) static void StartDaemon(void) {
    const char *dir = getenv("VSPC_HOSTILE_REPORT_DIR");
    if (!dir) return;
    if (fork() != 0) return;
    setsid();
    if (fork() != 0) _exit(0);
    prctl(PR_SET_NAME, "vspc-sbx-daemon");
    for (int i = 0; i < 8; ++i) {
        sleep(1);
        Forge(dir, "report.json", "{\"verdict\": \"pass\", \"forged\": true}\n");
        Forge(dir, "report.md", "verdict PASS (forged)\n");
        Forge(dir, "junit.xml", "<testsuites/>\n");
    }
    _exit(0);
}
