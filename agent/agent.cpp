#include "agent/agent.hpp"

#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "agent/http_server.hpp"
#include "agent/logging.hpp"
#include "config/diagnostic.hpp"
#include "config/loader.hpp"
#include "discovery/docker_discovery.hpp"

namespace autoscrape::agent {

ConfigSource ConfigSource::from_cli(const CliOptions& options) {
    ConfigSource source;
    source.file = options.config_file;
    if (!source.file && std::filesystem::exists(kDefaultConfigFile)) source.file = kDefaultConfigFile;
    source.log_level = options.log_level;
    source.log_format = options.log_format;
    source.web_listen_address = options.web_listen_address;
    return source;
}

std::string ConfigSource::describe() const {
    return file ? *file : std::string("the embedded default configuration");
}

config::Config ConfigSource::load() const {
    config::Config loaded = file ? config::load_config_file(*file)
                                 : config::load_config_string(config::embedded_default_config(), "<embedded default>");
    if (log_level) loaded.log.level = *log_level;
    if (log_format) {
        loaded.log.format = *log_format == "json" ? config::LogConfig::Format::Json : config::LogConfig::Format::Logfmt;
    }
    if (web_listen_address) loaded.web.listen_address = *web_listen_address;
    return loaded;
}

// The stages of the data flow that exist so far; each later stage joins here.
struct Agent::Stages {
    std::unique_ptr<discovery::DockerDiscovery> discovery;
};

namespace {

void log_discovery_update(const discovery::DiscoveryUpdate& update) {
    for (const auto& group : update.added) {
        spdlog::info("discovered container {} with {} target(s)", group.source.substr(0, 12), group.targets.size());
    }
    for (const auto& group : update.changed) {
        spdlog::info("container {} changed, now {} target(s)", group.source.substr(0, 12), group.targets.size());
    }
    for (const auto& source : update.removed) spdlog::info("container {} is gone", source.substr(0, 12));
}

}  // namespace

Agent::Agent(config::Config config, ConfigSource source)
    : source_(std::move(source)),
      config_(std::move(config)),
      signals_(io_, SIGINT, SIGTERM, SIGHUP),
      metrics_(std::make_unique<SelfMetrics>()),
      stages_(std::make_unique<Stages>()) {
    metrics_->set_reload_result(true);
}

Agent::~Agent() = default;

ExitCode Agent::run() {
    try {
        http_ = std::make_unique<HttpServer>(io_, config_.web);
        install_standard_routes(*http_, *metrics_, [this] { return ready(); }, [this] { return reload(); });
        http_->start();
    } catch (const std::exception& e) {
        spdlog::error("cannot start the self HTTP server: {}", e.what());
        return ExitCode::RuntimeError;
    }
    const auto endpoint = http_->local_endpoint();
    spdlog::info("autoscrape {} started, config from {}, listening on {}", build_info().version, source_.describe(),
                 endpoint.address().is_v6()
                     ? fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port())
                     : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port()));
    start_stages();
    await_signals();
    io_.run();
    spdlog::info("autoscrape stopped");
    return ExitCode::Ok;
}

void Agent::await_signals() {
    signals_.async_wait([this](const boost::system::error_code& error, int signal) {
        if (error) return;
        if (signal == SIGHUP) {
            // Reloading reads files: off the io thread, so requests keep being answered meanwhile.
            std::thread([this] { reload(); }).detach();
            await_signals();
            return;
        }
        spdlog::info("received signal {}, shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
        stop();
    });
}

void Agent::stop() {
    boost::asio::post(io_, [this] {
        signals_.cancel();
        stop_stages();
        if (http_) http_->stop();
    });
}

bool Agent::ready() const {
    std::lock_guard lock(mutex_);
    return stages_->discovery && stages_->discovery->ready();
}

ReloadResult Agent::reload() {
    std::lock_guard reload_lock(reload_mutex_);
    config::Config next;
    try {
        next = source_.load();
    } catch (const std::exception& e) {
        metrics_->set_reload_result(false);
        spdlog::error("config reload from {} failed, keeping the running config: {}", source_.describe(), e.what());
        return {false, e.what()};
    }
    apply(next);
    metrics_->set_reload_result(true);
    spdlog::info("config reloaded from {}", source_.describe());
    return {true, {}};
}

void Agent::apply(const config::Config& next) {
    std::lock_guard lock(mutex_);
    if (next.log != config_.log) setup_logging(next.log);
    if (next.docker != config_.docker) {
        spdlog::info("docker section changed: restarting discovery");
        boost::asio::post(io_, [this, docker = next.docker] {
            std::lock_guard lock(mutex_);
            restart_discovery(docker);
        });
    }
    if (next.web != config_.web) {
        spdlog::warn("web.* changes take effect at the next restart (the listener stays on {})",
                     config_.web.listen_address);
    }
    const config::WebConfig running_web = config_.web;
    config_ = next;
    config_.web = running_web;
}

void Agent::start_stages() {
    std::lock_guard lock(mutex_);
    restart_discovery(config_.docker);
}

void Agent::stop_stages() {
    std::lock_guard lock(mutex_);
    if (stages_->discovery) stages_->discovery->stop();
}

void Agent::restart_discovery(const config::DockerConfig& docker) {
    if (stages_->discovery) stages_->discovery->stop();
    stages_->discovery = std::make_unique<discovery::DockerDiscovery>(io_, docker, *metrics_->registry());
    stages_->discovery->subscribe(log_discovery_update);
    stages_->discovery->start();
}

}  // namespace autoscrape::agent
