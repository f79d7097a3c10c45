// case_fuzzer: the case decoder (DecodeCase) as a libFuzzer target. Case files come from
// anywhere (corpora, reports, other builds' fuzzers) and the status block's case bytes from the
// worker the module runs in: decoding is total (any bytes are a case) and the encoding is
// canonical, so Decode(Encode(Decode(x))) == Decode(x). tests/CMakeLists.txt runs it for a few
// thousand inputs under ASan.
#include <cstdio>
#include <cstdlib>

#include "Case.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vspc::Case c;
    vspc::DecodeCase(data, size, c);
    std::vector<uint8_t> bytes = vspc::EncodeCase(c);
    vspc::Case again = vspc::DecodeCase(bytes);
    if (!(again == c)) {
        std::fprintf(stderr, "case_fuzzer: Decode(Encode(c)) != c for a decoded case\n");
        std::abort();
    }
    return 0;
}
