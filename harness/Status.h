// NTSTATUS values as the tester sees them: names for reports and traces.
#pragma once

#include <cstdint>
#include <string>

namespace vspc {

using NtStatus = int32_t;

constexpr NtStatus kStatusSuccess = 0;
constexpr NtStatus kStatusBufferOverflow = static_cast<NtStatus>(0x80000005u);
constexpr NtStatus kStatusUnsuccessful = static_cast<NtStatus>(0xC0000001u);
constexpr NtStatus kStatusBufferTooSmall = static_cast<NtStatus>(0xC0000023u);
constexpr NtStatus kStatusInvalidParameter = static_cast<NtStatus>(0xC000000Du);
constexpr NtStatus kStatusNoMemory = static_cast<NtStatus>(0xC0000017u);
constexpr NtStatus kStatusInsufficientResources = static_cast<NtStatus>(0xC000009Au);

inline bool NtSuccess(NtStatus s) { return s >= 0; }

// "STATUS_BUFFER_TOO_SMALL (0xC0000023)", or just the hex value for unknown codes.
std::string StatusName(NtStatus s);

}  // namespace vspc
