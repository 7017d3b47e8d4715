#include "agent/remote/remote_write_stage.hpp"

#include <algorithm>
#include <vector>

#include <spdlog/spdlog.h>

namespace autoscrape::remote {

namespace {

using Clock = std::chrono::steady_clock;

// The WAL fsyncs on writes once fsync_interval has passed; an idle WAL needs this timer to get its
// last batch to disk. Also applies max_age, which no write would trigger.
std::chrono::milliseconds upkeep_interval(const config::WalConfig& wal)
{
    const std::chrono::milliseconds interval = wal.fsync_interval.count() > 0 ? wal.fsync_interval : std::chrono::seconds(1);
    return std::clamp(interval, std::chrono::milliseconds(100), std::chrono::milliseconds(10'000));
}

}  // namespace

RemoteWriteStage::RemoteWriteStage(const config::Config& config, prometheus::Registry& registry)
    : wal_config_(config.wal), wal_(config.wal, registry), families_(registry)
{
    for (const auto& rw : config.remote_write) {
        queues_[rw.name] = std::make_unique<QueueManager>(rw, config.global.external_labels, wal_, families_);
    }
}

RemoteWriteStage::~RemoteWriteStage()
{
    stop(std::chrono::milliseconds(0));
}

std::unique_ptr<storage::Appender> RemoteWriteStage::appender()
{
    return wal_.appender();
}

void RemoteWriteStage::start()
{
    std::lock_guard lock(mu_);
    if (started_ || stopping_) {
        return;
    }
    started_ = true;
    for (auto& [_, queue] : queues_) {
        queue->start();
    }
    upkeep_ = std::thread([this] { upkeep(); });
}

void RemoteWriteStage::stop(std::chrono::milliseconds flush_timeout)
{
    std::map<std::string, std::unique_ptr<QueueManager>> queues;
    {
        std::lock_guard lock(mu_);
        if (stopping_) {
            return;
        }
        stopping_ = true;
        queues.swap(queues_);
    }
    cv_.notify_all();
    if (upkeep_.joinable()) {
        upkeep_.join();
    }
    // In parallel, so N slow endpoints take flush_timeout in total, not N times it.
    const auto deadline = Clock::now() + flush_timeout;
    std::vector<std::thread> stoppers;
    for (auto& [_, queue] : queues) {
        stoppers.emplace_back([&queue, deadline] { queue->stop(deadline); });
    }
    for (auto& t : stoppers) {
        t.join();
    }
    queues.clear();
    try {
        wal_.sync();
    } catch (const std::exception& e) {
        spdlog::error("wal: fsync at shutdown failed: {}", e.what());
    }
}

void RemoteWriteStage::apply(const config::Config& config)
{
    for (const auto& rw : config.remote_write) {
        QueueManager::validate(rw);
    }
    if (config.wal != wal_config_) {
        spdlog::warn("wal settings changed; they take effect after a restart");
    }
    std::lock_guard lock(mu_);
    if (stopping_) {
        return;
    }
    std::map<std::string, std::unique_ptr<QueueManager>> next;
    for (const auto& rw : config.remote_write) {
        const auto it = queues_.find(rw.name);
        if (it != queues_.end() && it->second->config() == rw &&
            it->second->external_labels() == config.global.external_labels) {
            next[rw.name] = std::move(it->second);
            queues_.erase(it);
        }
    }
    // Removed and changed endpoints stop before their replacements register (same name, same
    // metric series). No flush: what they had not delivered is resent from their WAL position.
    const auto configured = [&config](const std::string& name) {
        return std::ranges::any_of(config.remote_write, [&name](const auto& rw) { return rw.name == name; });
    };
    for (auto& [name, queue] : queues_) {
        spdlog::info("remote_write {}: stopping (removed or changed)", name);
        queue->stop(Clock::now());
        if (!configured(name)) {
            wal_.unregister_reader(name);  // a removed endpoint must not pin segments
        }
    }
    queues_.clear();
    for (const auto& rw : config.remote_write) {
        if (!next.contains(rw.name)) {
            auto queue = std::make_unique<QueueManager>(rw, config.global.external_labels, wal_, families_);
            if (started_) {
                queue->start();
            }
            next[rw.name] = std::move(queue);
        }
    }
    queues_ = std::move(next);
}

void RemoteWriteStage::upkeep()
{
    const auto interval = upkeep_interval(wal_config_);
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval, [this] { return stopping_; })) {
        lock.unlock();
        try {
            wal_.sync();
            wal_.enforce_limits();
        } catch (const std::exception& e) {
            spdlog::error("wal: upkeep failed: {}", e.what());
        }
        lock.lock();
    }
}

}  // namespace autoscrape::remote
