#include "agent/agent.hpp"

#include <cstdlib>
#include <filesystem>
#include <thread>

#include <boost/asio/strand.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "agent/generate/generator.hpp"
#include "agent/http_server.hpp"
#include "agent/logging.hpp"
#include "config/diagnostic.hpp"
#include "config/loader.hpp"
#include "agent/remote/remote_write_stage.hpp"
#include "agent/scrape/scrape_manager.hpp"
#include "agent/scrape/targets_api.hpp"
#include "discovery/docker_discovery.hpp"
#include "probes/container_stats.hpp"
#include "probes/probe_handler.hpp"
#include "probes/probe_manager.hpp"
#include "probes/probe_result.hpp"

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

// The stages of the data flow, in DESIGN.md's order: discovery feeds the scrape manager, whose
// loops append to the WAL that the remote-write queues ship. Destroyed in reverse order.
struct Agent::Stages {
    std::unique_ptr<remote::RemoteWriteStage> remote;
    std::unique_ptr<scrape::ScrapeManager> scrape;
    std::unique_ptr<generate::OutputKeeper> generate;  // only with generate.output_dir
    std::unique_ptr<probes::ProbeManager> probes;
    std::unique_ptr<discovery::DockerDiscovery> discovery;
    std::shared_ptr<probes::ContainerStats> stats;  // only with container_stats.enabled
};

namespace {

// The container stats stage, with a Docker client of its own on its strand (for inspects).
std::shared_ptr<probes::ContainerStats> start_container_stats(boost::asio::io_context& io, const config::Config& config,
                                                              std::unique_ptr<storage::Appender> appender,
                                                              prometheus::Registry& registry) {
    auto host = discovery::resolve_docker_host(config.docker, [](const char* name) { return std::getenv(name); });
    if (!host) throw std::runtime_error("container stats: " + host.error().message);
    auto strand = boost::asio::make_strand(io);
    auto client = std::make_shared<discovery::DockerClient>(strand, std::move(host.value()), config.docker.timeout);
    auto stats = std::make_shared<probes::ContainerStats>(strand, config.container_stats,
                                                          probes::docker_inspector(client), std::move(appender),
                                                          registry, [client] { client->cancel(); });
    stats->use_stats_api_fallback(probes::docker_stats_fetcher(client));
    stats->start();
    return stats;
}

void log_discovery_update(const discovery::DiscoveryUpdate& update) {
    for (const auto& group : update.added) {
        spdlog::info("discovered container {} with {} target(s)", group.source.substr(0, 12), group.targets.size());
    }
    for (const auto& group : update.changed) {
        spdlog::info("container {} changed, now {} target(s)", group.source.substr(0, 12), group.targets.size());
    }
    for (const auto& source : update.removed) spdlog::info("container {} is gone", source.substr(0, 12));
}

// The value of `name` in the request's query string ("" when absent); no percent-decoding is
// needed for the values Prometheus' API takes here (active, dropped, any).
std::string_view query_parameter(const Request& request, std::string_view name) {
    std::string_view target(request.target().data(), request.target().size());
    const auto question = target.find('?');
    if (question == std::string_view::npos) return {};
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        if (pair.substr(0, pair.find('=')) == name && pair.size() > name.size()) return pair.substr(name.size() + 1);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
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
        http_->handle_sync(http::verb::get, "/api/v1/targets", [this](const Request& request) {
            return targets_response(request);
        });
        http_->handle(http::verb::get, "/probe", [this](const Request& request, Responder respond) {
            probe_request(request, std::move(respond));
        });
        http_->start();
    } catch (const std::exception& e) {
        spdlog::error("cannot start the self HTTP server: {}", e.what());
        return ExitCode::RuntimeError;
    }
    try {
        start_stages();
    } catch (const std::exception& e) {
        spdlog::error("cannot start: {}", e.what());
        return ExitCode::RuntimeError;
    }
    const auto endpoint = http_->local_endpoint();
    spdlog::info("autoscrape {} started, config from {}, listening on {}", build_info().version, source_.describe(),
                 endpoint.address().is_v6()
                     ? fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port())
                     : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port()));
    await_signals();
    io_.run();
    // The io_context ran dry: every scrape loop has written its stale markers. Only now may the
    // queues flush (what they cannot send in time stays in the WAL for the next start).
    stop_remote_write();
    spdlog::info("autoscrape stopped");
    return ExitCode::Ok;
}

void Agent::await_signals() {
    signals_.async_wait([this](const boost::system::error_code& error, int signal) {
        if (error) return;
        if (signal == SIGHUP) {
            reload();
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
    try {
        apply(next);
    } catch (const std::exception& e) {
        metrics_->set_reload_result(false);
        spdlog::error("config reload from {} rejected, keeping the running config: {}", source_.describe(), e.what());
        return {false, e.what()};
    }
    metrics_->set_reload_result(true);
    spdlog::info("config reloaded from {}", source_.describe());
    return {true, {}};
}

void Agent::apply(const config::Config& next) {
    std::lock_guard lock(mutex_);
    // The stages refuse a config they cannot run (and keep theirs); only then does the rest change.
    if (stages_->generate && !next.generate.output_dir.empty()) stages_->generate->reconfigure(next);
    if (stages_->remote) stages_->remote->apply(next);
    if (stages_->scrape) stages_->scrape->reload(next);
    if (stages_->probes) stages_->probes->reload(next);
    if (next.generate.output_dir.empty() != config_.generate.output_dir.empty()) {
        spdlog::warn("turning generate.output_dir on or off takes effect at the next restart");
    }
    if (next.container_stats != config_.container_stats) {
        spdlog::warn("container_stats.* changes take effect at the next restart");
    }
    if (next.log != config_.log) setup_logging(next.log);
    if (next.docker != config_.docker || next.profiles != config_.profiles ||
        next.probes.modules != config_.probes.modules) {
        spdlog::info("docker, profiles or probe modules changed: restarting discovery");
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
    auto& registry = *metrics_->registry();
    stages_->remote = std::make_unique<remote::RemoteWriteStage>(config_, registry);
    stages_->scrape = std::make_unique<scrape::ScrapeManager>(
        io_, config_, [remote = stages_->remote.get()] { return remote->appender(); }, registry);
    stages_->probes = std::make_unique<probes::ProbeManager>(
        io_, config_, [remote = stages_->remote.get()] { return remote->appender(); }, registry);
    if (config_.container_stats.enabled) {
        stages_->stats = start_container_stats(io_, config_, stages_->remote->appender(), registry);
    }
    stages_->remote->start();
    if (!config_.generate.output_dir.empty()) {
        stages_->generate = std::make_unique<generate::OutputKeeper>(config_, kGenerateDebounce);
    }
    restart_discovery(config_.docker);
}

void Agent::stop_stages() {
    std::lock_guard lock(mutex_);
    if (stages_->discovery) stages_->discovery->stop();
    if (stages_->scrape) stages_->scrape->stop();
    if (stages_->generate) stages_->generate->stop();
    if (stages_->probes) stages_->probes->stop();
    if (stages_->stats) stages_->stats->stop();
}

void Agent::stop_remote_write() {
    std::lock_guard lock(mutex_);
    if (stages_->remote) stages_->remote->stop(kShutdownFlushTimeout);
}

bool Agent::is_watched_container(const std::string& host_port) const {
    std::string_view host(host_port);
    host = host.substr(0, host.rfind(':'));
    if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
    std::lock_guard lock(mutex_);
    if (!stages_->discovery) return false;
    for (const auto& group : stages_->discovery->snapshot()) {
        for (const auto& target : group.targets) {
            const auto ip = target.labels.find("__meta_docker_network_ip");
            if (ip != target.labels.end() && ip->second == host) return true;
        }
    }
    return false;
}

void Agent::probe_request(const Request& request, Responder respond) {
    config::ProbesConfig probes;
    {
        std::lock_guard lock(mutex_);
        probes = config_.probes;
    }
    if (!probes.enabled) {
        respond(make_response(request, http::status::not_found, "probes are disabled (probes.enabled: false)\n"));
        return;
    }
    // Only containers on watched networks and probes.allowed_targets: never an open prober.
    auto listed = probes::allow_listed_targets(probes.allowed_targets);
    auto allowed = [this, listed](const std::string& host_port) {
        return listed(host_port) || is_watched_container(host_port);
    };
    const auto query = probes::parse_probe_query(std::string_view(request.target().data(), request.target().size()));
    auto head = std::make_shared<Request>();
    head->version(request.version());
    head->keep_alive(request.keep_alive());
    probes::handle_probe_request(query.target, query.module, probes, allowed, io_,
                                 [head, respond = std::move(respond)](int status, std::string body) {
                                     respond(make_response(*head, static_cast<http::status>(status), std::move(body),
                                                           status == 200 ? probes::kProbeContentType : kTextPlain));
                                 });
}

Response Agent::targets_response(const Request& request) const {
    std::vector<scrape::TargetStatus> targets, probe_targets;
    {
        std::lock_guard lock(mutex_);
        if (stages_->scrape) targets = stages_->scrape->targets();
        if (stages_->probes) probe_targets = stages_->probes->targets();
    }
    return make_response(request, http::status::ok,
                         scrape::render_targets_json(targets, query_parameter(request, "state"), probe_targets),
                         "application/json");
}

void Agent::restart_discovery(const config::DockerConfig& docker) {
    if (stages_->discovery) {
        stages_->discovery->stop();
        // The new discovery reports every group as added; what vanished meanwhile it cannot know,
        // so the old targets go first (with their stale markers).
        discovery::DiscoveryUpdate removal;
        for (const auto& group : stages_->discovery->snapshot()) removal.removed.push_back(group.source);
        stages_->scrape->apply(removal);
        if (stages_->generate) stages_->generate->apply(removal);
        stages_->probes->apply(removal);
        if (stages_->stats) stages_->stats->apply(removal);
    }
    // config_ is the config being applied (apply() sets it before this runs on the io_context).
    stages_->discovery = std::make_unique<discovery::DockerDiscovery>(io_, docker, *metrics_->registry(),
                                                                      discovery::ServiceProfiles(config_));
    stages_->discovery->subscribe(log_discovery_update);
    stages_->discovery->subscribe([scrape = stages_->scrape.get()](const discovery::DiscoveryUpdate& update) {
        scrape->apply(update);
    });
    stages_->discovery->subscribe([probes = stages_->probes.get()](const discovery::DiscoveryUpdate& update) {
        probes->apply(update);
    });
    if (stages_->stats) {
        stages_->discovery->subscribe([stats = stages_->stats](const discovery::DiscoveryUpdate& update) {
            stats->apply(update);
        });
    }
    if (stages_->generate) {
        stages_->discovery->subscribe([generate = stages_->generate.get()](const discovery::DiscoveryUpdate& update) {
            generate->apply(update);
        });
    }
    stages_->discovery->start();
}

}  // namespace autoscrape::agent
