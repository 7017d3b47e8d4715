// Fuzzes the container inspect parser: the whole input is the engine's untrusted answer.
#include "discovery/container_inspect.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    auto parsed = autoscrape::discovery::parse_container_inspect(json);
    // A parsed time must be finite: it becomes a sample value.
    if (parsed && !(parsed.value().started_at_seconds == parsed.value().started_at_seconds)) __builtin_trap();
    return 0;
}
