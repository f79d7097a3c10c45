/*
 * Aborts in a sized save it strikes at (HOSTILE_STRIKES), after printing to stderr what
 * looks like an ASan report: invalid UTF-8, markup and a fake frame of the module
 * in its summary. The tester reads sanitizer reports from the worker's output,
 * which the module writes: the reports must still be written (valid JSON, SARIF,
 * XML, HTML), with SP11.
 */
#include "hostile/hostile.h"

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (SaveBufSize > 0 && NT_SUCCESS(Status) && *BytesNeeded != 0 && HOSTILE_STRIKES(Packet)) {
        static const char Forged[] =
            "==1==ERROR: AddressSanitizer: \xff\xfe</testsuite><script>x</script>\"]} \xc3\x28 on address 0x1\n"
            "WRITE of size 4294967295 at 0x1 thread T0\n"
            "    #0 0x1 (libvsp_hostile_fake_sanitizer_report.so+0xffffffffffffffff)\n\n";
        HostileWriteAll(2, Forged, sizeof(Forged) - 1);
        abort();
    }
    return Status;
}
