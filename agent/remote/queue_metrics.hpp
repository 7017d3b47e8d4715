// Self-metrics of remote write, with Prometheus' names (prometheus_remote_storage_* ->
// autoscrape_remote_storage_*) so existing dashboards and alerts translate one to one. Every
// series is labelled remote_name and url; one QueueMetrics per endpoint, removed with it.
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace autoscrape::remote {

// The metric families, registered once per registry and shared by all endpoints.
struct QueueMetricFamilies {
    explicit QueueMetricFamilies(prometheus::Registry& registry);

    prometheus::Family<prometheus::Counter>& samples;
    prometheus::Family<prometheus::Counter>& samples_failed;
    prometheus::Family<prometheus::Counter>& samples_retried;
    prometheus::Family<prometheus::Counter>& samples_dropped;
    prometheus::Family<prometheus::Gauge>& samples_pending;
    prometheus::Family<prometheus::Gauge>& shards;
    prometheus::Family<prometheus::Gauge>& shards_desired;
    prometheus::Family<prometheus::Gauge>& highest_timestamp;
    prometheus::Family<prometheus::Gauge>& highest_sent_timestamp;
    prometheus::Family<prometheus::Histogram>& sent_batch_duration;
    prometheus::Family<prometheus::Counter>& bytes;
    prometheus::Family<prometheus::Gauge>& series;
};

class QueueMetrics {
public:
    QueueMetrics(QueueMetricFamilies& families, const std::string& remote_name, const std::string& url);
    ~QueueMetrics();
    QueueMetrics(const QueueMetrics&) = delete;
    QueueMetrics& operator=(const QueueMetrics&) = delete;

    prometheus::Counter& samples;          // delivered (2xx)
    prometheus::Counter& samples_failed;   // refused with a non-retryable status
    prometheus::Counter& samples_retried;  // in a batch that failed with a retryable error
    prometheus::Counter& samples_dropped;  // dropped before sending (write_relabel_configs, unknown series)
    prometheus::Gauge& samples_pending;
    prometheus::Gauge& shards;
    prometheus::Gauge& shards_desired;
    prometheus::Gauge& highest_timestamp;       // newest sample read from the WAL
    prometheus::Gauge& highest_sent_timestamp;  // newest sample delivered
    prometheus::Histogram& sent_batch_duration;
    prometheus::Counter& bytes;  // compressed request bytes delivered
    prometheus::Gauge& series;   // whose labels the endpoint holds

private:
    QueueMetrics(QueueMetricFamilies& families, const prometheus::Labels& labels);  // {remote_name, url}

    QueueMetricFamilies& families_;
};

}  // namespace autoscrape::remote
