// autoscrape: the command-line entry point. Parses the command, loads the configuration and hands
// over to the command; maps every failure to the documented exit codes (0 ok, 1 runtime, 2 usage
// or config).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "agent/agent.hpp"
#include "agent/cli.hpp"
#include "agent/commands.hpp"
#include "agent/logging.hpp"

int main(int argc, char** argv) {
    using namespace autoscrape::agent;
    const std::vector<std::string> args(argv + 1, argv + argc);
    CliOptions options;
    try {
        options = parse_command_line(args);
    } catch (const UsageError& e) {
        fmt::print(stderr, "autoscrape: {}\n\n{}", e.what(), help_text(Command::Help));
        return static_cast<int>(ExitCode::UsageError);
    }
    try {
        return static_cast<int>(run_command(options, std::cout, std::cerr));
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return static_cast<int>(ExitCode::RuntimeError);
    }
}
