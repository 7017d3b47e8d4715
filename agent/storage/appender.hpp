// The narrow interface between the sample producers (scrape loops, probes, container stats) and
// storage. A producer asks for a series ref once per label set, appends a scrape's samples, then
// commits them as one batch (or rolls the batch back when the scrape failed half-way).
#pragma once

#include <cstdint>
#include <stdexcept>

#include "agent/storage/series.hpp"

namespace autoscrape::storage {

// Thrown by Appender::commit() when a sample (other than a stale marker) names a ref the storage
// does not know: it forgot the series after wal.forget_series_after without samples. Nothing of the
// batch was written. The producer gets fresh refs with series() and appends the batch again.
class UnknownSeriesError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

class Appender {
public:
    virtual ~Appender() = default;

    // Returns the stable ref of a label set (in any order; it is canonicalised), allocating one and
    // logging its series record the first time the set is seen. A producer may keep the ref while
    // it appends to the series; after a long pause it may get UnknownSeriesError (see above).
    virtual SeriesRef series(Labels labels) = 0;

    virtual void append(SeriesRef ref, std::int64_t timestamp_ms, double value) = 0;

    // Makes the batch durable in the WAL (written; fsynced per wal.fsync_interval). Throws
    // UnknownSeriesError, with the batch forgotten, when a ref is no longer known. Stale markers of
    // such refs are left out silently: the series went stale long ago.
    virtual void commit() = 0;

    // Forgets the samples appended since the last commit.
    virtual void rollback() = 0;
};

// How a producer keeps the contract of commit(): runs `append` (which appends one batch) and
// commits it; when storage forgot a ref the producer cached (the series was idle past
// wal.forget_series_after, as while a target was down), `drop_refs` drops the cached refs and the
// batch is appended once more under fresh ones.
template <typename Append, typename DropRefs>
void append_and_commit(Appender& app, Append&& append, DropRefs&& drop_refs)
{
    append();
    try {
        app.commit();
    } catch (const UnknownSeriesError&) {
        drop_refs();
        append();
        app.commit();
    }
}

}  // namespace autoscrape::storage
