// `autoscrape discover`: one sync with the engine, printed for a human (table) or a tool (json).
#pragma once

#include "config/config.hpp"
#include "discovery/result.hpp"
#include "discovery/target_group.hpp"

#include <ostream>
#include <vector>

namespace autoscrape::discovery {

enum class OutputFormat { Table, Json };

// Prints the target groups; table: one line per target, then its labels indented.
void print_target_groups(const std::vector<TargetGroup>& groups, std::ostream& out, OutputFormat format);

// Syncs once with the engine and returns the non-empty target groups (what `discover` prints and
// `generate` writes). Containers left out are described in `rejected` (an exporter that could not
// be inspected stays unpaired, with a warning logged); an unreachable engine or
// garbage from it is an Error naming the Docker host.
Result<std::vector<TargetGroup>> discover_once(const config::Config& config, std::vector<std::string>& rejected);

// Syncs once and prints the targets. Returns 0, or 1 with a message on stderr when the engine is
// unreachable or answers garbage.
int run_discover_once(const config::Config& config, std::ostream& out, OutputFormat format);

}  // namespace autoscrape::discovery
