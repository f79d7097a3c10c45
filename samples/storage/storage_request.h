/*
 * storage_request.h - the reference storage VSP's in-flight request and its
 * saved-record format (version 1).
 *
 * Per packet the VSP keeps one SCSI-like request that has been sent to the
 * guest and awaits its completion: request id, CDB opcode, target/LUN,
 * transfer length, flags, SCSI and SRB status, a scatter-gather list and up to
 * 18 bytes of sense data.
 *
 * Saved record, all little-endian, no padding:
 *
 *   off size field
 *     0   4  Magic 'VSPS' (0x53505356)
 *     4   2  Version (1)
 *     6   2  HeaderSize (32 in version 1; a reader skips a larger header)
 *     8   8  RequestId
 *    16   4  TransferLength
 *    20   1  Opcode        21 1 Target     22 1 Lun         23 1 Flags
 *    24   1  ScsiStatus    25 1 SrbStatus  26 1 SenseLength 27 1 reserved (0)
 *    28   2  SgCount       30 2 reserved (0)
 *    HeaderSize: SgCount entries of { u64 Pfn, u32 Offset, u32 Length }
 *    then SenseLength bytes of sense data
 *
 * Seed layout read by StorRequestFromSeed (short seeds read as zero-padded):
 *   u8 Kind     Kind % 4 == 0: no outstanding request (stateless packet);
 *               Kind == 0xFF: reserved, the seed is rejected;
 *               else Flags = Kind >> 2
 *   u64 RequestId, u8 Opcode, u8 Target, u8 Lun, u32 TransferLength,
 *   u8 SgCount (mod 33), SgCount x { u64 Pfn, u32 Offset (mod 4096), u32 Length },
 *   u8 ScsiStatus, u8 SrbStatus, u8 SenseLength (mod 19), SenseLength bytes.
 */
#ifndef VSPC_SAMPLES_STORAGE_REQUEST_H
#define VSPC_SAMPLES_STORAGE_REQUEST_H

#include <stdlib.h>

#include "common/byte_writer.h"
#include "common/seed_reader.h"
#include "common/vsp_common.h"

#define STOR_RECORD_MAGIC 0x53505356u
#define STOR_RECORD_VERSION 1
#define STOR_HEADER_SIZE_V1 32u
#define STOR_SG_ENTRY_SIZE 16u
#define STOR_MAX_SG_ENTRIES 32u
#define STOR_MAX_SENSE 18u
#define STOR_PAGE_SIZE 4096u
#define STOR_FLAGS_MASK 0x3Fu

typedef struct STOR_SG_ENTRY {
    UINT64 Pfn;
    UINT32 Offset; /* < STOR_PAGE_SIZE */
    UINT32 Length;
} STOR_SG_ENTRY;

/* The request's fixed fields. */
typedef struct STOR_REQUEST_FIELDS {
    UINT64 RequestId;
    UINT32 TransferLength;
    UINT8 Opcode;
    UINT8 Target;
    UINT8 Lun;
    UINT8 Flags;
    UINT8 ScsiStatus;
    UINT8 SrbStatus;
} STOR_REQUEST_FIELDS;

typedef struct STOR_REQUEST {
    STOR_REQUEST_FIELDS F;
    UINT8 SenseLength;
    UINT8 Sense[STOR_MAX_SENSE];
    UINT16 SgCount;
    STOR_SG_ENTRY Sg[]; /* SgCount entries */
} STOR_REQUEST;

/* The fixed header fields of a record, as read from it. */
typedef struct STOR_RECORD_HEADER {
    UINT16 HeaderSize;
    UINT16 SgCount;
    UINT8 SenseLength;
    STOR_REQUEST_FIELDS Fields;
} STOR_RECORD_HEADER;

static inline STOR_REQUEST *StorRequestAllocate(UINT32 SgCount)
{
    STOR_REQUEST *Req = calloc(1, sizeof(*Req) + (size_t)SgCount * sizeof(Req->Sg[0]));

    if (Req != NULL) {
        Req->SgCount = (UINT16)SgCount;
    }
    return Req;
}

static inline void StorRequestFree(void *Req)
{
    free(Req);
}

/* Builds the request a seed describes; *Out = NULL for "no outstanding request". */
static inline NTSTATUS StorRequestFromSeed(const UINT8 *Seed, UINT32 SeedSize, STOR_REQUEST **Out)
{
    BYTE_READER R;
    STOR_REQUEST_FIELDS Head = {0};
    STOR_REQUEST *Req;
    UINT8 Kind;
    UINT32 i;

    *Out = NULL;
    ReaderInit(&R, Seed, SeedSize);
    Kind = ReadU8(&R);
    if (Kind == 0xFF) {
        return STATUS_INVALID_PARAMETER;
    }
    if (Kind % 4 == 0) {
        return STATUS_SUCCESS;
    }
    Head.Flags = (UINT8)(Kind >> 2);
    Head.RequestId = ReadU64(&R);
    Head.Opcode = ReadU8(&R);
    Head.Target = ReadU8(&R);
    Head.Lun = ReadU8(&R);
    Head.TransferLength = ReadU32(&R);
    Req = StorRequestAllocate(ReadU8(&R) % (STOR_MAX_SG_ENTRIES + 1));
    if (Req == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Req->F = Head;
    for (i = 0; i < Req->SgCount; i++) {
        Req->Sg[i].Pfn = ReadU64(&R);
        Req->Sg[i].Offset = ReadU32(&R) % STOR_PAGE_SIZE;
        Req->Sg[i].Length = ReadU32(&R);
    }
    Req->F.ScsiStatus = ReadU8(&R);
    Req->F.SrbStatus = ReadU8(&R);
    Req->SenseLength = ReadU8(&R) % (STOR_MAX_SENSE + 1);
    ReadBytes(&R, Req->Sense, Req->SenseLength);
    *Out = Req;
    return STATUS_SUCCESS;
}

static inline UINT32 StorRecordSize(const void *State)
{
    const STOR_REQUEST *Req = State;

    return STOR_HEADER_SIZE_V1 + Req->SgCount * STOR_SG_ENTRY_SIZE + Req->SenseLength;
}

static inline void StorSerialize(const void *State, UINT8 *Record)
{
    const STOR_REQUEST *Req = State;
    BYTE_WRITER W;
    UINT32 i;

    WriterInit(&W, Record);
    WriteU32(&W, STOR_RECORD_MAGIC);
    WriteU16(&W, STOR_RECORD_VERSION);
    WriteU16(&W, STOR_HEADER_SIZE_V1);
    WriteU64(&W, Req->F.RequestId);
    WriteU32(&W, Req->F.TransferLength);
    WriteU8(&W, Req->F.Opcode);
    WriteU8(&W, Req->F.Target);
    WriteU8(&W, Req->F.Lun);
    WriteU8(&W, Req->F.Flags);
    WriteU8(&W, Req->F.ScsiStatus);
    WriteU8(&W, Req->F.SrbStatus);
    WriteU8(&W, Req->SenseLength);
    WriteU8(&W, 0);
    WriteU16(&W, Req->SgCount);
    WriteU16(&W, 0);
    for (i = 0; i < Req->SgCount; i++) {
        WriteU64(&W, Req->Sg[i].Pfn);
        WriteU32(&W, Req->Sg[i].Offset);
        WriteU32(&W, Req->Sg[i].Length);
    }
    WriteBytes(&W, Req->Sense, Req->SenseLength);
}

/*
 * Reads and validates the fixed header of an untrusted record of Size bytes,
 * and leaves R at the first SG entry. Does not check the total size.
 */
static inline NTSTATUS StorReadHeader(BYTE_READER *R, UINT32 Size, STOR_RECORD_HEADER *H)
{
    STOR_REQUEST_FIELDS *F = &H->Fields;
    UINT8 Reserved8;
    UINT16 Reserved16;

    if (Size < STOR_HEADER_SIZE_V1 || ReadU32(R) != STOR_RECORD_MAGIC) {
        return STATUS_DATA_ERROR;
    }
    if (ReadU16(R) != STOR_RECORD_VERSION) {
        return STATUS_REVISION_MISMATCH;
    }
    H->HeaderSize = ReadU16(R);
    F->RequestId = ReadU64(R);
    F->TransferLength = ReadU32(R);
    F->Opcode = ReadU8(R);
    F->Target = ReadU8(R);
    F->Lun = ReadU8(R);
    F->Flags = ReadU8(R);
    F->ScsiStatus = ReadU8(R);
    F->SrbStatus = ReadU8(R);
    H->SenseLength = ReadU8(R);
    Reserved8 = ReadU8(R);
    H->SgCount = ReadU16(R);
    Reserved16 = ReadU16(R);
    if (H->HeaderSize < STOR_HEADER_SIZE_V1 || H->HeaderSize > Size || Reserved8 != 0 ||
        Reserved16 != 0 || (F->Flags & ~STOR_FLAGS_MASK) != 0 ||
        H->SgCount > STOR_MAX_SG_ENTRIES || H->SenseLength > STOR_MAX_SENSE) {
        return STATUS_DATA_ERROR;
    }
    ReaderSeek(R, H->HeaderSize);
    return STATUS_SUCCESS;
}

/* The record must be exactly header + SG entries + sense data long. */
static inline NTSTATUS StorCheckRecordSize(const STOR_RECORD_HEADER *H, UINT32 Size)
{
    UINT64 Expected = (UINT64)H->HeaderSize + (UINT64)H->SgCount * STOR_SG_ENTRY_SIZE + H->SenseLength;

    return Expected == Size ? STATUS_SUCCESS : STATUS_DATA_ERROR;
}

/* A new request holding the header's fields and room for its SG list. */
static inline STOR_REQUEST *StorRequestFromHeader(const STOR_RECORD_HEADER *H)
{
    STOR_REQUEST *Req = StorRequestAllocate(H->SgCount);

    if (Req != NULL) {
        Req->F = H->Fields;
    }
    return Req;
}

static inline NTSTATUS StorReadSgList(BYTE_READER *R, STOR_REQUEST *Req)
{
    UINT32 i;

    for (i = 0; i < Req->SgCount; i++) {
        Req->Sg[i].Pfn = ReadU64(R);
        Req->Sg[i].Offset = ReadU32(R);
        Req->Sg[i].Length = ReadU32(R);
        if (Req->Sg[i].Offset >= STOR_PAGE_SIZE) {
            return STATUS_DATA_ERROR;
        }
    }
    return R->Overrun ? STATUS_DATA_ERROR : STATUS_SUCCESS;
}

static inline NTSTATUS StorReadSense(BYTE_READER *R, STOR_REQUEST *Req, UINT8 SenseLength)
{
    Req->SenseLength = SenseLength;
    ReadBytes(R, Req->Sense, SenseLength);
    return R->Overrun ? STATUS_DATA_ERROR : STATUS_SUCCESS;
}

static inline NTSTATUS StorParseRecord(const UINT8 *Record, UINT32 Size, void **State)
{
    BYTE_READER R;
    STOR_RECORD_HEADER H;
    STOR_REQUEST *Req;
    NTSTATUS Status;

    ReaderInit(&R, Record, Size);
    Status = StorReadHeader(&R, Size, &H);
    if (NT_SUCCESS(Status)) {
        Status = StorCheckRecordSize(&H, Size);
    }
    if (!NT_SUCCESS(Status)) {
        return Status;
    }
    Req = StorRequestFromHeader(&H);
    if (Req == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Status = StorReadSgList(&R, Req);
    if (NT_SUCCESS(Status)) {
        Status = StorReadSense(&R, Req, H.SenseLength);
    }
    if (!NT_SUCCESS(Status)) {
        StorRequestFree(Req);
        return Status;
    }
    *State = Req;
    return STATUS_SUCCESS;
}

static inline const VSP_RECORD_OPS *StorRecordOps(void)
{
    static const VSP_RECORD_OPS Ops = {StorRecordSize, StorSerialize, StorParseRecord,
                                       StorRequestFree};
    return &Ops;
}

/* ---- The storage VSP's callbacks and hooks (the reference behaviour) ----- */

static inline NTSTATUS StorSavePacket(VMBCHANNEL Channel, VMBPACKET Packet, PVOID SaveBuf,
                                      UINT32 SaveBufSize, PUINT32 BytesNeeded)
{
    UNREFERENCED_PARAMETER(Channel);
    return VspSaveState(VmbPacketGetPointer(Packet), StorRecordOps(), SaveBuf, SaveBufSize,
                        BytesNeeded);
}

static inline NTSTATUS StorPreparePacket(VMBPACKET Packet, const UINT8 *Seed, UINT32 SeedSize,
                                         BOOLEAN *HasState)
{
    STOR_REQUEST *Req;
    NTSTATUS Status = StorRequestFromSeed(Seed, SeedSize, &Req);

    if (NT_SUCCESS(Status)) {
        VspAttachState(Packet, Req, StorRecordOps(), HasState);
    }
    return Status;
}

/* Correct exported entry points of the storage VSP. */
#define STOR_VSP_STATE_HOOKS VSP_DEFINE_STATE_HOOKS(StorPreparePacket, StorRecordOps)
#define STOR_VSP_SAVE VSP_DEFINE_SAVE(EvtVmbChannelSavePacket, StorRecordOps)
#define STOR_VSP_RESTORE VSP_DEFINE_RESTORE(EvtVmbChannelRestorePacket, StorRecordOps)

#endif /* VSPC_SAMPLES_STORAGE_REQUEST_H */
