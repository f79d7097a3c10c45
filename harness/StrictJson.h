// Strict reading of JSON objects, for the codecs (Finding, Protocol): every
// field is checked for presence, type and range, and a problem is thrown as a
// one-line message naming the field, for the codec to return as its error.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace vspc {

struct JsonError {
    std::string what;
};

class StrictJson {
public:
    StrictJson(const nlohmann::json &j, std::string where) : j_(j), where_(std::move(where)) {}

    const nlohmann::json &At(const char *key) const {
        if (!j_.is_object() || !j_.contains(key)) Fail(key, "is missing");
        return j_.at(key);
    }
    bool IsNull(const char *key) const { return At(key).is_null(); }
    std::string Str(const char *key) const {
        const auto &v = At(key);
        if (!v.is_string()) Fail(key, "is not a string");
        return v.get<std::string>();
    }
    bool Bool(const char *key) const {
        const auto &v = At(key);
        if (!v.is_boolean()) Fail(key, "is not a boolean");
        return v.get<bool>();
    }
    double Num(const char *key) const {
        const auto &v = At(key);
        if (!v.is_number()) Fail(key, "is not a number");
        return v.get<double>();
    }
    template <typename T>
    T Int(const char *key, T max = std::numeric_limits<T>::max()) const {
        const auto &v = At(key);
        if (!v.is_number_integer()) Fail(key, "is not an integer");
        if constexpr (std::is_unsigned_v<T>) {
            if (!v.is_number_unsigned() && v.get<int64_t>() < 0) Fail(key, "is negative");
            if (v.get<uint64_t>() > max) Fail(key, "is out of range");
            return static_cast<T>(v.get<uint64_t>());
        } else {
            int64_t x = v.get<int64_t>();
            if (x < std::numeric_limits<T>::min() || x > max) Fail(key, "is out of range");
            return static_cast<T>(x);
        }
    }
    std::vector<std::string> Strings(const char *key) const {
        const auto &v = At(key);
        if (!v.is_array()) Fail(key, "is not an array");
        std::vector<std::string> out;
        for (const auto &e : v) {
            if (!e.is_string()) Fail(key, "holds a non-string");
            out.push_back(e.get<std::string>());
        }
        return out;
    }
    template <typename E>
    E Enum(const char *key, std::initializer_list<E> values, std::string_view (*namer)(E)) const {
        std::string s = Str(key);
        for (E e : values)
            if (namer(e) == s) return e;
        Fail(key, fmt::format("has an unknown value '{}'", s));
    }
    StrictJson Object(const char *key) const { return StrictJson(At(key), fmt::format("{}.{}", where_, key)); }

private:
    [[noreturn]] void Fail(const char *key, std::string_view what) const {
        throw JsonError{fmt::format("{}: '{}' {}", where_, key, what)};
    }
    const nlohmann::json &j_;
    std::string where_;
};

}  // namespace vspc
