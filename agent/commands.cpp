#include "agent/commands.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <boost/version.hpp>

#include "agent/agent.hpp"
#include "agent/discover_report.hpp"
#include "agent/generate/generator.hpp"
#include "agent/logging.hpp"
#include "agent/malloc_tuning.hpp"
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
    std::vector<std::string> rejected;
    const auto groups = discovery::discover_once(*config, rejected);
    if (!groups) {
        err << "autoscrape discover: " << groups.error().message << "\n";
        return ExitCode::RuntimeError;
    }
    for (const auto& why : rejected) err << "autoscrape discover: leaving a container out: " << why << "\n";
    try {
        print_discovery(groups.value(), scrape::TargetBuilder(*config), out, format);
    } catch (const std::invalid_argument& e) {
        err << "autoscrape discover: " << source.describe() << ": " << e.what() << "\n";
        return ExitCode::UsageError;
    }
    return ExitCode::Ok;
}

// One discovery sync, then the whole output set; nothing is replaced unless every file was written.
ExitCode generate_files(const CliOptions& options, std::ostream& out, std::ostream& err) {
    const auto source = ConfigSource::from_cli(options);
    const auto config = load_or_report(source, err);
    if (!config) return ExitCode::UsageError;
    setup_logging(config->log);
    std::vector<generate::GeneratedFile> files;
    try {
        const generate::Generator generator(*config);
        std::vector<std::string> rejected;
        const auto groups = discovery::discover_once(*config, rejected);
        if (!groups) {
            err << "autoscrape generate: " << groups.error().message << "\n";
            return ExitCode::RuntimeError;
        }
        for (const auto& why : rejected) err << "autoscrape generate: leaving a container out: " << why << "\n";
        files = generator.render(groups.value());
    } catch (const std::invalid_argument& e) {
        err << "autoscrape generate: " << source.describe() << ": " << e.what() << "\n";
        return ExitCode::UsageError;
    }
    try {
        const auto result = generate::write_output(options.output_dir, files);
        for (const auto& path : result.files.written) out << "wrote " << options.output_dir << "/" << path << "\n";
        for (const auto& path : result.removed) out << "removed " << options.output_dir << "/" << path << "\n";
        out << fmt::format("{} file(s) written, {} unchanged, {} removed\n", result.files.written.size(),
                           result.files.unchanged.size(), result.removed.size());
    } catch (const std::exception& e) {
        err << "autoscrape generate: " << e.what() << " (previous files left as they were)\n";
        return ExitCode::RuntimeError;
    }
    return ExitCode::Ok;
}

ExitCode run_agent(const CliOptions& options, std::ostream& err) {
    const auto source = ConfigSource::from_cli(options);
    auto config = load_or_report(source, err);
    if (!config) return ExitCode::UsageError;
    setup_logging(config->log);
    fix_mmap_threshold();
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
            return generate_files(options, out, err);
    }
    err << fmt::format("autoscrape {}: unknown command\n", command_name(options.command));
    return ExitCode::UsageError;
}

}  // namespace autoscrape::agent
