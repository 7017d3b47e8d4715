// Exporter pairing: which container an exporter exports, so its series carry the service's name.
//
// A container labelled `autoscrape.exporter-for=<container>` names it; an exporter profile
// (exporter_for set: postgres_exporter, neo4j_exporter, ...) is paired through the host its
// environment tells it to connect to (DATA_SOURCE_NAME, NEO4J_URI, ...), read from inspect.
// Those variables carry credentials: only the host is parsed out, nothing else is kept or logged.
// Pure: no I/O.
#pragma once

#include "config/config.hpp"
#include "discovery/docker_model.hpp"
#include "discovery/profile.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace autoscrape::discovery {

struct EngineState;

// The host in one connection string, empty when there is none (or it is a unix socket path).
// Forms: URLs `postgresql://user:pass@host:5432/db?...`, `bolt://host:7687`, `redis://:pw@host`
// (IPv6 `[fd00::1]` comes back without brackets); libpq key=value `host=db user=u password=p`;
// postgres_exporter's DATA_SOURCE_URI `host:5432/db?sslmode=disable`; mysql's
// `user:pass@tcp(host:3306)/`; plain `host:port`. The first of several hosts.
std::string connection_host(std::string_view dsn);

// The host an exporter connects to, from `NAME=value` environment entries: the first non-empty of
// DATA_SOURCE_NAME, DATA_SOURCE_URI, NEO4J_URI, REDIS_ADDR. Empty when none names a host.
std::string exporter_target_host(const std::vector<std::string>& env);

// True for a container whose pairing needs its environment: its profile exports another service
// and no autoscrape.exporter-for label names the exported container already.
bool needs_exporter_inspect(const Container& container, const config::Profile* profile);

// True for a container that names the container it exports: an autoscrape.exporter-for label, or
// an inspected host in state.exporter_hosts.
bool names_exported(const Container& container, const EngineState& state);

// The containers on watched networks under every name an exporter may use for them, built once per
// update (O(containers)) so that pairing many exporters stays cheap. Points into `state`, which
// must outlive it unchanged.
class ExportedIndex {
public:
    ExportedIndex(const EngineState& state, const config::DockerConfig& docker);

    // The container `host` names: by container name, IP on a watched network, id (12+ hex
    // characters), else compose service (the exporter's compose project first). Never the
    // exporter itself; nullptr when none.
    const Container* resolve(std::string_view host, const Container& exporter) const;

private:
    std::map<std::string, const Container*, std::less<>> by_name_;
    std::map<std::string, const Container*, std::less<>> by_ip_;
    std::map<std::string, const Container*, std::less<>> by_id_;
    std::multimap<std::string, const Container*, std::less<>> by_service_;
};

// __meta_autoscrape_exported_container and _exported_service for an exporter, empty when the
// container is not one or its host is unknown. `inspected_host` is exporter_target_host() of its
// environment (empty when not inspected). Unresolved hosts are kept as written; the service is
// then the exported profile's job (exporter profiles) or the host (label).
std::map<std::string, std::string> exporter_labels(const Container& exporter, const config::Profile* profile,
                                                   const std::string& inspected_host, const ExportedIndex& exported,
                                                   const ServiceProfiles& profiles);

}  // namespace autoscrape::discovery
