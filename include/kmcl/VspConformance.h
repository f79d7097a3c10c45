/*
 * VspConformance.h - the test hooks a VSP module exports for vspconform
 * (module ABI v1). C only. Include it after VmbusKernelModeClientLibApi.h.
 *
 * A module provides its save/restore callbacks either as exported
 * EvtVmbChannelSavePacket / EvtVmbChannelRestorePacket, or by exporting
 * VspConformanceInitChannel, which registers them through
 * VmbServerChannelInitSetSaveRestorePacketCallbacks like the driver does.
 *
 * VspConformancePreparePacket builds the packet's in-flight VSP state from the
 * seed bytes. The state must be a function of the seed alone (no global
 * counters, clocks or addresses in it): vspconform compares saves of equal
 * seeds across packets and runs. Return a failure status when the seed makes
 * no sense to the module; that case is skipped, not reported. Every build of the
 * module must map a seed to the same logical state (vspconform compat compares
 * one build's restore of another build's record with its own state of the same
 * seed): keep the seed layout stable across releases, and reject a seed whose
 * state this build cannot represent (e.g. bytes reserved for a later field).
 *
 * VspConformanceReleasePacket drops the VSP state attached to Packet; it never
 * frees the packet object (the tester owns every packet object, including the
 * ones the module allocated with VmbPacketAllocate during a restore).
 */
#ifndef VSPCONFORM_VSP_CONFORMANCE_H
#define VSPCONFORM_VSP_CONFORMANCE_H

#include "VmbusKernelModeClientLibApi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VSP_CONFORMANCE_ABI_VERSION 1

#if defined(__GNUC__) || defined(__clang__)
#define VSP_CONFORMANCE_EXPORT __attribute__((visibility("default")))
#else
#define VSP_CONFORMANCE_EXPORT
#endif

VSP_CONFORMANCE_EXPORT NTSTATUS VspConformanceInitChannel(_In_ VMBCHANNEL Channel);

VSP_CONFORMANCE_EXPORT NTSTATUS VspConformancePreparePacket(
    _In_ VMBCHANNEL Channel, _In_ VMBPACKET Packet,
    _In_reads_bytes_(SeedSize) const UINT8 *Seed, _In_ UINT32 SeedSize,
    _Out_ BOOLEAN *HasState);

VSP_CONFORMANCE_EXPORT VOID VspConformanceReleasePacket(_In_ VMBCHANNEL Channel,
                                                        _In_ VMBPACKET Packet);

#ifdef __cplusplus
}
#endif

#endif /* VSPCONFORM_VSP_CONFORMANCE_H */
