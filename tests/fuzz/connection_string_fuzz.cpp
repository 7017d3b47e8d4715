// Fuzzes what exporter pairing and the autoscrape.probe label read from untrusted container data:
// the first byte picks connection_host (a DSN), exporter_target_host (newline-separated env
// entries) or parse_probe_label; the rest is the input.
#include "config/builtin.hpp"
#include "discovery/exporter_pairing.hpp"
#include "discovery/profile.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace autoscrape::discovery;

namespace {

std::vector<std::string> lines(std::string_view input) {
    std::vector<std::string> out;
    while (!input.empty()) {
        const auto nl = input.find('\n');
        out.emplace_back(input.substr(0, nl));
        if (nl == std::string_view::npos) break;
        input.remove_prefix(nl + 1);
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 3) {
        case 0: (void)connection_host(input); return 0;
        case 1: (void)exporter_target_host(lines(input)); return 0;
        default: {
            static const auto modules = [] {
                std::set<std::string, std::less<>> names;
                for (const auto& [name, module] : autoscrape::config::builtin_probe_modules()) names.insert(name);
                return names;
            }();
            (void)parse_probe_label(input, modules, [](std::string_view m) { return std::uint16_t(m.size() % 2 * 80); });
            return 0;
        }
    }
}
