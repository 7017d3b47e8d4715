#include "probes/probe_manager.hpp"
#include "agent/scrape/loop_registry.hpp"

#include <boost/asio/strand.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace autoscrape::probes {
namespace {

// What /api/v1/targets shows as the scrape URL: what the prober dials, as a URL.
std::string probe_url(const ProbeTarget& t) {
    using Prober = config::ProbeModule::Prober;
    switch (t.module.prober) {
        case Prober::Http: return "http://" + t.address + t.module.http.path;
        case Prober::Tcp: return "tcp://" + t.address;
        case Prober::Postgres: return "postgres://" + t.address;
        case Prober::Bolt: return "bolt://" + t.address;
    }
    return t.address;
}

}  // namespace

ProbeManager::ProbeManager(boost::asio::io_context& io, const config::Config& config,
                           scrape::AppenderFactory appenders, prometheus::Registry& registry)
    : io_(io), appenders_(std::move(appenders)), config_(config.probes) {
    loops_gauge_ = &prometheus::BuildGauge()
                        .Name("autoscrape_probe_loops")
                        .Help("Probe loops running, one per container, module and port.")
                        .Register(registry)
                        .Add({});
    probes_total_ = &prometheus::BuildCounter()
                         .Name("autoscrape_probes_total")
                         .Help("Probes run by the probe loops, by module and result (success or failure).")
                         .Register(registry);
}

ProbeManager::~ProbeManager() { stop(); }

void ProbeManager::apply(const discovery::DiscoveryUpdate& update) {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    for (const auto& source : update.removed) sync_group(source, nullptr);
    for (const auto& group : update.added) sync_group(group.source, &group);
    for (const auto& group : update.changed) sync_group(group.source, &group);
    loops_gauge_->Set(static_cast<double>(loops_.size()));
}

void ProbeManager::reload(const config::Config& config) {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    config_ = config.probes;
    std::vector<discovery::TargetGroup> raws;
    for (const auto& [source, group] : groups_) raws.push_back(group.raw);
    for (const auto& raw : raws) sync_group(raw.source, &raw);
    loops_gauge_->Set(static_cast<double>(loops_.size()));
}

void ProbeManager::stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    for (auto& [key, loop] : loops_) loop->stop();
    loops_.clear();
    groups_.clear();
    loops_gauge_->Set(0);
}

std::size_t ProbeManager::loop_count() const {
    std::lock_guard lock(mutex_);
    return loops_.size();
}

std::shared_ptr<ProbeLoop> ProbeManager::start_loop(ProbeTarget target) {
    auto hook = [family = probes_total_](const ProbeReport& r) {
        family->Add({{"module", r.module}, {"result", r.success ? "success" : "failure"}}).Increment();
    };
    auto loop = std::make_shared<ProbeLoop>(boost::asio::make_strand(io_), appenders_(), std::move(target),
                                            std::move(hook));
    loop->start();
    return loop;
}

void ProbeManager::sync_group(const std::string& source, const discovery::TargetGroup* group) {
    std::vector<ProbeTarget> targets;
    if (group != nullptr && config_.enabled) targets = build_probe_targets(*group, config_);
    std::vector<std::string> keys;
    for (auto& target : targets) {
        auto key = target.key();
        if (const auto it = loops_.find(key); it != loops_.end())
            it->second->update(std::move(target));
        else
            loops_.emplace(key, start_loop(std::move(target)));
        keys.push_back(std::move(key));
    }
    if (const auto old = groups_.find(source); old != groups_.end())
        scrape::stop_loops_not_kept(loops_, old->second.keys, keys);
    if (group == nullptr)
        groups_.erase(source);
    else
        groups_[source] = Group{*group, std::move(keys)};
}

std::vector<scrape::TargetStatus> ProbeManager::targets() const {
    std::lock_guard lock(mutex_);
    std::vector<scrape::TargetStatus> out;
    for (const auto& [source, group] : groups_) {
        for (const auto& key : group.keys) {
            const auto it = loops_.find(key);
            if (it == loops_.end()) continue;
            const auto target = it->second->target();
            const auto status = it->second->status();
            scrape::TargetStatus t;
            t.discovered = target.discovered;
            t.labels = target.labels;
            t.scrape_pool = "probe/" + target.module_name;
            t.scrape_url = probe_url(target);
            t.last_error = status.last_error;
            if (status.health != scrape::Health::Unknown) t.last_scrape = status.last_probe;
            t.last_duration_seconds = status.last_duration_seconds;
            t.health = status.health;
            t.interval = target.interval;
            t.timeout = target.module.timeout;
            out.push_back(std::move(t));
        }
    }
    return out;
}

}  // namespace autoscrape::probes
