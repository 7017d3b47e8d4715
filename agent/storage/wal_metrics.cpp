#include "agent/storage/wal_metrics.hpp"

namespace autoscrape::storage {

WalMetrics::WalMetrics(prometheus::Registry& registry)
    : segments(prometheus::BuildGauge()
                   .Name("autoscrape_wal_segments")
                   .Help("WAL segment files on disk, the one being written included.")
                   .Register(registry)
                   .Add({})),
      size_bytes(prometheus::BuildGauge()
                     .Name("autoscrape_wal_size_bytes")
                     .Help("Total size of the WAL segment files.")
                     .Register(registry)
                     .Add({})),
      series(prometheus::BuildGauge()
                 .Name("autoscrape_wal_series")
                 .Help("Series the WAL knows; one idle for wal.forget_series_after leaves at a checkpoint.")
                 .Register(registry)
                 .Add({})),
      samples_appended(prometheus::BuildCounter()
                           .Name("autoscrape_wal_samples_appended_total")
                           .Help("Samples committed to the WAL.")
                           .Register(registry)
                           .Add({})),
      samples_dropped(prometheus::BuildCounter()
                          .Name("autoscrape_wal_samples_dropped_total")
                          .Help("Samples deleted by wal.max_size or wal.max_age before every "
                                "remote-write endpoint acknowledged them.")
                          .Register(registry)
                          .Add({})),
      corruptions(prometheus::BuildCounter()
                      .Name("autoscrape_wal_corruptions_total")
                      .Help("Torn or corrupt WAL records found (and cut off) at start-up or while reading.")
                      .Register(registry)
                      .Add({})),
      fsync_duration(prometheus::BuildHistogram()
                         .Name("autoscrape_wal_fsync_duration_seconds")
                         .Help("Duration of WAL fsync calls.")
                         .Register(registry)
                         .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.0005, 0.001, 0.005, 0.01,
                                                                           0.05, 0.1, 0.5, 1, 5}))
{
}

}  // namespace autoscrape::storage
