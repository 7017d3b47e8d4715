// Command line of the `autoscrape` binary: subcommands and flags in Prometheus' style
// (`--config.file`, `--log.level`, `--web.listen-address`), parsed without side effects so tests can
// check every usage error. Exit codes: 0 ok, 1 runtime error, 2 usage or config error.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace autoscrape::agent {

enum class ExitCode : int { Ok = 0, RuntimeError = 1, UsageError = 2 };

enum class Command { Run, CheckConfig, Discover, Generate, Version, Help };

struct CliOptions {
    Command command = Command::Help;
    bool help = false;                    // --help given for `command`
    std::optional<std::string> config_file;
    std::optional<std::string> log_level;
    std::optional<std::string> log_format;
    std::optional<std::string> web_listen_address;
    std::string output = "table";         // discover: table | json
    std::string output_dir;               // generate
    bool print = false;                   // check-config: print the effective config, secrets redacted
};

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Parses argv[1..]; throws UsageError with a message that names the bad argument.
CliOptions parse_command_line(const std::vector<std::string>& args);

// The help text of a command (Command::Help: the overview).
std::string help_text(Command command);

std::string command_name(Command command);

// Where the config comes from when --config.file is absent.
inline constexpr const char* kDefaultConfigFile = "/etc/autoscrape/autoscrape.yml";

}  // namespace autoscrape::agent
