// The standard process_* metrics of Prometheus client libraries, read from procfs on each scrape.
//
// Names and units match client_golang's process collector, so existing dashboards and alerts
// (e.g. on process_resident_memory_bytes or rate(process_cpu_seconds_total[5m])) work unchanged.
// A procfs file that cannot be read or parsed drops only the metrics that come from it: a
// missing series is visible to the scraper, an invented zero would not be.
#pragma once

#include <filesystem>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <vector>

namespace autoscrape::agent {

class ProcessCollector : public prometheus::Collectable {
public:
    // proc_root is a parameter so tests can point it at a fixture tree; it must hold
    // self/stat, self/limits, self/fd/ and stat (for the boot time).
    explicit ProcessCollector(std::filesystem::path proc_root = "/proc");

    std::vector<prometheus::MetricFamily> Collect() const override;

private:
    std::filesystem::path proc_root_;
    double ticks_per_second_;
    double page_size_;
};

}  // namespace autoscrape::agent
