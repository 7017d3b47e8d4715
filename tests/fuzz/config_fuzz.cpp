// libFuzzer target for the configuration loader: any input either loads or throws ConfigError.
// Any other exception, a crash, a leak or undefined behaviour is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "config/dump.hpp"
#include "config/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace cfg = autoscrape::config;
    const std::string_view yaml(reinterpret_cast<const char*>(data), size);
    cfg::Config config;
    try {
        config = cfg::load_config_string(yaml, "fuzz.yaml");
    } catch (const cfg::ConfigError&) {
        return 0;
    }
    // Whatever loads must dump, and the dump must load again: a ConfigError here is a finding too.
    const auto text = cfg::dump_config(config);
    try {
        cfg::load_config_string(text, "dump.yaml");
    } catch (const cfg::ConfigError& e) {
        std::fprintf(stderr, "dump does not load back:\n%s\n--- dump:\n%s\n", e.what(), text.c_str());
        std::abort();
    }
    return 0;
}
