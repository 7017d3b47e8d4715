// The Docker stats API (`GET /containers/<id>/stats?stream=false&one-shot=true`) as a fallback
// source of a container's numbers, for when its cgroup is not readable (the agent in a container
// without the host's /sys/fs/cgroup, or in a private cgroup namespace). It costs dockerd a cgroup
// read plus JSON per call, so the cgroup files stay the first choice.
//
// Parsing is pure and bounded like the other Docker JSON parsers: untrusted input in, a value or
// an Error out.
#pragma once

#include "probes/cgroup_stats.hpp"

#include <string_view>
#include <vector>

namespace autoscrape::probes {

// Fills `cgroup` and `interfaces` from a stats answer, with the cgroup files' semantics: working
// set = usage - inactive file pages, limit 0 when unlimited (v1's hierarchical_memory_limit beyond
// 2^62; on cgroup v2 the engine reports the host's memory as the limit of an unlimited container,
// and so does this). Interfaces except `lo`; devices from io_service_bytes_recursive.
Result<Ok> parse_docker_stats(std::string_view json, CgroupSample& cgroup, std::vector<InterfaceStats>& interfaces);

}  // namespace autoscrape::probes
