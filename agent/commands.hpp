// The subcommands of `autoscrape`, one function each, writing to the given streams so that tests
// can run them in-process and check their output and exit codes.
#pragma once

#include <ostream>

#include "agent/cli.hpp"

namespace autoscrape::agent {

ExitCode run_command(const CliOptions& options, std::ostream& out, std::ostream& err);

}  // namespace autoscrape::agent
