// The per-target scrape cache: from a body to appended samples, with staleness.
//
// Keyed by the raw series text of a line (`foo{a="1"}` exactly as the exporter wrote it), so a
// series seen before costs one hash lookup: no label building, no metric relabelling, no series
// lookup in storage. Dropped series are cached too. The cache remembers which series the last
// successful scrape had, so a series that disappears gets a stale marker (as Prometheus'
// scrapeCache with seriesPrev/seriesCur).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/scrape/format.hpp"
#include "agent/scrape/labels.hpp"
#include "agent/scrape/relabel.hpp"
#include "agent/scrape/text_parser.hpp"
#include "agent/storage/appender.hpp"
#include "agent/storage/key_table.hpp"

namespace autoscrape::scrape {

// What shapes the series a target produces; a change invalidates the cache.
struct SeriesOptions {
    bool honor_labels = false;
    bool honor_timestamps = true;
    std::shared_ptr<const Relabeler> metric_relabel;  // may be null
    bool operator==(const SeriesOptions&) const = default;
};

struct AppendLimits {
    std::uint64_t sample_limit = 0;  // 0 = unlimited
    std::uint64_t label_limit = 0;
};

struct AppendResult {
    std::uint64_t total = 0;         // samples in the body
    std::uint64_t added = 0;         // samples appended (after metric relabelling)
    std::uint64_t series_added = 0;  // series new to the cache
    std::string error;               // empty on success
};

class ScrapeCache {
public:
    // Parses `body` and appends its samples at `timestamp_ms` (or their own, with honor_timestamps).
    // On success, series of the last successful scrape missing from this one get stale markers; on
    // error nothing is marked and the caller rolls back and calls stale_all().
    AppendResult append(storage::Appender& app, std::string_view body, Format format, const LabelSet& target,
                        const SeriesOptions& options, const AppendLimits& limits, std::int64_t timestamp_ms);

    // The same for a body that arrives in pieces (see TextParser): begin(), then feed() with each
    // piece, `last` for the final one (which may be empty), then result(). feed() returns false
    // once the scrape has failed: the pieces after that need not come.
    void begin(Format format);
    bool feed(storage::Appender& app, std::string_view piece, bool last, const LabelSet& target,
              const SeriesOptions& options, const AppendLimits& limits, std::int64_t timestamp_ms);
    const AppendResult& result() const { return pass_.result; }

    // Stale markers for every series of the last successful scrape (after a failed scrape, or when
    // the target goes away); afterwards no series counts as previously seen.
    void stale_all(storage::Appender& app, std::int64_t timestamp_ms);

    // Forgets everything (target labels or series options changed); call stale_all() first.
    void clear();

    std::size_t size() const { return entries_.size(); }
    // Label sets built so far: a scrape whose series are all cached builds none.
    std::uint64_t labels_built() const { return labels_built_; }

private:
    static constexpr std::uint32_t kNone = UINT32_MAX;  // no entry / no position

    struct CacheEntry {
        storage::SeriesRef ref = 0;
        std::uint32_t last_seen = 0;      // attempt number
        std::uint32_t seen_before = 0;    // the attempt number before last_seen
        std::uint32_t key_offset = 0;     // its raw series text: keys_[key_offset, +key_size)
        std::uint32_t key_size = 0;
        std::uint32_t hash = 0;           // KeyTable::hash_of the text
        // Its index in the order of the scrape of generation 0 or 1 (by parity), valid where that
        // order holds this entry at the index: the line after it there is the next prediction.
        std::uint32_t position[2] = {kNone, kNone};
        bool dropped = false;
        bool explicit_timestamp = false;  // such series get no stale markers, as in Prometheus
    };
    static_assert(sizeof(CacheEntry) <= 40, "a cache entry per series: keep it small");

    std::string_view key(const CacheEntry& e) const { return {keys_.data() + e.key_offset, e.key_size}; }
    storage::KeyTable::Entry table_entry(std::uint32_t id) const {
        const CacheEntry& e = entries_[id - 1];
        return {key(e), e.hash};
    }
    bool in_last_ok(const CacheEntry& e) const;
    void touch(CacheEntry& e) const;
    // Builds, relabels and registers the labels of the parser's current series.
    std::string build_entry(storage::Appender& app, const LabelSet& target, const SeriesOptions& options,
                            const AppendLimits& limits, CacheEntry& entry);
    // The index of the parser's current series' entry (new ones built); kNone with `error` set when
    // building failed.
    std::uint32_t lookup(storage::Appender& app, const LabelSet& target, const SeriesOptions& options,
                         const AppendLimits& limits, AppendResult& result);
    void finish_success(storage::Appender& app, std::int64_t timestamp_ms, std::size_t seen);
    // Stale markers for series of the last successful scrape missing from this one (an attempt
    // before last_ok_ is updated); forgets series seen in neither.
    void mark_gone(storage::Appender& app, std::int64_t timestamp_ms);
    void forget_unseen();
    void prefetch_ahead(std::size_t at) const;

    // The scrape being appended, between begin() and its last piece.
    struct Pass {
        AppendResult result;
        std::size_t at = 0;        // index in last_order_ of the predicted line
        std::size_t distinct = 0;  // cache entries this scrape has seen
        bool open = false;
    };
    Pass pass_;

    // Entries by index (their id in table_ is index + 1), their keys back to back in keys_, found
    // by key through table_: 40 bytes an entry, its text, and 8-16 in the table, where an
    // unordered_map<std::string, ...> took ~185. Forgetting series compacts all three.
    // Both grow by an eighth at a time (storage/growth.hpp), not by doubling: at 100k series
    // the doubled capacity was a third of the cache's memory.
    std::vector<CacheEntry> entries_;
    std::vector<char> keys_;
    storage::KeyTable table_;
    // 32 bits keep an entry at 40 bytes; they wrap after 4 billion scrapes (136 years at 1 s).
    std::uint32_t attempt_ = 0;
    std::uint32_t last_ok_ = 0;
    bool has_last_ok_ = false;
    std::uint64_t labels_built_ = 0;
    // The series lines of the last successful scrape, in order (entry indices): line i of the next
    // body is predicted to be last_order_[i], checked by comparing bytes, so an unchanged body needs
    // no hashing. A vector rather than links from entry to entry, so the entries a few lines ahead
    // can be prefetched: following links, every line waited for a cache miss (measured: 4x the
    // whole parse when ten targets' caches take turns).
    std::vector<std::uint32_t> last_order_;
    std::vector<std::uint32_t> order_;  // this scrape's, becoming last_order_ when it succeeds
    std::uint32_t generation_ = 0;   // of order_; last_order_ is generation_ - 1
    Format last_format_ = Format::PrometheusText;
    TextParser parser_;
    LabelSet scratch_;
    storage::Labels storage_labels_;
};

}  // namespace autoscrape::scrape
