// The running agent: wires the stages of DESIGN.md's data flow on one io_context, owns the self
// HTTP server, and applies configuration reloads (SIGHUP, POST /-/reload) without a restart.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "agent/cli.hpp"
#include "agent/http_server.hpp"
#include "agent/self_metrics.hpp"
#include "config/config.hpp"

namespace autoscrape::agent {

// How long a clean shutdown may spend sending what is still queued (the rest stays in the WAL).
inline constexpr std::chrono::seconds kShutdownFlushTimeout{5};
// How long generated files wait after a discovery change, so a burst of container starts is one write.
inline constexpr std::chrono::seconds kGenerateDebounce{1};

// Where the configuration comes from, and the command-line flags that override it. Kept so that a
// reload reads the same source and re-applies the same overrides.
struct ConfigSource {
    std::optional<std::string> file;  // empty: the embedded default
    std::optional<std::string> log_level;
    std::optional<std::string> log_format;
    std::optional<std::string> web_listen_address;

    static ConfigSource from_cli(const CliOptions& options);
    std::string describe() const;
    // Loads and validates; throws config::ConfigError (or std::runtime_error for I/O).
    config::Config load() const;
};

class Agent {
public:
    Agent(config::Config config, ConfigSource source);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    // Starts every stage and blocks until SIGINT/SIGTERM or stop(); returns the exit code.
    ExitCode run();
    // Re-reads the config source; on error the running config stays. Safe from any thread.
    ReloadResult reload();
    void stop();
    bool ready() const;

private:
    void start_stages();
    void stop_stages();
    void stop_remote_write();
    void await_signals();
    void apply(const config::Config& next);
    // Runs on the io_context with mutex_ held.
    void restart_discovery(const config::DockerConfig& docker);
    Response targets_response(const Request& request) const;
    void probe_request(const Request& request, Responder respond);
    bool is_watched_container(const std::string& host_port) const;

    ConfigSource source_;
    config::Config config_;
    mutable std::mutex mutex_;  // guards config_ between reloads and readers
    std::mutex reload_mutex_;   // one reload at a time (SIGHUP and POST /-/reload may overlap)
    boost::asio::io_context io_;
    boost::asio::signal_set signals_;
    std::unique_ptr<SelfMetrics> metrics_;
    std::unique_ptr<HttpServer> http_;
    struct Stages;
    std::unique_ptr<Stages> stages_;
};

}  // namespace autoscrape::agent
