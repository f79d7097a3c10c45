// message_fuzzer: the supervisor's parser of worker messages (DecodeMessage) as a libFuzzer
// target. A worker's pipe carries whatever the module under test writes into it, so every
// input must decode to a Message or a ProtocolError: no exception, no crash, no hang, and a
// message that decodes encodes back to one that decodes to the same (tests/CMakeLists.txt runs
// it for a few thousand inputs under ASan; fuzz/message_corpus holds its seeds).
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "Protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view line(reinterpret_cast<const char *>(data), size);
    auto decoded = vspc::DecodeMessage(line);
    if (auto *m = std::get_if<vspc::Message>(&decoded)) {
        std::string again = vspc::EncodeMessage(*m);
        auto twice = vspc::DecodeMessage(again);
        auto *m2 = std::get_if<vspc::Message>(&twice);
        if (!m2 || !(*m2 == *m)) {
            std::fprintf(stderr, "message_fuzzer: a decoded message does not survive its own encoding: %s\n",
                         again.c_str());
            std::abort();
        }
    }
    return 0;
}
