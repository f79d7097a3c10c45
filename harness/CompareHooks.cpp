// The 1- and 2-byte compare hooks of a coverage-instrumented module (-fsanitize=fuzzer-no-link
// emits calls to them; the hosts export them, harness/host.dynlist). libFuzzer's own take no
// part in a coverage build's exploration (they only feed its value profile, which is off there:
// Worker.cpp), so the hosts link libFuzzer with these four made weak (CMakeLists.txt) and define
// them here: the operands go to the host's table of narrow comparisons (Compares.h).
#include <cstdint>

#include "Compares.h"

extern "C" {

__attribute__((visibility("default"))) void __sanitizer_cov_trace_cmp1(uint8_t a, uint8_t b) {
    vspc::RecordNarrowCompare(a, b, 1);
}
__attribute__((visibility("default"))) void __sanitizer_cov_trace_const_cmp1(uint8_t a, uint8_t b) {
    vspc::RecordNarrowCompare(a, b, 1);
}
__attribute__((visibility("default"))) void __sanitizer_cov_trace_cmp2(uint16_t a, uint16_t b) {
    vspc::RecordNarrowCompare(a, b, 2);
}
__attribute__((visibility("default"))) void __sanitizer_cov_trace_const_cmp2(uint16_t a, uint16_t b) {
    vspc::RecordNarrowCompare(a, b, 2);
}

}  // extern "C"
