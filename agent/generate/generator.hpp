// The generators' output as one set: prometheus.yml and its file_sd files from the discovered
// targets, plus the alert rules, Alertmanager config and Grafana provisioning from the config.
//
// `autoscrape generate` renders and writes the set once. While `run` runs, OutputKeeper keeps it
// current: discovery updates only mark it dirty; one writer thread renders and writes at most once
// per debounce interval, so writes never overlap and the newest target set always wins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/generate/file_sd.hpp"
#include "agent/generate/file_writer.hpp"
#include "agent/generate/generated_file.hpp"
#include "agent/scrape/target_builder.hpp"
#include "config/config.hpp"
#include "discovery/target_set.hpp"

namespace autoscrape::generate {

inline constexpr std::string_view kPrometheusFile = "prometheus.yml";
// For POST /-/reload when prometheus.yml changed (generate.prometheus.reload).
inline constexpr std::chrono::seconds kReloadTimeout{10};

class Generator {
public:
    // Throws std::invalid_argument for relabel rules that do not compile.
    explicit Generator(config::Config config);

    // Every file of the output dir; the target files come before prometheus.yml, so a Prometheus
    // that reloads between two renames never reads a job whose file is missing. Throws
    // std::invalid_argument for a config the generators cannot express (a bad URL, an unknown
    // alert threshold).
    std::vector<GeneratedFile> render(const std::vector<discovery::TargetGroup>& groups) const;

    const config::Config& config() const { return config_; }

private:
    config::Config config_;
    scrape::TargetBuilder builder_;
};

struct OutputResult {
    WriteResult files;
    std::vector<std::string> removed;  // target files of vanished jobs, relative paths
    // prometheus.yml was written: Prometheus must reload to see a new or vanished job.
    bool prometheus_changed() const;
};

// Writes `files` atomically below `dir`, then removes file_sd/*.json that `files` does not name.
// Throws WriteError; on failure the previous files are intact.
OutputResult write_output(const std::filesystem::path& dir, const std::vector<GeneratedFile>& files);

class OutputKeeper {
public:
    // Called on the writer thread after a write that changed prometheus.yml (and after the
    // POST /-/reload that generate.prometheus.reload asks for).
    using PrometheusChanged = std::function<void(const config::Config&)>;

    // Validates `config` by rendering once (throws like Generator::render) and starts the writer
    // thread, which writes the set once `debounce` after the start or after the first update.
    OutputKeeper(config::Config config, std::chrono::milliseconds debounce, PrometheusChanged on_changed = {});
    ~OutputKeeper();
    OutputKeeper(const OutputKeeper&) = delete;
    OutputKeeper& operator=(const OutputKeeper&) = delete;

    // Any thread. Cheap: records the groups and wakes the writer.
    void apply(const discovery::DiscoveryUpdate& update);
    // Any thread. Throws like the constructor, and then keeps the running config.
    void reconfigure(config::Config config);
    // Stops the writer after the write in progress (if any); idempotent.
    void stop();

    // Number of writes attempted so far, successful or not (for tests and logs).
    std::size_t writes() const;

private:
    void mark_dirty();
    void run();
    void write_once(const Generator& generator, const std::vector<discovery::TargetGroup>& groups);

    std::chrono::milliseconds debounce_;
    PrometheusChanged on_changed_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::shared_ptr<const Generator> generator_;
    std::map<std::string, discovery::TargetGroup> groups_;  // by source
    bool dirty_ = false;
    bool stopping_ = false;
    std::chrono::steady_clock::time_point due_;
    std::size_t writes_ = 0;
    std::thread thread_;
};

}  // namespace autoscrape::generate
