#include "agent/commands.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <boost/version.hpp>

#include "agent/agent.hpp"
#include "agent/logging.hpp"
#include "agent/self_metrics.hpp"
#include "config/diagnostic.hpp"
#include "config/dump.hpp"
#include "config/loader.hpp"
#include "discovery/discover_once.hpp"

namespace autoscrape::agent {
namespace {

// Loads the configuration for a command; on failure prints the diagnostics and returns nullopt.
std::optional<config::Config> load_or_report(const ConfigSource& source, std::ostream& err) {
    try {
        return source.load();
    } catch (const config::ConfigError& e) {
        err << e.what() << (std::string_view(e.what()).ends_with('\n') ? "" : "\n");
    } catch (const std::exception& e) {
        err << source.describe() << ": " << e.what() << "\n";
    }
    return std::nullopt;
}

ExitCode check_config(const CliOptions& options, std::ostream& out, std::ostream& err) {
    const auto source = ConfigSource::from_cli(options);
    const auto config = load_or_report(source, err);
    if (!config) {
        err << "FAILED: " << source.describe() << " is not valid\n";
        return ExitCode::UsageError;
    }
    if (options.print) {
        out << config::dump_config(*config);
    } else {
        out << "SUCCESS: " << source.describe() << " is valid\n";
    }
    return ExitCode::Ok;
}

ExitCode version(std::ostream& out) {
    const BuildInfo info = build_info();
    out << fmt::format("autoscrape, version {} (revision: {})\n  compiler: {}\n  boost: {}.{}.{}\n", info.version,
                       info.revision, info.compiler, BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000,
                       BOOST_VERSION % 100);
    return ExitCode::Ok;
}

ExitCode discover(const CliOptions& options, std::ostream& out, std::ostream& err) {
    const auto source = ConfigSource::from_cli(options);
    const auto config = load_or_report(source, err);
    if (!config) return ExitCode::UsageError;
    setup_logging(config->log);
    const auto format = options.output == "json" ? discovery::OutputFormat::Json : discovery::OutputFormat::Table;
    return discovery::run_discover_once(*config, out, format) == 0 ? ExitCode::Ok : ExitCode::RuntimeError;
}

ExitCode run_agent(const CliOptions& options, std::ostream& err) {
    const auto source = ConfigSource::from_cli(options);
    auto config = load_or_report(source, err);
    if (!config) return ExitCode::UsageError;
    setup_logging(config->log);
    Agent agent(std::move(*config), source);
    return agent.run();
}

}  // namespace

ExitCode run_command(const CliOptions& options, std::ostream& out, std::ostream& err) {
    if (options.help) {
        out << help_text(options.command);
        return ExitCode::Ok;
    }
    switch (options.command) {
        case Command::Help:
            err << help_text(Command::Help);
            return ExitCode::UsageError;
        case Command::Version:
            return version(out);
        case Command::CheckConfig:
            return check_config(options, out, err);
        case Command::Run:
            return run_agent(options, err);
        case Command::Discover:
            return discover(options, out, err);
        case Command::Generate:
            break;
    }
    err << fmt::format("autoscrape {}: not available in this build yet\n", command_name(options.command));
    return ExitCode::UsageError;
}

}  // namespace autoscrape::agent
