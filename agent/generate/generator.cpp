#include "agent/generate/generator.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "agent/generate/alert_rules.hpp"
#include "agent/generate/alertmanager.hpp"
#include "agent/generate/grafana.hpp"
#include "agent/generate/prometheus_config.hpp"
#include "agent/generate/prometheus_reload.hpp"

namespace autoscrape::generate {

namespace fs = std::filesystem;

Generator::Generator(config::Config config) : config_(std::move(config)), builder_(config_) {}

std::vector<GeneratedFile> Generator::render(const std::vector<discovery::TargetGroup>& groups) const {
    const TargetInventory inventory = collect_targets(builder_, config_.probes, groups);
    std::vector<GeneratedFile> files;
    for (const auto& job : inventory.jobs) files.push_back({job.file, file_sd_json(job.targets)});
    if (config_.probes.enabled) files.push_back({std::string(kProbesFile), probes_json(inventory.probes, config_.global.scrape_timeout)});
    files.push_back({"rules/alert_rules.yml", alert_rules_yaml(config_)});
    const auto& am = config_.generate;
    const bool inline_secret = (am.slack && am.slack->api_url.file().empty()) ||
                               (am.pagerduty && am.pagerduty->routing_key.file().empty());
    files.push_back({"alertmanager/alertmanager.yml", alertmanager_yaml(config_), inline_secret});
    for (auto& file : grafana_provisioning(config_)) files.push_back(std::move(file));
    files.push_back({std::string(kPrometheusFile), prometheus_yaml(config_, inventory.jobs)});
    return files;
}

bool OutputResult::prometheus_changed() const {
    return std::find(files.written.begin(), files.written.end(), kPrometheusFile) != files.written.end();
}

OutputResult write_output(const fs::path& dir, const std::vector<GeneratedFile>& files) {
    OutputResult result;
    result.files = write_files(dir, files);
    const std::string prefix = std::string(kFileSdDir) + "/";
    std::vector<std::string> keep;
    for (const auto& file : files) {
        if (file.relative_path.starts_with(prefix)) keep.push_back(file.relative_path.substr(prefix.size()));
    }
    for (const auto& name : remove_other_files(dir / kFileSdDir, ".json", keep)) result.removed.push_back(prefix + name);
    return result;
}

OutputKeeper::OutputKeeper(config::Config config, std::chrono::milliseconds debounce, PrometheusChanged on_changed)
    : debounce_(debounce), on_changed_(std::move(on_changed)) {
    auto generator = std::make_shared<const Generator>(std::move(config));
    (void)generator->render({});
    generator_ = std::move(generator);
    mark_dirty();
    thread_ = std::thread([this] { run(); });
}

OutputKeeper::~OutputKeeper() { stop(); }

void OutputKeeper::apply(const discovery::DiscoveryUpdate& update) {
    if (update.empty()) return;
    std::lock_guard lock(mutex_);
    for (const auto& group : update.added) groups_[group.source] = group;
    for (const auto& group : update.changed) groups_[group.source] = group;
    for (const auto& source : update.removed) groups_.erase(source);
    mark_dirty();
}

void OutputKeeper::reconfigure(config::Config config) {
    auto generator = std::make_shared<const Generator>(std::move(config));
    (void)generator->render({});
    std::lock_guard lock(mutex_);
    generator_ = std::move(generator);
    mark_dirty();
}

void OutputKeeper::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::size_t OutputKeeper::writes() const {
    std::lock_guard lock(mutex_);
    return writes_;
}

// With mutex_ held. The deadline runs from the first change, so a steady stream of updates still
// gets written once per debounce interval instead of never.
void OutputKeeper::mark_dirty() {
    if (!dirty_) due_ = std::chrono::steady_clock::now() + debounce_;
    dirty_ = true;
    wake_.notify_all();
}

void OutputKeeper::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return stopping_ || dirty_; });
        if (wake_.wait_until(lock, due_, [this] { return stopping_; })) return;
        const auto generator = generator_;
        std::vector<discovery::TargetGroup> groups;
        groups.reserve(groups_.size());
        for (const auto& [source, group] : groups_) groups.push_back(group);
        dirty_ = false;
        lock.unlock();
        write_once(*generator, groups);
        lock.lock();
        ++writes_;
    }
}

void OutputKeeper::write_once(const Generator& generator, const std::vector<discovery::TargetGroup>& groups) {
    const auto& dir = generator.config().generate.output_dir;
    try {
        const OutputResult result = write_output(dir, generator.render(groups));
        for (const auto& path : result.files.written) spdlog::info("generate: wrote {}/{}", dir, path);
        for (const auto& path : result.removed) spdlog::info("generate: removed {}/{} (its job is gone)", dir, path);
        if (!result.prometheus_changed()) return;
        const auto& target = generator.config().generate;
        if (target.reload_prometheus) {
            const auto error = reload_prometheus(target.prometheus_url, kReloadTimeout);
            if (error.empty()) spdlog::info("generate: {} reloaded its configuration", target.prometheus_url);
            else spdlog::warn("generate: cannot reload {}: {}", target.prometheus_url, error);
        }
        if (on_changed_) on_changed_(generator.config());
    } catch (const std::exception& e) {
        spdlog::error("generate: keeping the previous files in {}: {}", dir, e.what());
    }
}

}  // namespace autoscrape::generate
