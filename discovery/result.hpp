// A small value-or-error result for discovery's hot paths (JSON parsing, API calls): failures are
// expected there (Docker restarts, garbage input), so they are values, not exceptions.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace autoscrape::discovery {

struct Error {
    std::string message;
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

// For calls that succeed with nothing to return.
struct Ok {};

}  // namespace autoscrape::discovery
