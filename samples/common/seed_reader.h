/*
 * seed_reader.h - a small bounded little-endian byte reader shared by every
 * sample, for both of the untrusted byte strings a module sees:
 *
 *  - seeds (VspConformancePreparePacket): any byte string is a valid seed;
 *    bytes past the end read as zero, so short seeds are zero-padded;
 *  - saved records (restore): the parser checks Overrun and rejects a record
 *    that was shorter than it claimed.
 *
 * A read never touches memory outside [Data, Data + Size), whatever is asked.
 */
#ifndef VSPC_SAMPLES_SEED_READER_H
#define VSPC_SAMPLES_SEED_READER_H

#include "VmbusKernelModeClientLibApi.h"

typedef struct BYTE_READER {
    const UINT8 *Data;
    UINT32 Size;
    UINT32 Pos;
    BOOLEAN Overrun; /* a read went past the end (it yielded zeros) */
} BYTE_READER;

static inline void ReaderInit(BYTE_READER *R, const void *Data, UINT32 Size)
{
    R->Data = (const UINT8 *)Data;
    R->Size = Data != NULL ? Size : 0;
    R->Pos = 0;
    R->Overrun = FALSE;
}

static inline UINT32 ReaderRemaining(const BYTE_READER *R)
{
    return R->Size - R->Pos;
}

static inline UINT8 ReadU8(BYTE_READER *R)
{
    if (R->Pos >= R->Size) {
        R->Overrun = TRUE;
        return 0;
    }
    return R->Data[R->Pos++];
}

/* Reads Width (1..8) bytes as a little-endian unsigned integer. */
static inline UINT64 ReadLe(BYTE_READER *R, UINT32 Width)
{
    UINT64 Value = 0;
    UINT32 i;

    for (i = 0; i < Width; i++) {
        Value |= (UINT64)ReadU8(R) << (8 * i);
    }
    return Value;
}

static inline UINT16 ReadU16(BYTE_READER *R) { return (UINT16)ReadLe(R, 2); }
static inline UINT32 ReadU32(BYTE_READER *R) { return (UINT32)ReadLe(R, 4); }
static inline UINT64 ReadU64(BYTE_READER *R) { return ReadLe(R, 8); }

/* Copies Length bytes to Dst (zeros past the end). */
static inline void ReadBytes(BYTE_READER *R, UINT8 *Dst, UINT32 Length)
{
    UINT32 i;

    for (i = 0; i < Length; i++) {
        Dst[i] = ReadU8(R);
    }
}

/* Moves to absolute offset Pos (clamped to the end, which sets Overrun). */
static inline void ReaderSeek(BYTE_READER *R, UINT32 Pos)
{
    if (Pos > R->Size) {
        R->Overrun = TRUE;
        Pos = R->Size;
    }
    R->Pos = Pos;
}

#endif /* VSPC_SAMPLES_SEED_READER_H */
