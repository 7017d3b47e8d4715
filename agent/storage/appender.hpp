// The narrow interface between the sample producers (scrape loops, probes, container stats) and
// storage. A producer asks for a series ref once per label set, appends a scrape's samples, then
// commits them as one batch (or rolls the batch back when the scrape failed half-way).
#pragma once

#include <cstdint>

#include "agent/storage/series.hpp"

namespace autoscrape::storage {

class Appender {
public:
    virtual ~Appender() = default;

    // Returns the stable ref of a label set (in any order; it is canonicalised), allocating one and
    // logging its series record the first time the set is seen.
    virtual SeriesRef series(Labels labels) = 0;

    virtual void append(SeriesRef ref, std::int64_t timestamp_ms, double value) = 0;

    // Makes the batch durable in the WAL (written; fsynced per wal.fsync_interval).
    virtual void commit() = 0;

    // Forgets the samples appended since the last commit.
    virtual void rollback() = 0;
};

}  // namespace autoscrape::storage
