#define _GNU_SOURCE
/*
 * Runs a command as on a host that refuses namespaces (a CI container without CAP_SYS_ADMIN):
 * clone with a namespace flag, unshare and setns fail with EPERM, clone3 with ENOSYS (so the C
 * library uses clone). Usage: no_namespaces COMMAND [ARG...]
 */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: no_namespaces COMMAND [ARG...]\n");
        return 2;
    }
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    const unsigned long flags[] = {CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUSER, CLONE_NEWUTS, CLONE_NEWIPC};
    int rc = 0;
    for (unsigned i = 0; i < sizeof(flags) / sizeof(flags[0]); ++i)
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, flags[i], flags[i]));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0);
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(setns), 0);
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (rc != 0 || seccomp_load(ctx) != 0) {
        fprintf(stderr, "no_namespaces: cannot load the filter\n");
        return 2;
    }
    execvp(argv[1], argv + 1);
    perror("no_namespaces: exec");
    return 127;
}
