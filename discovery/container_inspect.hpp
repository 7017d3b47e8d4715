// The few facts of `GET /containers/<id>/json` (inspect) that the container list lacks: the main
// process, when it started, how often it restarted, its health, and its environment.
//
// Parsing is pure and bounded like docker_model.hpp's parsers: untrusted JSON in, a value or an
// Error out, never an exception. The environment is returned because some callers need one
// variable from it; it carries credentials, so callers extract what they need and drop the rest at
// once, and nothing here ever logs it.
#pragma once

#include "discovery/docker_model.hpp"
#include "discovery/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace autoscrape::discovery {

struct ContainerInspect {
    std::string id;
    std::string name;        // without the leading '/'
    std::string image;       // Config.Image, the reference the container was created from
    std::string status;      // State.Status: created, running, paused, restarting, exited, dead
    std::int64_t pid = 0;    // State.Pid, 0 when not running
    double started_at_seconds = 0;  // State.StartedAt as unix seconds; 0 when it never started
    std::int64_t restart_count = 0;
    std::string health_status;  // State.Health.Status: starting, healthy, unhealthy; empty without healthcheck
    LabelMap labels;            // Config.Labels
    std::vector<std::string> env;  // Config.Env, "NAME=value"; secret-bearing, see above
};

inline constexpr std::size_t kMaxEnvEntries = 4096;
inline constexpr std::size_t kMaxEnvBytes = 1ULL << 20;

Result<ContainerInspect> parse_container_inspect(std::string_view json);

// RFC 3339 with optional fraction (Docker's "2026-11-26T04:23:43.791195565Z" or an offset) to unix
// seconds. Docker's zero time "0001-01-01T00:00:00Z" (never started) reads as 0.
Result<double> parse_docker_time(std::string_view text);

}  // namespace autoscrape::discovery
