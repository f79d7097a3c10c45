#include "Kmcl.h"

#include <algorithm>
#include <array>

#include "VspConformance.h"

namespace vspc {
namespace {

constexpr uint32_t kChannelMagic = 0x4C4E4843;  // "CHNL"
constexpr uint32_t kPacketMagic = 0x544B4350;   // "PCKT"

// The live worlds, so that a handle from a module can be checked before use.
std::array<Kmcl *, 4> g_worlds{};

}  // namespace

Kmcl::Kmcl() : channels_{}, pool_{} {
    for (auto &w : g_worlds)
        if (!w) {
            w = this;
            break;
        }
}

Kmcl::~Kmcl() {
    for (auto &w : g_worlds)
        if (w == this) w = nullptr;
}

Kmcl *Kmcl::OwnerOf(const void *handle) {
    auto p = reinterpret_cast<uintptr_t>(handle);
    for (Kmcl *w : g_worlds) {
        if (!w) continue;
        auto pool = reinterpret_cast<uintptr_t>(w->pool_), channels = reinterpret_cast<uintptr_t>(w->channels_);
        if ((p >= pool && p < pool + sizeof(w->pool_)) || (p >= channels && p < channels + sizeof(w->channels_)))
            return w;
    }
    return nullptr;
}

FakeChannel *Kmcl::NewChannel() {
    if (channel_count_ == 4) return nullptr;
    FakeChannel *c = &channels_[channel_count_++];
    *c = FakeChannel{kChannelMagic, this, nullptr, nullptr, nullptr, 0};
    return c;
}

FakePacket *Kmcl::Allocate(FakeChannel *channel, bool from_module) {
    for (FakePacket &p : pool_) {
        if (!p.in_use) {
            p = FakePacket{kPacketMagic, next_id_++, this, channel, nullptr, true, from_module};
            return &p;
        }
    }
    return nullptr;
}

FakePacket *Kmcl::NewPacket(FakeChannel *channel) { return Allocate(channel, false); }

void Kmcl::FreePacket(FakePacket *packet) {
    if (packet) packet->in_use = false;
}

FakePacket *Kmcl::AsPacket(const void *handle) {
    auto *pk = const_cast<FakePacket *>(static_cast<const FakePacket *>(handle));
    if (pk < pool_ || pk >= pool_ + kPacketPoolSize) return nullptr;
    return pk->magic == kPacketMagic && pk->in_use ? pk : nullptr;
}

int Kmcl::PacketsInUse() const {
    return static_cast<int>(
        std::count_if(std::begin(pool_), std::end(pool_), [](const FakePacket &p) { return p.in_use; }));
}

int Kmcl::ModulePacketsInUse() const {
    return static_cast<int>(std::count_if(std::begin(pool_), std::end(pool_),
                                          [](const FakePacket &p) { return p.in_use && p.from_module; }));
}

namespace {

FakeChannel *AsChannel(VMBCHANNEL c) {
    auto *ch = reinterpret_cast<FakeChannel *>(c);
    Kmcl *w = Kmcl::OwnerOf(ch);
    return w && ch->magic == kChannelMagic && ch->owner == w ? ch : nullptr;
}

FakePacket *AsPacket(VMBPACKET p) {
    Kmcl *w = Kmcl::OwnerOf(p);
    return w ? w->AsPacket(p) : nullptr;
}

}  // namespace
}  // namespace vspc

using vspc::AsChannel;
using vspc::AsPacket;

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
    vspc::RestoreWatch &w = ch->owner->Watch();
    vspc::FakePacket *p = ch->owner->Allocate(ch, true);
    if (p && w.active) {
        if (w.allocations < vspc::kMaxWatchedAllocations) w.allocated[w.allocations] = p;
        ++w.allocations;
    }
    return reinterpret_cast<VMBPACKET>(p);
}

VOID VmbPacketFree(VMBPACKET PacketObject) {
    vspc::FakePacket *p = AsPacket(PacketObject);
    if (!p) return;
    vspc::RestoreWatch &w = p->owner->Watch();
    if (!p->from_module) {  // the tester owns it: note the misuse, keep the object
        ++w.foreign_frees;
        return;
    }
    if (w.active) {
        for (int i = 0; i < w.allocations && i < vspc::kMaxWatchedAllocations; ++i)
            if (w.allocated[i] == p) ++w.frees_of_allocated;
        if (w.bound == p) w.bound = nullptr;
    }
    p->in_use = false;
}

NTSTATUS VmbPacketRestore(VMBPACKET PacketObject, PVOID Buffer, UINT32 BufferSize) {
    vspc::FakePacket *p = AsPacket(PacketObject);
    if (!p) return STATUS_INVALID_PARAMETER;
    vspc::RestoreWatch &w = p->owner->Watch();
    if (w.active) {
        ++w.restore_calls;
        if (Buffer != w.lib_buf || BufferSize != w.lib_buf_size) w.lib_buf_exact = false;
        bool ours = false;
        for (int i = 0; i < w.allocations && i < vspc::kMaxWatchedAllocations; ++i) ours |= w.allocated[i] == p;
        if (!ours) w.restored_foreign = true;
        w.bound = p;
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
