/*
 * Forging the verdict with ordinary system calls (issue 18, section 3), each route hiding the same
 * planted defect: a probe-only size check (SP5). None of them needs a memory trick.
 *   HOSTILE_ROUTE=1  own seccomp filter: its constructor installs a filter that makes write() on
 *                    the tester's descriptors fail, so the worker's finding lines would be lost;
 *   HOSTILE_ROUTE=2  fork relay: its constructor forks; the child goes on as the worker, the
 *                    parent would relay the pipe minus the finding lines;
 *   HOSTILE_ROUTE=3  re-exec: its constructor runs /proc/self/exe again (another configuration);
 *   HOSTILE_ROUTE=4  LD_PRELOAD of itself: the same, with itself preloaded to interpose write();
 *   HOSTILE_ROUTE=5  patched libc: its constructor makes the code of libc's write() writable and
 *                    executable and patches it to claim success without writing;
 *   HOSTILE_ROUTE=6  token guessing: its save (when it strikes, HOSTILE_STRIKES) guesses the arena
 *                    token by mprotect-ing the guard
 *                    page after SaveBuf with every length in turn, to unguard it.
 * Expected for every route: FAIL, never a pass: the sandbox traps the call (a sandbox violation,
 * SP11) or the planted SP5 is found.
 */
#include "hostile/hostile.h"

#include <dlfcn.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

#if HOSTILE_ROUTE == 1
__attribute__((constructor)) static void OwnFilter(void) {
    /* write(fd >= 3, ...) -> EPERM: the protocol lines vanish, stderr (2) still works. */
    struct sock_filter Code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 3, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog Prog = {sizeof(Code) / sizeof(Code[0]), Code};

    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &Prog);
}
#elif HOSTILE_ROUTE == 2
__attribute__((constructor)) static void ForkRelay(void) {
    pid_t Child = fork();

    if (Child > 0) { /* the parent: would read the child's lines and relay what it likes */
        int Status;
        waitpid(Child, &Status, 0);
        _exit(0);
    }
}
#elif HOSTILE_ROUTE == 3 || HOSTILE_ROUTE == 4
__attribute__((constructor)) static void ReExec(void) {
    static char *Argv[] = {"vspconform-worker", "--help", NULL};

    if (getenv("VSPC_HOSTILE_REEXEC") != NULL) {
        return;
    }
    setenv("VSPC_HOSTILE_REEXEC", "1", 1);
#if HOSTILE_ROUTE == 4
    Dl_info Self;
    if (dladdr((void *)ReExec, &Self) && Self.dli_fname != NULL) {
        setenv("LD_PRELOAD", Self.dli_fname, 1);
    }
#endif
    execv("/proc/self/exe", Argv);
}
#elif HOSTILE_ROUTE == 5
static ssize_t Silent(int Fd, const void *Data, size_t Size) {
    (void)Fd;
    (void)Data;
    return (ssize_t)Size;
}

__attribute__((constructor)) static void PatchWrite(void) {
    uintptr_t Write = (uintptr_t)dlsym(RTLD_NEXT, "write");
    uintptr_t Page = Write & ~(uintptr_t)4095;

    if (Write == 0 || mprotect((void *)Page, 8192, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) {
        return;
    }
    /* movabs rax, Silent; jmp rax */
    unsigned char *Code = (unsigned char *)Write;
    uintptr_t Target = (uintptr_t)Silent;
    Code[0] = 0x48;
    Code[1] = 0xb8;
    memcpy(Code + 2, &Target, 8);
    Code[10] = 0xff;
    Code[11] = 0xe0;
}
#endif

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS) {
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    if (Ctx == NULL) {
        *BytesNeeded = 0;
        return STATUS_SUCCESS;
    }
    *BytesNeeded = MINI_HEADER_SIZE + Ctx->Length;
    if (SaveBufSize == 0) { /* the planted defect: the size is checked for the probe only */
        return STATUS_BUFFER_TOO_SMALL;
    }
#if HOSTILE_ROUTE == 6
    if (HOSTILE_STRIKES(Packet)) {
        /* The guard page after the buffer: try every length the token could give it. */
        uintptr_t Guard = ((uintptr_t)SaveBuf + SaveBufSize + 4095) & ~(uintptr_t)4095;
        for (size_t Guess = 1; Guess < 4096; ++Guess) {
            if (mprotect((void *)Guard, Guess, PROT_READ | PROT_WRITE) == 0) {
                break;
            }
        }
    }
#endif
    memset(SaveBuf, 0, MINI_HEADER_SIZE);
    memcpy(SaveBuf, &Ctx->Tag, 4);
    memcpy((unsigned char *)SaveBuf + 4, &Ctx->Length, 2);
    if (Ctx->Length != 0) {
        memcpy((unsigned char *)SaveBuf + MINI_HEADER_SIZE, Ctx->Data, Ctx->Length);
    }
    return STATUS_SUCCESS;
}
