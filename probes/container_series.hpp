// The series of one container's stats: cAdvisor's metric names over the container's identity
// labels, appended pass by pass with staleness like a scrape's.
//
// A pass appends every series the container has now; a series of the previous pass that this one
// no longer has (an interface or device gone) gets a stale marker at the pass's timestamp, and so
// does every series when the container goes. Refs are cached per (metric, extra label value), so
// a steady pass builds no label sets and allocates nothing.
#pragma once

#include "agent/storage/appender.hpp"
#include "discovery/container_inspect.hpp"
#include "probes/cgroup_stats.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace autoscrape::probes {

// The labels every series of a container carries: cAdvisor's `id`, `name`, `image`, and the
// `container`, `compose_service`, `compose_project` labels its scrape targets have, so the two join.
struct ContainerIdentity {
    std::string id;  // cgroup path
    std::string name;
    std::string image;
    std::string compose_service;
    std::string compose_project;
    bool operator==(const ContainerIdentity&) const = default;
};

// What Docker says of the container (inspect), beside what the kernel says (CgroupSample).
struct ContainerState {
    double started_at_seconds = 0;
    std::int64_t restart_count = 0;
    std::string health_status;  // empty without a healthcheck
};

using DeviceNames = std::map<std::pair<std::uint32_t, std::uint32_t>, std::string>;

class ContainerSeries {
public:
    explicit ContainerSeries(ContainerIdentity identity) : identity_(std::move(identity)) {}

    const ContainerIdentity& identity() const { return identity_; }

    // Appends one pass: the cgroup sample, the network counters and Docker's state at `now_ms`,
    // then stale markers for the previous pass's series that this one lacks.
    void append_pass(storage::Appender& app, std::int64_t now_ms, const CgroupSample& cgroup,
                     const std::vector<InterfaceStats>& interfaces, const ContainerState& state,
                     const DeviceNames& devices);

    // Stale markers for every series of the last pass (the container is gone or no longer watched).
    void append_stale(storage::Appender& app, std::int64_t now_ms);

    std::size_t series_count() const { return refs_.size(); }

    // Drops every cached ref, so the next pass asks the appender for each series again (after
    // UnknownSeriesError); the series of the last pass get no stale markers from this object.
    void forget_refs() { refs_.clear(); }

private:
    struct Entry {
        storage::SeriesRef ref = 0;
        std::uint64_t pass = 0;  // the last pass that appended it
    };

    void add(storage::Appender& app, std::string_view metric, std::string_view extra_name,
             std::string_view extra_value, double value);

    ContainerIdentity identity_;
    std::unordered_map<std::string, Entry> refs_;
    std::string key_;  // scratch, reused
    std::uint64_t pass_ = 0;
    std::int64_t now_ms_ = 0;
};

}  // namespace autoscrape::probes
