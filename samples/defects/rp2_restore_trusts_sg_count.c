/*
 * RP2: the storage VSP's restore takes the SG count (and sense length) from the
 * record and reads that many entries without checking them against
 * SaveBufSize, so a truncated record makes it read past the end of SaveBuf.
 * Built plain: only vspconform's guard pages can see the over-read.
 */
#include <string.h>

#include "storage/storage_request.h"

STOR_VSP_STATE_HOOKS
STOR_VSP_SAVE

static UINT64 GetLe(const UINT8 *p, UINT32 Width)
{
    UINT64 Value = 0;

    while (Width-- != 0) {
        Value = Value << 8 | p[Width];
    }
    return Value;
}

static NTSTATUS ParseTrustingCounts(const UINT8 *Record, UINT32 Size, void **State)
{
    BYTE_READER R;
    STOR_RECORD_HEADER H;
    STOR_REQUEST *Req;
    const UINT8 *p;
    UINT32 i;

    ReaderInit(&R, Record, Size);
    if (!NT_SUCCESS(StorReadHeader(&R, Size, &H)) || (Req = StorRequestFromHeader(&H)) == NULL) {
        return STATUS_DATA_ERROR;
    }
    p = Record + H.HeaderSize;
    for (i = 0; i < Req->SgCount; i++, p += STOR_SG_ENTRY_SIZE) {
        Req->Sg[i].Pfn = GetLe(p, 8);
        Req->Sg[i].Offset = (UINT32)GetLe(p + 8, 4);
        Req->Sg[i].Length = (UINT32)GetLe(p + 12, 4);
    }
    Req->SenseLength = H.SenseLength;
    memcpy(Req->Sense, p, H.SenseLength);
    *State = Req;
    return STATUS_SUCCESS;
}

NTSTATUS EvtVmbChannelRestorePacket(VSP_RESTORE_PARAMS)
{
    VSP_RECORD_OPS Ops = *StorRecordOps();

    Ops.Parse = ParseTrustingCounts;
    return VspRestorePacket(Channel, LibBuf, LibBufSize, SaveBuf, SaveBufSize, &Ops, NULL);
}
