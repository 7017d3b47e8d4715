#include "agent/scrape/scrape_manager.hpp"
#include "agent/scrape/loop_registry.hpp"

#include <boost/asio/strand.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace autoscrape::scrape {

namespace {

// Up to this many new or changed groups in one discovery update get a prompt first scrape.
constexpr std::size_t kPromptGroups = 8;

}  // namespace

ScrapeManager::ScrapeManager(boost::asio::io_context& io, const config::Config& config, AppenderFactory appenders,
                             prometheus::Registry& registry)
    : io_(io),
      appenders_(std::move(appenders)),
      builder_(std::make_unique<TargetBuilder>(config)),
      metric_relabel_configs_(config.metric_relabel_configs),
      options_(loop_options(config, std::make_shared<const Relabeler>(config.metric_relabel_configs))) {
    metrics_.scrapes = &prometheus::BuildCounter()
                            .Name("autoscrape_scrapes_total")
                            .Help("Scrapes attempted, successful or not.")
                            .Register(registry)
                            .Add({});
    metrics_.failures = &prometheus::BuildCounter()
                             .Name("autoscrape_scrape_failures_total")
                             .Help("Scrapes that failed (HTTP error, timeout, parse error, limit exceeded).")
                             .Register(registry)
                             .Add({});
    metrics_.samples = &prometheus::BuildCounter()
                            .Name("autoscrape_scrape_samples_total")
                            .Help("Samples appended by successful scrapes, after metric relabelling.")
                            .Register(registry)
                            .Add({});
    metrics_.duration = &prometheus::BuildHistogram()
                             .Name("autoscrape_scrape_duration_seconds")
                             .Help("Duration of scrapes, fetch and append.")
                             .Register(registry)
                             .Add({}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                               0.5, 1, 2.5, 5, 10});
    auto& targets = prometheus::BuildGauge()
                        .Name("autoscrape_scrape_targets")
                        .Help("Scrape targets by state: active, or dropped by relabelling.")
                        .Register(registry);
    metrics_.active = &targets.Add({{"state", "active"}});
    metrics_.dropped = &targets.Add({{"state", "dropped"}});
}

ScrapeManager::~ScrapeManager() { stop(); }

LoopOptions ScrapeManager::loop_options(const config::Config& config,
                                        std::shared_ptr<const Relabeler> metric_relabel) {
    LoopOptions o;
    o.series.honor_labels = config.global.honor_labels;
    o.series.honor_timestamps = config.global.honor_timestamps;
    o.series.metric_relabel = config.metric_relabel_configs.empty() ? nullptr : std::move(metric_relabel);
    o.limits.sample_limit = config.global.sample_limit;
    o.limits.label_limit = config.global.label_limit;
    o.body_size_limit = config.global.body_size_limit;
    return o;
}

void ScrapeManager::apply(const discovery::DiscoveryUpdate& update) {
    // A few containers started while we run are scraped at once; a burst (the initial sync, a big
    // deployment) spreads over the interval as Prometheus spreads it.
    const auto first = update.added.size() + update.changed.size() <= kPromptGroups ? FirstScrape::Prompt
                                                                                    : FirstScrape::Spread;
    std::lock_guard lock(mutex_);
    for (const auto& source : update.removed) sync_group(source, nullptr, first);
    for (const auto& group : update.added) sync_group(group.source, &group, first);
    for (const auto& group : update.changed) sync_group(group.source, &group, first);
    update_gauges();
}

void ScrapeManager::reload(const config::Config& config) {
    auto builder = std::make_unique<TargetBuilder>(config);
    std::lock_guard lock(mutex_);
    // The same rules keep the same Relabeler, so the loops keep their caches.
    auto relabeler = options_.series.metric_relabel;
    if (config.metric_relabel_configs != metric_relabel_configs_ || !relabeler)
        relabeler = std::make_shared<const Relabeler>(config.metric_relabel_configs);
    options_ = loop_options(config, relabeler);
    metric_relabel_configs_ = config.metric_relabel_configs;
    builder_ = std::move(builder);
    std::vector<discovery::TargetGroup> raws;
    for (const auto& [source, group] : groups_) raws.push_back(group.raw);
    for (const auto& raw : raws) sync_group(raw.source, &raw, FirstScrape::Spread);
    update_gauges();
}

void ScrapeManager::stop() {
    std::lock_guard lock(mutex_);
    for (auto& [key, loop] : loops_) loop->stop();
    loops_.clear();
    groups_.clear();
    update_gauges();
}

void ScrapeManager::sync_group(const std::string& source, const discovery::TargetGroup* group, FirstScrape first) {
    BuiltGroup built;
    if (group != nullptr) built = builder_->build(*group);
    std::vector<std::string> keys;
    for (auto& target : built.active) {
        auto key = source + ' ' + target.url();
        if (const auto it = loops_.find(key); it != loops_.end()) {
            it->second->update(std::move(target), options_);
        } else {
            auto hook = [m = metrics_](const ScrapeReport& r) {
                m.scrapes->Increment();
                if (!r.ok) m.failures->Increment();
                m.samples->Increment(static_cast<double>(r.samples));
                m.duration->Observe(r.duration_seconds);
            };
            auto loop = std::make_shared<ScrapeLoop>(boost::asio::make_strand(io_), appenders_(), std::move(target),
                                                     options_, std::move(hook));
            loop->start(first);
            loops_.emplace(key, std::move(loop));
        }
        keys.push_back(std::move(key));
    }
    if (const auto old = groups_.find(source); old != groups_.end())
        stop_loops_not_kept(loops_, old->second.keys, keys);
    if (group == nullptr)
        groups_.erase(source);
    else
        groups_[source] = Group{*group, std::move(keys), std::move(built.dropped)};
}

void ScrapeManager::update_gauges() {
    std::size_t dropped = 0;
    for (const auto& [source, group] : groups_) dropped += group.dropped.size();
    metrics_.active->Set(static_cast<double>(loops_.size()));
    metrics_.dropped->Set(static_cast<double>(dropped));
}

std::vector<TargetStatus> ScrapeManager::targets() const {
    std::lock_guard lock(mutex_);
    std::vector<TargetStatus> out;
    for (const auto& [source, group] : groups_) {
        for (const auto& key : group.keys) {
            const auto it = loops_.find(key);
            if (it == loops_.end()) continue;
            const auto target = it->second->target();
            const auto status = it->second->status();
            TargetStatus t;
            t.discovered = target.discovered;
            t.labels = target.labels;
            t.scrape_pool = target.job();
            t.scrape_url = target.url();
            t.last_error = status.last_error;
            if (status.health != Health::Unknown) t.last_scrape = status.last_scrape;
            t.last_duration_seconds = status.last_duration_seconds;
            t.health = status.health;
            t.interval = target.interval;
            t.timeout = target.timeout;
            out.push_back(std::move(t));
        }
        for (const auto& labels : group.dropped) {
            TargetStatus t;
            t.active = false;
            t.discovered = labels;
            t.scrape_pool = std::string(labels.get("job"));
            out.push_back(std::move(t));
        }
    }
    return out;
}

}  // namespace autoscrape::scrape
