/*
 * serialvsp_conformance.c - the vspconform test hooks for the serial port VSP (module ABI v1).
 *
 * Not driver code: this file exists only in the conformance build. It drives the driver's own
 * paths: VspConformanceInitChannel is the channel set-up (which registers the save/restore
 * callbacks), VspConformancePreparePacket sends a packet the way the driver does
 * (SerVspQueuePacket), and VspConformanceReleasePacket completes it as cancelled
 * (SerVspCompletePacket).
 *
 * Seed (short seeds read as zero-padded; the state depends on the seed bytes only):
 *   u8  Kind           Kind % 8 == 0: an idle packet (no state of ours); else the packet type
 *                      is 1 + Kind % 3 (receive data, modem status, line status)
 *   u32 TransactionId
 *   u32 BaudRate       value % SERVSP_MAX_BAUD_RATE, at least 1
 *   u8  Framing        data bits 5 + (b & 3), parity (b >> 2) % 5, stop bits (b >> 5) % 3
 *   u8  FlowControl    & SERVSP_FLOW_CONTROL_VALID
 *   u32 ModemStatus    & SERVSP_MODEM_STATUS_VALID
 *   u32 LineStatus     & SERVSP_LINE_STATUS_VALID
 *   then, for receive-data packets, up to SERVSP_MAX_DATA bytes of data.
 */
#ifdef VSPCONFORM
#include <WdkCompat.h>
#else
#error "serialvsp_conformance.c is built for vspconform only"
#endif
#include <VmbusKernelModeClientLibApi.h>
#include <VspConformance.h>

#include "serialvsp.h"

#define SEED_HEADER_SIZE 19

typedef struct _SEED_READER {
    const UINT8 *Seed;
    UINT32 Size;
    UINT32 Offset;
} SEED_READER;

static UCHAR SeedByte(SEED_READER *Reader)
{
    UCHAR b = Reader->Offset < Reader->Size ? Reader->Seed[Reader->Offset] : 0;
    Reader->Offset++;
    return b;
}

static ULONG SeedUlong(SEED_READER *Reader)
{
    ULONG v = 0;
    int i;

    for (i = 0; i < 4; i++) {
        v |= (ULONG)SeedByte(Reader) << (8 * i);
    }
    return v;
}

static BOOL SeedIsIdle(const UINT8 *Seed, UINT32 SeedSize)
{
    return SeedSize == 0 || Seed[0] % 8 == 0;
}

NTSTATUS VspConformanceInitChannel(VMBCHANNEL Channel)
{
    return SerVspInitializeChannel(Channel);
}

NTSTATUS VspConformancePreparePacket(VMBCHANNEL Channel, VMBPACKET Packet, const UINT8 *Seed,
                                     UINT32 SeedSize, BOOLEAN *HasState)
{
    SEED_READER Reader = {Seed, SeedSize, 0};
    SERVSP_LINE_SETTINGS Line;
    SERVSP_PACKET_TYPE Type;
    ULONG TransactionId, BaudRate, ModemStatus, LineStatus, DataLength = 0;
    UCHAR Framing;
    NTSTATUS Status;

    *HasState = FALSE;
    if (SeedIsIdle(Seed, SeedSize)) {
        return STATUS_SUCCESS;
    }
    Type = (SERVSP_PACKET_TYPE)(1 + SeedByte(&Reader) % 3);
    TransactionId = SeedUlong(&Reader);
    BaudRate = SeedUlong(&Reader) % SERVSP_MAX_BAUD_RATE; /* not inside max(): it is a macro */
    Line.BaudRate = max(BaudRate, 1u);
    Framing = SeedByte(&Reader);
    Line.DataBits = (UCHAR)(5 + (Framing & 3));
    Line.Parity = (UCHAR)((Framing >> 2) % 5);
    Line.StopBits = (UCHAR)((Framing >> 5) % 3);
    Line.FlowControl = (UCHAR)(SeedByte(&Reader) & SERVSP_FLOW_CONTROL_VALID);
    ModemStatus = SeedUlong(&Reader) & SERVSP_MODEM_STATUS_VALID;
    LineStatus = SeedUlong(&Reader) & SERVSP_LINE_STATUS_VALID;
    if (Type == SerVspPacketReceiveData && SeedSize > SEED_HEADER_SIZE) {
        DataLength = min(SeedSize - SEED_HEADER_SIZE, (ULONG)SERVSP_MAX_DATA);
    }

    Status = SerVspQueuePacket(Channel, Packet, Type, TransactionId, &Line, ModemStatus, LineStatus,
                               Seed + min(SeedSize, (UINT32)SEED_HEADER_SIZE), DataLength);
    if (Status != STATUS_PENDING) {
        return NT_SUCCESS(Status) ? STATUS_UNSUCCESSFUL : Status;
    }
    *HasState = TRUE;
    return STATUS_SUCCESS;
}

VOID VspConformanceReleasePacket(VMBCHANNEL Channel, VMBPACKET Packet)
{
    /* STATUS_NOT_FOUND: a packet without state of ours (an idle one, or restored without). */
    (void)SerVspCompletePacket(Channel, Packet, STATUS_CANCELLED);
}
