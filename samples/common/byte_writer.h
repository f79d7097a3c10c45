/*
 * byte_writer.h - explicit little-endian serialization into a record buffer.
 * Records are written field by field, never by copying a C struct (no padding,
 * no host byte order in the saved format). The caller has already checked that
 * the buffer holds the whole record.
 */
#ifndef VSPC_SAMPLES_BYTE_WRITER_H
#define VSPC_SAMPLES_BYTE_WRITER_H

#include "VmbusKernelModeClientLibApi.h"

typedef struct BYTE_WRITER {
    UINT8 *Data;
    UINT32 Pos;
} BYTE_WRITER;

static inline void WriterInit(BYTE_WRITER *W, void *Data)
{
    W->Data = (UINT8 *)Data;
    W->Pos = 0;
}

/* Writes the low Width (1..8) bytes of Value, least significant first. */
static inline void WriteLe(BYTE_WRITER *W, UINT64 Value, UINT32 Width)
{
    UINT32 i;

    for (i = 0; i < Width; i++) {
        W->Data[W->Pos++] = (UINT8)(Value >> (8 * i));
    }
}

static inline void WriteU8(BYTE_WRITER *W, UINT8 Value) { WriteLe(W, Value, 1); }
static inline void WriteU16(BYTE_WRITER *W, UINT16 Value) { WriteLe(W, Value, 2); }
static inline void WriteU32(BYTE_WRITER *W, UINT32 Value) { WriteLe(W, Value, 4); }
static inline void WriteU64(BYTE_WRITER *W, UINT64 Value) { WriteLe(W, Value, 8); }

static inline void WriteBytes(BYTE_WRITER *W, const UINT8 *Src, UINT32 Length)
{
    UINT32 i;

    for (i = 0; i < Length; i++) {
        W->Data[W->Pos++] = Src[i];
    }
}

#endif /* VSPC_SAMPLES_BYTE_WRITER_H */
