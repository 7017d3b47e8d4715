#include "agent/remote/queue_metrics.hpp"

namespace autoscrape::remote {

namespace {

prometheus::Family<prometheus::Counter>& counter(prometheus::Registry& r, const char* name, const char* help)
{
    return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

prometheus::Family<prometheus::Gauge>& gauge(prometheus::Registry& r, const char* name, const char* help)
{
    return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

// Prometheus' buckets for sent_batch_duration_seconds (DefBuckets * 25).
const prometheus::Histogram::BucketBoundaries kBatchBuckets{
    0.125, 0.25, 0.5, 1.25, 2.5, 6.25, 12.5, 25, 62.5, 125, 250};

}  // namespace

QueueMetricFamilies::QueueMetricFamilies(prometheus::Registry& r)
    : samples(counter(r, "autoscrape_remote_storage_samples_total", "Samples sent to remote storage.")),
      samples_failed(counter(r, "autoscrape_remote_storage_samples_failed_total",
                             "Samples that failed to be sent with a non-recoverable error.")),
      samples_retried(counter(r, "autoscrape_remote_storage_samples_retried_total",
                              "Samples that failed to be sent with a recoverable error and were retried.")),
      samples_dropped(counter(r, "autoscrape_remote_storage_samples_dropped_total",
                              "Samples dropped before sending (write_relabel_configs, unknown series).")),
      samples_pending(gauge(r, "autoscrape_remote_storage_samples_pending", "Samples queued in the shards.")),
      shards(gauge(r, "autoscrape_remote_storage_shards", "Shards currently sending.")),
      shards_desired(gauge(r, "autoscrape_remote_storage_shards_desired",
                           "Shards the backlog and send rate call for.")),
      highest_timestamp(gauge(r, "autoscrape_remote_storage_highest_timestamp_in_seconds",
                              "Newest sample timestamp read from the WAL for this endpoint.")),
      highest_sent_timestamp(gauge(r, "autoscrape_remote_storage_queue_highest_sent_timestamp_seconds",
                                   "Newest sample timestamp delivered to this endpoint.")),
      sent_batch_duration(prometheus::BuildHistogram()
                              .Name("autoscrape_remote_storage_sent_batch_duration_seconds")
                              .Help("Duration of each send attempt to remote storage.")
                              .Register(r)),
      bytes(counter(r, "autoscrape_remote_storage_bytes_total", "Compressed request bytes delivered.")),
      series(gauge(r, "autoscrape_remote_storage_series",
                   "Series whose labels this endpoint holds (sent, or dropped by write_relabel_configs)."))
{
}

QueueMetrics::QueueMetrics(QueueMetricFamilies& f, const std::string& remote_name, const std::string& url)
    : QueueMetrics(f, prometheus::Labels{{"remote_name", remote_name}, {"url", url}})
{
}

QueueMetrics::QueueMetrics(QueueMetricFamilies& f, const prometheus::Labels& labels)
    : samples(f.samples.Add(labels)),
      samples_failed(f.samples_failed.Add(labels)),
      samples_retried(f.samples_retried.Add(labels)),
      samples_dropped(f.samples_dropped.Add(labels)),
      samples_pending(f.samples_pending.Add(labels)),
      shards(f.shards.Add(labels)),
      shards_desired(f.shards_desired.Add(labels)),
      highest_timestamp(f.highest_timestamp.Add(labels)),
      highest_sent_timestamp(f.highest_sent_timestamp.Add(labels)),
      sent_batch_duration(f.sent_batch_duration.Add(labels, kBatchBuckets)),
      bytes(f.bytes.Add(labels)),
      series(f.series.Add(labels)),
      families_(f)
{
}

QueueMetrics::~QueueMetrics()
{
    families_.samples.Remove(&samples);
    families_.samples_failed.Remove(&samples_failed);
    families_.samples_retried.Remove(&samples_retried);
    families_.samples_dropped.Remove(&samples_dropped);
    families_.samples_pending.Remove(&samples_pending);
    families_.shards.Remove(&shards);
    families_.shards_desired.Remove(&shards_desired);
    families_.highest_timestamp.Remove(&highest_timestamp);
    families_.highest_sent_timestamp.Remove(&highest_sent_timestamp);
    families_.sent_batch_duration.Remove(&sent_batch_duration);
    families_.bytes.Remove(&bytes);
    families_.series.Remove(&series);
}

}  // namespace autoscrape::remote
