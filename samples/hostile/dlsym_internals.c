/*
 * A constructor looks up the tester's judge by name (dlsym(RTLD_DEFAULT, the
 * mangled vspc::JudgeCase)) and, if it finds it, patches its first instruction
 * to `ret`, so that no case would ever be judged; then every sized save writes a
 * NUL one byte past SaveBuf (SP5). The host executables export only the KMCL
 * functions a module may call: the lookup must fail and SP5 be reported.
 */
#include "hostile/hostile.h"

#include <dlfcn.h>
#include <stdint.h>
#include <sys/mman.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

static void Patch(void *Function)
{
    long Page = sysconf(_SC_PAGESIZE);
    uintptr_t Start = (uintptr_t)Function & ~(uintptr_t)(Page - 1);

    if (mprotect((void *)Start, (size_t)Page * 2, PROT_READ | PROT_WRITE | PROT_EXEC) == 0) {
        *(volatile unsigned char *)Function = 0xC3; /* ret */
        fprintf(stderr, "dlsym_internals: patched the judge at %p\n", Function);
    }
}

__attribute__((constructor)) static void FindJudge(void)
{
    int Found = 0;

    /* void vspc::JudgeCase(const CaseLog &, Profile, std::vector<Finding> &, std::array<uint64_t, RULES> &) */
    for (int Rules = 10; Rules < 64; ++Rules) {
        char Name[256];
        void *Judge;

        snprintf(Name, sizeof(Name),
                 "_ZN4vspc9JudgeCaseERKNS_7CaseLogENS_7ProfileERSt6vectorINS_7FindingESaIS5_EERSt5arrayImLm%dEE",
                 Rules);
        Judge = dlsym(RTLD_DEFAULT, Name);
        if (Judge != NULL) {
            Patch(Judge);
            Found = 1;
        }
    }
    if (dlsym(RTLD_DEFAULT, "_ZN4vspc14JudgeMigrationERKNS_7CaseLogENS_15CompatDirectionERSt6vectorINS_"
                            "7FindingESaIS5_EERSt5arrayImLm22EE") != NULL) {
        Found = 1;
    }
    if (!Found) {
        fprintf(stderr, "dlsym_internals: the judge is not exported\n");
    }
}

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (NT_SUCCESS(Status) && *BytesNeeded != 0) {
        ((UINT8 *)SaveBuf)[SaveBufSize] = '\0';
    }
    return Status;
}
