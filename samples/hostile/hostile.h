/*
 * hostile.h - what the hostile samples share: finding the tester's file
 * descriptors and its status block from inside the worker, the way any
 * module could (through /proc/self), without any tester header.
 *
 * The hostile samples are adversarial on purpose (issue 11): each one tries to
 * forge its verdict, stall or kill the tester, or touch what is not its own, and
 * tests/hostile_test.cpp checks the outcome vspconform must reach anyway.
 */
#ifndef VSPC_SAMPLES_HOSTILE_H
#define VSPC_SAMPLES_HOSTILE_H

#define _GNU_SOURCE 1
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether the module strikes at this save of `Packet` (a MINI_CTX packet, common/mini_vsp.h):
 * only when its tag's first byte is 0xFF, which the sweep's all-ones state and about one
 * pseudo-random state in 256 have. One strike shows what the tester makes of the module; a
 * strike at every case would only cost a worker restart each (some 240 a run). */
#define HOSTILE_STRIKES(Packet)                                                                    \
    (VmbPacketGetPointer(Packet) != NULL &&                                                        \
     (((const MINI_CTX *)VmbPacketGetPointer(Packet))->Tag & 0xFFu) == 0xFFu)

/* Calls `visit(fd, link target)` for every open file descriptor of this process. */
static inline void HostileForEachFd(void (*visit)(int Fd, const char *Target, void *Ctx), void *Ctx)
{
    DIR *Dir = opendir("/proc/self/fd");
    struct dirent *Entry;
    int Fds[1024];
    char Targets[1024][128];
    int Count = 0;

    if (Dir == NULL) {
        return;
    }
    while ((Entry = readdir(Dir)) != NULL && Count < 1024) {
        char Path[64];
        ssize_t N;
        int Fd = atoi(Entry->d_name);

        if (Entry->d_name[0] == '.' || Fd == dirfd(Dir)) {
            continue;
        }
        snprintf(Path, sizeof(Path), "/proc/self/fd/%d", Fd);
        N = readlink(Path, Targets[Count], sizeof(Targets[Count]) - 1);
        if (N < 0) {
            continue;
        }
        Targets[Count][N] = '\0';
        Fds[Count++] = Fd;
    }
    closedir(Dir);
    for (int i = 0; i < Count; ++i) {
        visit(Fds[i], Targets[i], Ctx);
    }
}

/* The write end of the worker's message pipe, or -1: the worker's command line (its config,
 * JSON) names it as "out_fd". */
static inline int HostileMessageFd(void)
{
    static char Cmdline[1 << 16];
    int Fd = open("/proc/self/cmdline", O_RDONLY);
    ssize_t N = Fd < 0 ? -1 : read(Fd, Cmdline, sizeof(Cmdline) - 1);
    const char *At;

    if (Fd >= 0) {
        close(Fd);
    }
    if (N <= 0) {
        return -1;
    }
    for (ssize_t i = 0; i < N; ++i) {
        if (Cmdline[i] == '\0') {
            Cmdline[i] = ' ';
        }
    }
    Cmdline[N] = '\0';
    At = strstr(Cmdline, "\"out_fd\":");
    return At != NULL ? atoi(At + 9) : -1;
}

static inline void HostileFindStatus(int Fd, const char *Target, void *Ctx)
{
    if (strstr(Target, "memfd:vspconform-status") != NULL) {
        *(int *)Ctx = Fd;
    }
}

/* The status block's memfd, or -1. */
static inline int HostileStatusFd(void)
{
    int Fd = -1;

    HostileForEachFd(HostileFindStatus, &Fd);
    return Fd;
}

/* The status block as the worker maps it (the first mapping of the memfd), or NULL. */
static inline void *HostileStatusBlock(void)
{
    FILE *Maps = fopen("/proc/self/maps", "r");
    char Line[512];
    void *Found = NULL;

    if (Maps == NULL) {
        return NULL;
    }
    while (Found == NULL && fgets(Line, sizeof(Line), Maps) != NULL) {
        unsigned long Begin, End;
        char Perms[8];

        if (strstr(Line, "memfd:vspconform-status") != NULL &&
            sscanf(Line, "%lx-%lx %7s", &Begin, &End, Perms) == 3 && Perms[1] == 'w') {
            Found = (void *)Begin;
        }
    }
    fclose(Maps);
    return Found;
}

static inline void HostileWriteAll(int Fd, const char *Data, size_t Size)
{
    while (Size > 0) {
        ssize_t N = write(Fd, Data, Size);

        if (N <= 0) {
            return;
        }
        Data += N;
        Size -= (size_t)N;
    }
}

#endif
