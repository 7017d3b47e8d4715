// Fuzzes the Docker JSON parsers and target-group building (with the built-in profiles and
// exporter pairing): the first byte picks the parser (container list, network list, event,
// version), the rest is the engine's untrusted answer.
#include "config/builtin.hpp"
#include "discovery/docker_model.hpp"
#include "discovery/exporter_pairing.hpp"
#include "discovery/target_group.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace autoscrape::discovery;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view json(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 4) {
        case 0: {
            auto containers = parse_container_list(json);
            if (!containers) return 0;
            static const ServiceProfiles profiles(autoscrape::config::builtin_profiles(),
                                                  {"http_2xx", "tcp_connect", "postgres", "bolt"});
            EngineState state;
            for (const auto& c : containers.value()) {
                state.containers.emplace(c.id, c);
                // Any label value may stand for an exporter's connection string.
                if (!c.labels.empty()) state.exporter_hosts[c.id] = connection_host(c.labels.begin()->second);
            }
            autoscrape::config::DockerConfig config;
            config.networks = {"shared-network", "bridge", "host"};
            for (const auto& [id, c] : state.containers) {
                for (const auto& [name, ep] : c.networks) config.networks.push_back(name);
                (void)build_target_group(c, state, config, profiles);
            }
            return 0;
        }
        case 1: (void)parse_network_list(json); return 0;
        case 2: (void)parse_event(json); return 0;
        default: (void)parse_version(json); return 0;
    }
}
