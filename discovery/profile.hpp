// Service profiles applied to containers: which profile a container matches, and the
// `__meta_autoscrape_*` labels that say where its metrics are and what to probe.
//
// A profile matches on the image (its regex, anchored, against the repository path without
// registry, tag or digest, or against the repository with its registry) and on container labels
// (every listed label present and matching, anchored). Profiles are tried in config order (the
// user's first, then the built-ins, see config/builtin.hpp); the first match wins.
// Pure: no I/O, deterministic.
#pragma once

#include "config/config.hpp"
#include "discovery/docker_model.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace autoscrape::discovery {

// `registry:5000/ns/img:tag@sha256:...` -> `registry:5000/ns/img` (tag and digest dropped).
std::string image_repository(std::string_view image);

// The repository without its registry and Docker Hub's `library/`: `docker.io/library/postgres:16`
// -> `postgres`, `ghcr.io/mlflow/mlflow` -> `mlflow/mlflow`, `localhost:5000/minio/minio` ->
// `minio/minio`. A first component is a registry when it has a '.' or ':' or is `localhost`.
std::string image_path(std::string_view image);

struct ProbeTarget {
    std::string module;
    std::uint16_t port = 0;
    bool operator==(const ProbeTarget&) const = default;
};

struct ProbeLabel {
    bool present = false;  // the container has an autoscrape.probe label; it replaces the profile's probes
    std::vector<ProbeTarget> probes;
    std::vector<std::string> errors;  // one per skipped entry, quoting it
};

// Parses `autoscrape.probe`: `module[:port][,module[:port]...]`, or `false`/`none` for no probes.
// A module without a port takes `default_port(module)`; 0 from it skips the entry as an error.
// Unknown modules, bad ports and empty entries are skipped with an error each.
ProbeLabel parse_probe_label(std::string_view value, const std::set<std::string, std::less<>>& modules,
                             const std::function<std::uint16_t(std::string_view)>& default_port);

// `module:port,module:port`, as `__meta_autoscrape_probes` carries it.
std::string format_probes(const std::vector<ProbeTarget>& probes);

class ServiceProfiles {
public:
    ServiceProfiles() = default;  // no profiles and no probe modules
    // Throws std::invalid_argument for a regex RE2 rejects (the loader has checked them already).
    ServiceProfiles(std::vector<config::Profile> profiles, std::set<std::string, std::less<>> modules);
    // config.profiles (the loader appended the built-ins) and the names of config.probes.modules.
    explicit ServiceProfiles(const config::Config& config);

    // The first profile that matches, nullptr if none does.
    const config::Profile* match(const Container& container) const;
    const config::Profile* find(std::string_view name) const;
    const std::set<std::string, std::less<>>& modules() const { return modules_; }

private:
    struct Compiled {
        config::Profile profile;
        std::shared_ptr<const re2::RE2> image;  // null: any image
        std::vector<std::pair<std::string, std::shared_ptr<const re2::RE2>>> labels;
    };
    std::vector<Compiled> profiles_;
    std::set<std::string, std::less<>> modules_;
};

// The container-level profile labels of the contract for a container and the profile it matched
// (nullptr: none): __meta_autoscrape_profile (always), _job, _metrics_port/_path/_scheme (when the
// profile has metrics) and _probes. Problems with the container's autoscrape.probe label are
// appended to `warnings`; `profiles` gives the known probe modules.
std::map<std::string, std::string> profile_labels(const Container& container, const config::Profile* profile,
                                                  const ServiceProfiles& profiles, std::vector<std::string>& warnings);

}  // namespace autoscrape::discovery
