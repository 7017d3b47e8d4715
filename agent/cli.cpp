#include "agent/cli.hpp"

#include <array>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace autoscrape::agent {
namespace {

constexpr std::array<std::pair<std::string_view, Command>, 5> kCommands{{
    {"run", Command::Run},
    {"check-config", Command::CheckConfig},
    {"discover", Command::Discover},
    {"generate", Command::Generate},
    {"version", Command::Version},
}};

struct Flag {
    std::string_view name;
    bool takes_value;
    std::vector<Command> commands;  // where the flag is accepted
};

const std::vector<Flag>& flags() {
    static const std::vector<Flag> all{
        {"--help", false, {Command::Run, Command::CheckConfig, Command::Discover, Command::Generate, Command::Version, Command::Help}},
        {"--config.file", true, {Command::Run, Command::CheckConfig, Command::Discover, Command::Generate}},
        {"--log.level", true, {Command::Run, Command::CheckConfig, Command::Discover, Command::Generate}},
        {"--log.format", true, {Command::Run, Command::CheckConfig, Command::Discover, Command::Generate}},
        {"--web.listen-address", true, {Command::Run}},
        {"--output", true, {Command::Discover}},
        {"--output-dir", true, {Command::Generate}},
        {"--print", false, {Command::CheckConfig}},
    };
    return all;
}

const Flag* find_flag(std::string_view name) {
    for (const auto& flag : flags()) {
        if (flag.name == name) return &flag;
    }
    return nullptr;
}

bool accepted_by(const Flag& flag, Command command) {
    for (auto c : flag.commands) {
        if (c == command) return true;
    }
    return false;
}

void store(CliOptions& options, std::string_view name, std::string value) {
    if (name == "--config.file") options.config_file = std::move(value);
    else if (name == "--log.level") options.log_level = std::move(value);
    else if (name == "--log.format") options.log_format = std::move(value);
    else if (name == "--web.listen-address") options.web_listen_address = std::move(value);
    else if (name == "--output") options.output = std::move(value);
    else if (name == "--output-dir") options.output_dir = std::move(value);
}

void validate(const CliOptions& options) {
    if (options.log_level && *options.log_level != "trace" && *options.log_level != "debug" &&
        *options.log_level != "info" && *options.log_level != "warn" && *options.log_level != "error") {
        throw UsageError(fmt::format("--log.level: unknown level '{}' (expected trace, debug, info, warn or error)",
                                     *options.log_level));
    }
    if (options.log_format && *options.log_format != "logfmt" && *options.log_format != "json") {
        throw UsageError(fmt::format("--log.format: unknown format '{}' (expected logfmt or json)", *options.log_format));
    }
    if (options.output != "table" && options.output != "json") {
        throw UsageError(fmt::format("--output: unknown format '{}' (expected table or json)", options.output));
    }
    if (options.command == Command::Generate && options.output_dir.empty() && !options.help) {
        throw UsageError("generate: --output-dir is required");
    }
}

}  // namespace

std::string command_name(Command command) {
    for (const auto& [name, c] : kCommands) {
        if (c == command) return std::string(name);
    }
    return "help";
}

CliOptions parse_command_line(const std::vector<std::string>& args) {
    CliOptions options;
    std::size_t i = 0;
    if (i < args.size() && !args[i].starts_with("-")) {
        const std::string& word = args[i++];
        bool known = false;
        for (const auto& [name, command] : kCommands) {
            if (word == name) {
                options.command = command;
                known = true;
            }
        }
        if (word == "help") {
            known = true;
            options.help = true;
        }
        if (!known) {
            throw UsageError(fmt::format(
                "unknown command '{}' (expected run, check-config, discover, generate or version)", word));
        }
    }
    for (; i < args.size(); ++i) {
        std::string_view arg = args[i];
        std::string value;
        bool has_inline_value = false;
        if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
            value = std::string(arg.substr(eq + 1));
            arg = arg.substr(0, eq);
            has_inline_value = true;
        }
        const Flag* flag = find_flag(arg);
        if (!flag) throw UsageError(fmt::format("unknown argument '{}'", args[i]));
        if (!accepted_by(*flag, options.command)) {
            throw UsageError(fmt::format("{} does not take {}", command_name(options.command), flag->name));
        }
        if (flag->name == "--help") {
            options.help = true;
            continue;
        }
        if (flag->name == "--print") {
            options.print = true;
            continue;
        }
        if (!has_inline_value) {
            if (i + 1 >= args.size()) throw UsageError(fmt::format("{} needs a value", flag->name));
            value = args[++i];
        }
        store(options, flag->name, std::move(value));
    }
    validate(options);
    return options;
}

std::string help_text(Command command) {
    constexpr std::string_view common =
        "  --config.file=FILE        configuration file (default /etc/autoscrape/autoscrape.yml if it\n"
        "                            exists, else the embedded default)\n"
        "  --log.level=LEVEL         trace, debug, info, warn, error (overrides log.level)\n"
        "  --log.format=FORMAT       logfmt or json (overrides log.format)\n";
    switch (command) {
        case Command::Run:
            return fmt::format(
                "usage: autoscrape run [flags]\n\n"
                "Discovers containers on the watched Docker networks and collects their metrics.\n"
                "SIGHUP or POST /-/reload re-reads the configuration; SIGTERM stops cleanly.\n\nflags:\n{}"
                "  --web.listen-address=ADDR self HTTP server (overrides web.listen_address, default 127.0.0.1:9465)\n",
                common);
        case Command::CheckConfig:
            return fmt::format(
                "usage: autoscrape check-config [flags]\n\n"
                "Loads and validates the configuration; exits 0 when valid, 2 with file:line:column errors.\n\n"
                "flags:\n{}  --print                   print the effective configuration, secrets redacted\n",
                common);
        case Command::Discover:
            return fmt::format(
                "usage: autoscrape discover [flags]\n\n"
                "Lists the targets discovered on the watched networks once, with their labels.\n\n"
                "flags:\n{}  --output=table|json       output format (default table)\n",
                common);
        case Command::Generate:
            return fmt::format(
                "usage: autoscrape generate --output-dir=DIR [flags]\n\n"
                "Writes prometheus.yml, file_sd targets, alert rules, Alertmanager and Grafana provisioning.\n\n"
                "flags:\n{}  --output-dir=DIR          where to write the files (required)\n",
                common);
        case Command::Version:
            return "usage: autoscrape version\n\nPrints the version, the git revision and the compiler.\n";
        case Command::Help:
            break;
    }
    return "usage: autoscrape COMMAND [flags]\n\n"
           "commands:\n"
           "  run            discover, collect and ship metrics (the agent)\n"
           "  check-config   validate a configuration file\n"
           "  discover       print the discovered targets once\n"
           "  generate       write Prometheus, Alertmanager and Grafana configuration\n"
           "  version        print version information\n\n"
           "`autoscrape COMMAND --help` describes a command's flags.\n";
}

}  // namespace autoscrape::agent
