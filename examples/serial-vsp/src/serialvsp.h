/*++

Module Name:

    serialvsp.h

Abstract:

    Private definitions of the virtual serial port VSP (SerVsp): the per-packet context of a
    packet sent to the guest and not yet completed, the channel context, and the saved-packet
    record that crosses save/restore and live migration.

    Saved record (packed, little-endian), current version 2:

        SERVSP_SAVED_PACKET_HEADER   20 bytes: Signature 'SVSP', Version, HeaderSize, Type,
                                     Reserved[3] (0), TransactionId, DataLength
        version 2 only:              BaudRate, DataBits, Parity, StopBits, FlowControl,
                                     ModemStatus, LineStatus (16 bytes)
        Data                         DataLength bytes (receive-data packets only)

    Driver 1.x saved version 1 records (the header and the data); restore still accepts them.

Environment:

    Kernel mode. Compiled on Linux against vspconform's headers for conformance testing.

--*/

#pragma once

//
// SerVsp's pool tags ('SVpk': packet contexts, 'SVch': channel context, 'SVup': record upgrade).
//
#define SERVSP_TAG_PACKET 'kpVS'
#define SERVSP_TAG_CHANNEL 'hcVS'
#define SERVSP_TAG_UPGRADE 'puVS'

#define SERVSP_PACKET_SIGNATURE 0x6B505653 // 'SVPk'
#define SERVSP_CHANNEL_SIGNATURE 0x68435653 // 'SVCh'

#define SERVSP_MAX_DATA 256
#define SERVSP_MAX_BAUD_RATE 4000000

//
// The VMBus interface type of the serial port channel.
//
DEFINE_GUID(SERVSP_INTERFACE_TYPE, 0x8f4c3a1e, 0x5b2d, 0x4e6f, 0x9a, 0x17, 0x3c, 0x60, 0xd2, 0x8b, 0x41, 0xe5);

typedef enum _SERVSP_PACKET_TYPE {
    SerVspPacketInvalid = 0,
    SerVspPacketReceiveData = 1,    // bytes the host received for the guest
    SerVspPacketModemStatus = 2,    // CTS/DSR/RI/DCD changed
    SerVspPacketLineStatus = 3,     // overrun, parity or framing error, break
    SerVspPacketTypeMax
} SERVSP_PACKET_TYPE;

#define SERVSP_FLOW_CONTROL_VALID 0x0F      // RTS/CTS, DTR/DSR, XON/XOFF in, XON/XOFF out
#define SERVSP_MODEM_STATUS_VALID 0x000000F0 // SERIAL_CTS_STATE .. SERIAL_DCD_STATE
#define SERVSP_LINE_STATUS_VALID 0x0000001E  // overrun, parity, framing, break

typedef struct _SERVSP_LINE_SETTINGS {
    ULONG BaudRate;
    UCHAR DataBits;         // 5..8
    UCHAR Parity;           // 0 none, 1 odd, 2 even, 3 mark, 4 space
    UCHAR StopBits;         // 0 one, 1 one and a half, 2 two
    UCHAR FlowControl;      // SERVSP_FLOW_CONTROL_VALID
} SERVSP_LINE_SETTINGS, *PSERVSP_LINE_SETTINGS;

//
// Per-packet context: one packet sent to the guest, waiting for its completion. Attached to the
// packet with VmbPacketSetPointer and linked on the channel's in-flight list.
//
typedef struct DECLSPEC_ALIGN(16) _SERVSP_PACKET_CONTEXT {
    ULONG Signature;
    LIST_ENTRY Link;                    // SERVSP_CHANNEL_CONTEXT.InFlightList, under its Lock
    VMBPACKET Packet;                   // back pointer; never saved
    PMDL DataMdl;                       // the guest buffer while mapped; never saved
    LARGE_INTEGER QueuedTime;           // for the send timeout; not saved (restore restarts it)
    SERVSP_PACKET_TYPE Type;
    ULONG TransactionId;
    SERVSP_LINE_SETTINGS Line;
    ULONG ModemStatus;
    ULONG LineStatus;
    ULONG DataLength;
    _Field_size_bytes_(DataLength) UCHAR Data[ANYSIZE_ARRAY];
} SERVSP_PACKET_CONTEXT, *PSERVSP_PACKET_CONTEXT;

typedef struct _SERVSP_CHANNEL_CONTEXT {
    ULONG Signature;
    GUID InterfaceType;
    HANDLE ParametersKey;               // opened by the device add path; unused here
    UNICODE_STRING PortName;
    SERVSP_LINE_SETTINGS DefaultLine;   // what version 1 records restore to
    KSPIN_LOCK Lock;
    _Guarded_by_(Lock) LIST_ENTRY InFlightList;
    _Interlocked_ volatile LONG InFlightCount;
    _Interlocked_ volatile LONG RestoredCount;
} SERVSP_CHANNEL_CONTEXT, *PSERVSP_CHANNEL_CONTEXT;

#include <pshpack1.h>

typedef struct _SERVSP_SAVED_PACKET_HEADER {
    ULONG32 Signature;                  // SERVSP_SAVED_SIGNATURE
    USHORT Version;                     // SERVSP_SAVED_VERSION_1 or _2
    USHORT HeaderSize;                  // FIELD_OFFSET(SERVSP_SAVED_PACKET_Vn, Data)
    UCHAR Type;                         // SERVSP_PACKET_TYPE
    UCHAR Reserved[3];                  // 0
    ULONG32 TransactionId;
    ULONG32 DataLength;
} SERVSP_SAVED_PACKET_HEADER, *PSERVSP_SAVED_PACKET_HEADER;

typedef struct _SERVSP_SAVED_PACKET_V1 {
    SERVSP_SAVED_PACKET_HEADER Header;
    UCHAR Data[ANYSIZE_ARRAY];
} SERVSP_SAVED_PACKET_V1, *PSERVSP_SAVED_PACKET_V1;

typedef struct _SERVSP_SAVED_PACKET_V2 {
    SERVSP_SAVED_PACKET_HEADER Header;
    ULONG32 BaudRate;
    UCHAR DataBits;
    UCHAR Parity;
    UCHAR StopBits;
    UCHAR FlowControl;
    ULONG32 ModemStatus;
    ULONG32 LineStatus;
    UCHAR Data[ANYSIZE_ARRAY];
} SERVSP_SAVED_PACKET_V2, *PSERVSP_SAVED_PACKET_V2;

#include <poppack.h>

#define SERVSP_SAVED_SIGNATURE 0x50535653 // 'SVSP'
#define SERVSP_SAVED_VERSION_1 1
#define SERVSP_SAVED_VERSION_2 2

C_ASSERT(sizeof(SERVSP_SAVED_PACKET_HEADER) == 20);
C_ASSERT(RTL_FIELD_SIZE(SERVSP_SAVED_PACKET_HEADER, Reserved) == 3);
C_ASSERT(FIELD_OFFSET(SERVSP_SAVED_PACKET_V1, Data) == 20);
C_ASSERT(FIELD_OFFSET(SERVSP_SAVED_PACKET_V2, Data) == 36);

//
// The driver's channel and packet paths (serialvsp.c).
//
_IRQL_requires_(PASSIVE_LEVEL)
_Check_return_
NTSTATUS
SerVspInitializeChannel(
    _In_ VMBCHANNEL Channel
    );

_IRQL_requires_max_(DISPATCH_LEVEL)
_Check_return_
NTSTATUS
SerVspQueuePacket(
    _In_ VMBCHANNEL Channel,
    _In_ VMBPACKET Packet,
    _In_ SERVSP_PACKET_TYPE Type,
    _In_ ULONG TransactionId,
    _In_ const SERVSP_LINE_SETTINGS *Line,
    _In_ ULONG ModemStatus,
    _In_ ULONG LineStatus,
    _In_reads_bytes_(DataLength) const UCHAR *Data,
    _In_range_(0, SERVSP_MAX_DATA) ULONG DataLength
    );

_IRQL_requires_max_(DISPATCH_LEVEL)
NTSTATUS
SerVspCompletePacket(
    _In_ VMBCHANNEL Channel,
    _In_ VMBPACKET Packet,
    _In_ NTSTATUS CompletionStatus
    );
