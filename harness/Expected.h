// The one way the engine reports an error it can explain: a value or a one-line message that
// says what is wrong and what to do, in the shape of C++23's std::expected (which clang 14's
// library lacks), so it can become that later.
//   Expected<Target> t = PrepareTarget(...);   if (!t) return Fail(t.error());
//   Expected<void> ok = CheckSomething();       if (!ok) ...
//   return Unexpected("cannot read '{}': {}", path, why);
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace vspc {

struct Unexpected {
    std::string message;
    explicit Unexpected(std::string m) : message(std::move(m)) {}
    template <typename... Args>
    explicit Unexpected(fmt::format_string<Args...> f, Args &&...args)
        : message(fmt::format(f, std::forward<Args>(args)...)) {}
};

template <typename T>
class [[nodiscard]] Expected {
public:
    Expected(T value) : v_(std::move(value)) {}                                   // NOLINT: implicit, as std::expected
    Expected(Unexpected e) : v_(std::in_place_index<1>, std::move(e.message)) {}  // NOLINT
    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }
    T &value() { return std::get<0>(v_); }
    const T &value() const { return std::get<0>(v_); }
    T &operator*() { return value(); }
    const T &operator*() const { return value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    const std::string &error() const { return std::get<1>(v_); }

private:
    std::variant<T, std::string> v_;
};

template <>
class [[nodiscard]] Expected<void> {
public:
    Expected() = default;
    Expected(Unexpected e) : error_(std::move(e.message)) {}  // NOLINT
    bool has_value() const { return !error_; }
    explicit operator bool() const { return has_value(); }
    const std::string &error() const { return *error_; }

private:
    std::optional<std::string> error_;
};

}  // namespace vspc
