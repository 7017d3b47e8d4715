#include "agent/scrape/scrape_cache.hpp"

#include <algorithm>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "agent/storage/growth.hpp"
#include "agent/storage/stale.hpp"

namespace autoscrape::scrape {

namespace {

// Prometheus' resolveConflictingExposedLabels: a scraped label that collides with a target label
// moves to exported_<name> (exported_exported_<name>, ... until free).
void attach_target_labels(LabelSet& labels, const LabelSet& target, bool honor_labels) {
    if (honor_labels) {
        for (const auto& l : target)
            if (!labels.has(l.name)) labels.set(l.name, l.value);
        return;
    }
    std::vector<Label> conflicts;
    for (const auto& l : target) {
        const auto existing = labels.get(l.name);
        if (!existing.empty()) conflicts.push_back({l.name, std::string(existing)});
        labels.set(l.name, l.value);
    }
    for (const auto& c : conflicts) {
        std::string name = c.name;
        do {
            name = "exported_" + name;
        } while (labels.has(name));
        labels.set(name, c.value);
    }
}

}  // namespace

bool ScrapeCache::in_last_ok(const CacheEntry& e) const {
    if (!has_last_ok_) return false;
    return e.last_seen == last_ok_ || (e.last_seen == attempt_ && e.seen_before == last_ok_);
}

void ScrapeCache::touch(CacheEntry& e) const {
    if (e.last_seen == attempt_) return;
    e.seen_before = e.last_seen;
    e.last_seen = attempt_;
}

std::string ScrapeCache::build_entry(storage::Appender& app, const LabelSet& target, const SeriesOptions& options,
                                     const AppendLimits& limits, CacheEntry& entry) {
    ++labels_built_;
    scratch_.clear();
    scratch_.set("__name__", parser_.metric_name());
    for (std::size_t i = 0; i < parser_.label_count(); ++i) {
        const auto l = parser_.label(i);
        scratch_.set(l.name, l.value);
    }
    attach_target_labels(scratch_, target, options.honor_labels);
    if (options.metric_relabel && !options.metric_relabel->apply(scratch_)) {
        entry.dropped = true;
        return {};
    }
    if (scratch_.get("__name__").empty()) {
        entry.dropped = true;
        return {};
    }
    if (limits.label_limit > 0 && scratch_.size() > limits.label_limit)
        return fmt::format("label_limit exceeded (metric: {:.50}, number of labels: {}, limit: {})",
                           scratch_.get("__name__"), scratch_.size(), limits.label_limit);
    storage_labels_.clear();
    for (const auto& l : scratch_) storage_labels_.emplace_back(l.name, l.value);
    entry.ref = app.series(storage_labels_);
    return {};
}

std::uint32_t ScrapeCache::lookup(storage::Appender& app, const LabelSet& target, const SeriesOptions& options,
                                  const AppendLimits& limits, AppendResult& result) {
    const auto entry_of = [this](std::uint32_t id) { return table_entry(id); };
    const auto text = parser_.series();
    const auto hash = storage::KeyTable::hash_of(text);
    if (const auto id = table_.find(text, hash, entry_of); id != 0) return id - 1;
    if (keys_.size() + text.size() > kNone || entries_.size() + 1 >= kNone) {
        result.error = "scrape cache full: over 4 GiB of series text or 4 billion series";
        return kNone;
    }
    CacheEntry fresh;
    if (auto err = build_entry(app, target, options, limits, fresh); !err.empty()) {
        result.error = std::move(err);
        return kNone;
    }
    if (!fresh.dropped) ++result.series_added;
    fresh.key_offset = static_cast<std::uint32_t>(keys_.size());
    fresh.key_size = static_cast<std::uint32_t>(text.size());
    fresh.hash = hash;
    storage::reserve_for_more(keys_, text.size());
    keys_.insert(keys_.end(), text.begin(), text.end());
    storage::reserve_for_more(entries_, 1);
    entries_.push_back(fresh);
    table_.insert(static_cast<std::uint32_t>(entries_.size()), text, hash, entry_of);
    return static_cast<std::uint32_t>(entries_.size() - 1);
}

AppendResult ScrapeCache::append(storage::Appender& app, std::string_view body, Format format,
                                 const LabelSet& target, const SeriesOptions& options, const AppendLimits& limits,
                                 std::int64_t timestamp_ms) {
    begin(format);
    feed(app, body, true, target, options, limits, timestamp_ms);
    return pass_.result;
}

void ScrapeCache::begin(Format format) {
    ++attempt_;
    parser_.reset({}, format, false);
    // Keys are only comparable within one format (the text format allows blanks OpenMetrics does not).
    if (format != last_format_) last_order_.clear();
    last_format_ = format;
    order_.clear();
    pass_ = Pass{.open = true};
}

bool ScrapeCache::feed(storage::Appender& app, std::string_view piece, bool last, const LabelSet& target,
                       const SeriesOptions& options, const AppendLimits& limits, std::int64_t timestamp_ms) {
    if (!pass_.open) return false;
    parser_.continue_with(piece, last);
    AppendResult& result = pass_.result;
    const unsigned writing = generation_ & 1U;
    const unsigned reading = writing ^ 1U;
    // Locals, not members, in the loop: the compiler keeps them in registers across the appends.
    std::size_t at = pass_.at;
    std::size_t distinct = pass_.distinct;
    const auto fail = [&](std::string error) {
        if (result.error.empty()) result.error = std::move(error);
        pass_.open = false;
        return false;
    };
    for (;;) {
        prefetch_ahead(at);
        const std::uint32_t predicted = at < last_order_.size() ? last_order_[at] : kNone;
        // The view is used by next() alone: a new entry may move keys_.
        const scrape::Entry kind = parser_.next(predicted != kNone ? key(entries_[predicted]) : "");
        if (kind == scrape::Entry::More || (kind == scrape::Entry::Eof && !last)) break;
        if (kind == scrape::Entry::Eof) {
            finish_success(app, timestamp_ms, distinct);
            last_order_.swap(order_);
            ++generation_;
            pass_.open = false;
            return true;
        }
        if (kind == scrape::Entry::Error) return fail(parser_.error().to_string());
        if (kind != scrape::Entry::Series) continue;
        ++result.total;

        const std::uint32_t index = parser_.known_match() ? predicted : lookup(app, target, options, limits, result);
        if (index == kNone) return fail({});
        CacheEntry& entry = entries_[index];
        // Predict the line that followed this one last time; after a new line, the one that was
        // predicted for it (the new line was inserted).
        const std::uint32_t was = entry.position[reading];
        at = was < last_order_.size() && last_order_[was] == index ? was + 1 : at + (predicted != kNone ? 0 : 1);
        if (entry.last_seen == attempt_) continue;  // duplicate line: the first one counts
        entry.position[writing] = static_cast<std::uint32_t>(order_.size());
        order_.push_back(index);
        touch(entry);
        ++distinct;
        if (entry.dropped) continue;
        if (++result.added > limits.sample_limit && limits.sample_limit > 0) return fail("sample limit exceeded");
        const auto own = options.honor_timestamps ? parser_.timestamp_ms() : std::nullopt;
        entry.explicit_timestamp = own.has_value();
        app.append(entry.ref, own.value_or(timestamp_ms), parser_.value());
    }
    pass_.at = at;
    pass_.distinct = distinct;
    return true;
}

void ScrapeCache::prefetch_ahead(std::size_t at) const {
    // The entry 16 lines ahead, and the key bytes of the one 8 ahead (its entry was fetched 8 lines
    // ago): both arrive while the lines in between are parsed.
    constexpr std::size_t kAhead = 16;
    if (at + kAhead < last_order_.size()) __builtin_prefetch(&entries_[last_order_[at + kAhead]]);
    if (at + kAhead / 2 < last_order_.size())
        __builtin_prefetch(keys_.data() + entries_[last_order_[at + kAhead / 2]].key_offset);
}

void ScrapeCache::finish_success(storage::Appender& app, std::int64_t timestamp_ms, std::size_t seen) {
    // The steady state: every cached series was in this scrape, so none went stale or is left to
    // forget, and the walk over the whole cache (a cache miss per entry) is not needed.
    if (seen != entries_.size()) mark_gone(app, timestamp_ms);
    last_ok_ = attempt_;
    has_last_ok_ = true;
}

void ScrapeCache::mark_gone(storage::Appender& app, std::int64_t timestamp_ms) {
    // Two raw lines can name one series (other label order, or metric relabelling merging them):
    // only a ref missing from this scrape altogether is stale.
    std::vector<storage::SeriesRef> gone;
    bool erasing = false;
    for (const auto& e : entries_) {
        const bool now = e.last_seen == attempt_;
        const bool before = in_last_ok(e);
        if (before && !now && !e.dropped && !e.explicit_timestamp) gone.push_back(e.ref);
        erasing = erasing || !(now || before);
    }
    if (erasing) forget_unseen();
    if (!gone.empty()) {
        std::unordered_set<storage::SeriesRef> present;
        for (const auto& e : entries_)
            if (e.last_seen == attempt_ && !e.dropped) present.insert(e.ref);
        std::sort(gone.begin(), gone.end());
        gone.erase(std::unique(gone.begin(), gone.end()), gone.end());
        for (const auto ref : gone)
            if (!present.contains(ref)) app.append(ref, timestamp_ms, storage::stale_nan());
    }
}

// Erases entries seen neither now nor in the last successful scrape (the last order may hold them,
// so it goes; this scrape's order holds only entries it saw, renumbered here). The survivors and
// their keys move to fresh, exactly sized storage, so a target whose series churn does not grow.
void ScrapeCache::forget_unseen() {
    last_order_.clear();
    std::vector<std::uint32_t> moved_to(entries_.size(), kNone);
    std::size_t kept = 0;
    std::size_t kept_key_bytes = 0;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (entries_[i].last_seen == attempt_ || in_last_ok(entries_[i])) {
            moved_to[i] = static_cast<std::uint32_t>(kept++);
            kept_key_bytes += entries_[i].key_size;
        }
    }
    std::vector<CacheEntry> entries;
    std::vector<char> keys;
    entries.reserve(kept);
    keys.reserve(kept_key_bytes);
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (moved_to[i] == kNone) continue;
        CacheEntry e = entries_[i];
        e.key_offset = static_cast<std::uint32_t>(keys.size());
        const auto text = key(entries_[i]);
        keys.insert(keys.end(), text.begin(), text.end());
        entries.push_back(e);
    }
    entries_.swap(entries);
    keys_.swap(keys);
    for (auto& index : order_) index = moved_to[index];
    table_.clear();
    const auto entry_of = [this](std::uint32_t id) { return table_entry(id); };
    for (std::uint32_t i = 0; i < entries_.size(); ++i)
        table_.insert(i + 1, key(entries_[i]), entries_[i].hash, entry_of);
}

void ScrapeCache::stale_all(storage::Appender& app, std::int64_t timestamp_ms) {
    std::vector<storage::SeriesRef> refs;
    for (const auto& e : entries_)
        if (in_last_ok(e) && !e.dropped && !e.explicit_timestamp) refs.push_back(e.ref);
    std::sort(refs.begin(), refs.end());
    refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
    for (const auto ref : refs) app.append(ref, timestamp_ms, storage::stale_nan());
    has_last_ok_ = false;
}

void ScrapeCache::clear() {
    entries_.clear();
    keys_.clear();
    table_.clear();
    last_order_.clear();
    order_.clear();
    has_last_ok_ = false;
    pass_ = {};
}

}  // namespace autoscrape::scrape
