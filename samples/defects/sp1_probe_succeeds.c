/*
 * SP1: the save callback was left as the bring-up stub that reports "nothing
 * to save" (STATUS_SUCCESS, *BytesNeeded = 0) although the packet carries an
 * in-flight request, so the request is silently lost on save.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    UNREFERENCED_PARAMETER(Channel);
    UNREFERENCED_PARAMETER(Packet);
    UNREFERENCED_PARAMETER(SaveBuf);
    UNREFERENCED_PARAMETER(SaveBufSize);
    *BytesNeeded = 0; /* TODO: save the request */
    return STATUS_SUCCESS;
}
