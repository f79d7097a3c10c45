/*
 * RP2, on a rare record only: WDK-style driver code (WdkCompat.h) takes a record whose
 * payload starts with its vendor-extension GUID (compared with RtlCompareMemory) to carry a
 * 16-byte extension block after its payload, and the restore copies that block from
 * SaveBuf + SaveBufSize, past the end of the record. No sweep state or record has the GUID:
 * the coverage-guided stage must find it, which it can only because RtlCompareMemory compares
 * through memcmp, whose call reaches libFuzzer's compare hooks (the host's interceptors, and
 * -fno-builtin-memcmp so that -O1 keeps the call).
 */
#include "WdkCompat.h"

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE

/* {6F1C2B7E-3D54-4A8B-9C21-5E7F80A1B2C3}: records of the vendor extension. */
DEFINE_GUID(GUID_VSP_VENDOR_EXTENSION, 0x6f1c2b7e, 0x3d54, 0x4a8b, 0x9c, 0x21, 0x5e, 0x7f, 0x80, 0xa1, 0xb2, 0xc3);

static BOOLEAN IsVendorExtension(const UCHAR *Payload, ULONG Length)
{
    return Length >= sizeof(GUID) &&
           RtlCompareMemory(Payload, &GUID_VSP_VENDOR_EXTENSION, sizeof(GUID)) == sizeof(GUID);
}

NTSTATUS EvtVmbChannelRestorePacket(MINI_RESTORE_PARAMS)
{
    const UCHAR *Record = (const UCHAR *)SaveBuf;

    if (Record != NULL && SaveBufSize >= MINI_HEADER_SIZE &&
        IsVendorExtension(Record + MINI_HEADER_SIZE, SaveBufSize - MINI_HEADER_SIZE)) {
        /* The extension block is assumed to follow the payload: it is past the record. */
        UCHAR Block[16];
        volatile UCHAR Sum = 0;
        ULONG i;

        RtlCopyMemory(Block, Record + SaveBufSize, sizeof(Block));
        for (i = 0; i < sizeof(Block); i++) {
            Sum = (UCHAR)(Sum + Block[i]);
        }
    }
    return VspRestorePacket(Channel, LibBuf, LibBufSize, SaveBuf, SaveBufSize, MiniRecordOps(), NULL);
}
