#include "Sha256.h"

#include <openssl/evp.h>

namespace vspc {

std::string Sha256Hex(const void *data, size_t size) {
    static const char *digits = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data, size, md, &len, EVP_sha256(), nullptr);
    std::string hex;
    for (unsigned int i = 0; i < len; ++i) {
        hex += digits[md[i] >> 4];
        hex += digits[md[i] & 15];
    }
    return hex;
}

}  // namespace vspc
