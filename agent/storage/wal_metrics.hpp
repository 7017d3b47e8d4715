// The WAL's self-metrics, declared beside the code that bumps them.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace autoscrape::storage {

struct WalMetrics {
    explicit WalMetrics(prometheus::Registry& registry);

    prometheus::Gauge& segments;
    prometheus::Gauge& size_bytes;
    prometheus::Gauge& series;
    prometheus::Counter& samples_appended;
    prometheus::Counter& samples_dropped;
    prometheus::Counter& corruptions;
    prometheus::Histogram& fsync_duration;
};

}  // namespace autoscrape::storage
