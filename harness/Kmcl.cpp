#include "Kmcl.h"

#include <cstring>

#include "VspConformance.h"

namespace vspc {
namespace {

constexpr uint32_t kChannelMagic = 0x4C4E4843;  // "CHNL"
constexpr uint32_t kPacketMagic = 0x544B4350;   // "PCKT"

FakeChannel g_channel_storage[4];
int g_channels = 0;
FakePacket g_pool[kPacketPoolSize];
uint32_t g_next_id = 1;
RestoreWatch g_watch;

FakeChannel *AsChannel(VMBCHANNEL c) {
    auto *ch = reinterpret_cast<FakeChannel *>(c);
    return ch && ch->magic == kChannelMagic ? ch : nullptr;
}

FakePacket *AsPacket(VMBPACKET p) {
    auto *pk = reinterpret_cast<FakePacket *>(p);
    if (pk < g_pool || pk >= g_pool + kPacketPoolSize) return nullptr;
    return pk->magic == kPacketMagic && pk->in_use ? pk : nullptr;
}

FakePacket *Allocate(FakeChannel *channel, bool from_module) {
    for (FakePacket &p : g_pool) {
        if (!p.in_use) {
            p = FakePacket{kPacketMagic, g_next_id++, channel, nullptr, true, from_module};
            return &p;
        }
    }
    return nullptr;
}

}  // namespace

FakeChannel *Kmcl::NewChannel() {
    if (g_channels == 4) return nullptr;
    FakeChannel *c = &g_channel_storage[g_channels++];
    *c = FakeChannel{kChannelMagic, nullptr, nullptr, nullptr, 0};
    return c;
}

FakePacket *Kmcl::NewPacket(FakeChannel *channel) { return Allocate(channel, false); }

void Kmcl::FreePacket(FakePacket *packet) {
    if (packet) packet->in_use = false;
}

RestoreWatch &Kmcl::Watch() { return g_watch; }

int Kmcl::PacketsInUse() {
    int n = 0;
    for (const FakePacket &p : g_pool) n += p.in_use;
    return n;
}

}  // namespace vspc

using vspc::AsChannel;
using vspc::AsPacket;
using vspc::g_watch;

extern "C" {

NTSTATUS VmbServerChannelInitSetSaveRestorePacketCallbacks(VMBCHANNEL Channel, PFN_VMB_CHANNEL_SAVE_PACKET SavePacket,
                                                           PFN_VMB_CHANNEL_RESTORE_PACKET RestorePacket) {
    vspc::FakeChannel *ch = AsChannel(Channel);
    if (!ch || !SavePacket) return STATUS_INVALID_PARAMETER;
    ch->save = reinterpret_cast<vspc::SaveFn>(SavePacket);
    ch->restore = reinterpret_cast<vspc::RestoreFn>(RestorePacket);
    ++ch->registrations;
    return STATUS_SUCCESS;
}

VMBPACKET VmbPacketAllocate(VMBCHANNEL Channel) {
    vspc::FakeChannel *ch = AsChannel(Channel);
    if (!ch) return nullptr;
    vspc::FakePacket *p = vspc::Allocate(ch, true);
    if (p && g_watch.active && g_watch.allocations < 8)
        g_watch.allocated[g_watch.allocations++] = p;
    else if (p && g_watch.active)
        ++g_watch.allocations;
    return reinterpret_cast<VMBPACKET>(p);
}

VOID VmbPacketFree(VMBPACKET PacketObject) {
    vspc::FakePacket *p = AsPacket(PacketObject);
    if (!p) return;
    if (!p->from_module) {  // the tester owns it: note the misuse, keep the object
        ++g_watch.foreign_frees;
        return;
    }
    if (g_watch.active) {
        for (int i = 0; i < g_watch.allocations && i < 8; ++i)
            if (g_watch.allocated[i] == p) ++g_watch.frees_of_allocated;
        if (g_watch.bound == p) g_watch.bound = nullptr;
    }
    p->in_use = false;
}

NTSTATUS VmbPacketRestore(VMBPACKET PacketObject, PVOID Buffer, UINT32 BufferSize) {
    vspc::FakePacket *p = AsPacket(PacketObject);
    if (!p) return STATUS_INVALID_PARAMETER;
    if (g_watch.active) {
        ++g_watch.restore_calls;
        if (Buffer != g_watch.lib_buf || BufferSize != g_watch.lib_buf_size) g_watch.lib_buf_exact = false;
        bool ours = false;
        for (int i = 0; i < g_watch.allocations && i < 8; ++i) ours |= g_watch.allocated[i] == p;
        if (!ours) g_watch.restored_foreign = true;
        g_watch.bound = p;
    }
    return STATUS_SUCCESS;
}

VOID VmbPacketSetPointer(VMBPACKET PacketObject, PVOID Pointer) {
    if (vspc::FakePacket *p = AsPacket(PacketObject)) p->context = Pointer;
}

PVOID VmbPacketGetPointer(VMBPACKET PacketObject) {
    vspc::FakePacket *p = AsPacket(PacketObject);
    return p ? p->context : nullptr;
}

VMBCHANNEL VmbPacketGetChannel(VMBPACKET PacketObject) {
    vspc::FakePacket *p = AsPacket(PacketObject);
    return p ? reinterpret_cast<VMBCHANNEL>(p->channel) : nullptr;
}

VOID VmbChannelSetPointer(VMBCHANNEL Channel, PVOID Pointer) {
    if (vspc::FakeChannel *ch = AsChannel(Channel)) ch->context = Pointer;
}

PVOID VmbChannelGetPointer(VMBCHANNEL Channel) {
    vspc::FakeChannel *ch = AsChannel(Channel);
    return ch ? ch->context : nullptr;
}

}  // extern "C"
