#include "probes/container_series.hpp"

#include "agent/storage/stale.hpp"

#include <fmt/format.h>

#include <array>

namespace autoscrape::probes {

namespace {

// Docker's health states; each is a series, 1 for the current one (kube-state-metrics' pattern
// for states, so `== 1` selects, and a state change is visible without string values).
constexpr std::array<std::string_view, 3> kHealthStates = {"starting", "healthy", "unhealthy"};

std::string device_label(const DeviceNames& devices, const DeviceIo& io) {
    if (auto it = devices.find({io.major, io.minor}); it != devices.end()) return it->second;
    return fmt::format("{}:{}", io.major, io.minor);
}

}  // namespace

void ContainerSeries::add(storage::Appender& app, std::string_view metric, std::string_view extra_name,
                          std::string_view extra_value, double value) {
    key_.assign(metric);
    key_.push_back('\xff');
    key_.append(extra_value);
    auto it = refs_.find(key_);
    if (it == refs_.end()) {
        storage::Labels labels{{"__name__", std::string(metric)},
                               {"id", identity_.id},
                               {"name", identity_.name},
                               {"image", identity_.image},
                               {"container", identity_.name},
                               {"compose_service", identity_.compose_service},
                               {"compose_project", identity_.compose_project}};
        if (!extra_name.empty()) labels.emplace_back(extra_name, extra_value);
        it = refs_.emplace(key_, Entry{app.series(std::move(labels)), 0}).first;
    }
    it->second.pass = pass_;
    app.append(it->second.ref, now_ms_, value);
}

void ContainerSeries::append_pass(storage::Appender& app, std::int64_t now_ms, const CgroupSample& cgroup,
                                  const std::vector<InterfaceStats>& interfaces, const ContainerState& state,
                                  const DeviceNames& devices) {
    ++pass_;
    now_ms_ = now_ms;
    add(app, "container_cpu_usage_seconds_total", "cpu", "total", cgroup.cpu_seconds);
    add(app, "container_memory_usage_bytes", {}, {}, static_cast<double>(cgroup.memory_usage));
    add(app, "container_memory_working_set_bytes", {}, {}, static_cast<double>(cgroup.working_set));
    add(app, "container_spec_memory_limit_bytes", {}, {}, static_cast<double>(cgroup.memory_limit));
    for (const auto& i : interfaces) {
        add(app, "container_network_receive_bytes_total", "interface", i.name, static_cast<double>(i.rx_bytes));
        add(app, "container_network_receive_packets_total", "interface", i.name, static_cast<double>(i.rx_packets));
        add(app, "container_network_receive_errors_total", "interface", i.name, static_cast<double>(i.rx_errors));
        add(app, "container_network_transmit_bytes_total", "interface", i.name, static_cast<double>(i.tx_bytes));
        add(app, "container_network_transmit_packets_total", "interface", i.name, static_cast<double>(i.tx_packets));
        add(app, "container_network_transmit_errors_total", "interface", i.name, static_cast<double>(i.tx_errors));
    }
    for (const auto& io : cgroup.io) {
        const auto device = device_label(devices, io);
        add(app, "container_fs_reads_bytes_total", "device", device, static_cast<double>(io.read_bytes));
        add(app, "container_fs_writes_bytes_total", "device", device, static_cast<double>(io.write_bytes));
    }
    add(app, "container_start_time_seconds", {}, {}, state.started_at_seconds);
    add(app, "container_last_seen", {}, {}, static_cast<double>(now_ms / 1000));
    add(app, "autoscrape_container_restarts_total", {}, {}, static_cast<double>(state.restart_count));
    if (!state.health_status.empty()) {
        for (auto s : kHealthStates) {
            add(app, "autoscrape_container_health_status", "status", s, state.health_status == s ? 1.0 : 0.0);
        }
    }
    for (auto it = refs_.begin(); it != refs_.end();) {
        if (it->second.pass == pass_) {
            ++it;
            continue;
        }
        app.append(it->second.ref, now_ms, storage::stale_nan());
        it = refs_.erase(it);
    }
}

void ContainerSeries::append_stale(storage::Appender& app, std::int64_t now_ms) {
    for (const auto& [key, entry] : refs_) app.append(entry.ref, now_ms, storage::stale_nan());
    refs_.clear();
}

}  // namespace autoscrape::probes
