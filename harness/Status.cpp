#include "Status.h"

#include <fmt/format.h>

namespace vspc {

std::string StatusName(NtStatus s) {
    const char *name = nullptr;
    switch (static_cast<uint32_t>(s)) {
    case 0x00000000u: name = "STATUS_SUCCESS"; break;
    case 0x80000005u: name = "STATUS_BUFFER_OVERFLOW"; break;
    case 0xC0000001u: name = "STATUS_UNSUCCESSFUL"; break;
    case 0xC0000002u: name = "STATUS_NOT_IMPLEMENTED"; break;
    case 0xC000000Du: name = "STATUS_INVALID_PARAMETER"; break;
    case 0xC0000017u: name = "STATUS_NO_MEMORY"; break;
    case 0xC0000023u: name = "STATUS_BUFFER_TOO_SMALL"; break;
    case 0xC000003Eu: name = "STATUS_DATA_ERROR"; break;
    case 0xC0000059u: name = "STATUS_REVISION_MISMATCH"; break;
    case 0xC000009Au: name = "STATUS_INSUFFICIENT_RESOURCES"; break;
    case 0xC00000BBu: name = "STATUS_NOT_SUPPORTED"; break;
    case 0xC0000206u: name = "STATUS_INVALID_BUFFER_SIZE"; break;
    default: break;
    }
    if (name) return fmt::format("{} (0x{:08X})", name, static_cast<uint32_t>(s));
    return fmt::format("0x{:08X}", static_cast<uint32_t>(s));
}

}  // namespace vspc
