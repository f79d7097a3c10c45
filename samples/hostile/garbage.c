/*
 * Correct callbacks, but at a save it strikes at (HOSTILE_STRIKES) the module writes into
 * the tester's message pipe (the worker's config names it), by HOSTILE_GARBAGE:
 *   1 a line that is not JSON          2 "[]"
 *   3 half a message, no newline (the worker's next message runs into it)
 *   4 8 MiB without a newline          5 a message with a bad field (index -1)
 *   6 a "done" message without its newline, then _exit(0)
 *   7 a well-formed "promoted" message naming a file of the system (a contract job would read
 *     it into a report), 8 a second "loaded" message
 *   9 a well-formed "done" message, then _exit(0): the job's end, forged
 * Every one is a death (SP11: a bad message; 9: an exit before the job's end), never an
 * exception, a hang of the tester or a pass.
 */
#include "hostile/hostile.h"

#include "common/mini_vsp.h"

#ifndef HOSTILE_GARBAGE
#define HOSTILE_GARBAGE 1
#endif

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

static void Scribble(void)
{
    int Fd = HostileMessageFd();

    if (Fd < 0) {
        return;
    }
#if HOSTILE_GARBAGE == 1
    HostileWriteAll(Fd, "this is not the protocol\n", 25);
#elif HOSTILE_GARBAGE == 2
    HostileWriteAll(Fd, "[]\n", 3);
#elif HOSTILE_GARBAGE == 3
    HostileWriteAll(Fd, "{\"t\":\"case_end\",\"index\":", 24);
#elif HOSTILE_GARBAGE == 4
    {
        size_t Size = (size_t)8 << 20;
        char *Big = malloc(Size);

        if (Big != NULL) {
            memset(Big, 'x', Size);
            HostileWriteAll(Fd, Big, Size);
            free(Big);
        }
    }
#elif HOSTILE_GARBAGE == 5
    {
        static const char Bad[] =
            "{\"t\":\"case_end\",\"index\":-1,\"skipped\":false,\"reason\":\"\",\"restore_ops_skipped\":0}\n";
        HostileWriteAll(Fd, Bad, sizeof(Bad) - 1);
    }
#elif HOSTILE_GARBAGE == 6
    HostileWriteAll(Fd, "{\"t\":\"done\",\"repeats\":[]}", 25);
    _exit(0);
#elif HOSTILE_GARBAGE == 7
    {
        static const char Forged[] = "{\"t\":\"promoted\",\"file\":\"/etc/passwd\"}\n";
        HostileWriteAll(Fd, Forged, sizeof(Forged) - 1);
    }
#elif HOSTILE_GARBAGE == 8
    {
        static const char Again[] =
            "{\"t\":\"loaded\",\"hooks\":{\"save\":true,\"restore\":true,\"prepare\":true,\"release\":true,"
            "\"init_hook\":false,\"coverage_counters\":0,\"save_entry\":0,\"restore_entry\":0}}\n";
        HostileWriteAll(Fd, Again, sizeof(Again) - 1);
    }
#elif HOSTILE_GARBAGE == 9
    HostileWriteAll(Fd, "{\"t\":\"done\",\"repeats\":[]}\n", 26);
    _exit(0);
#endif
}

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    UNREFERENCED_PARAMETER(Channel);
    if (HOSTILE_STRIKES(Packet)) {
        Scribble();
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
