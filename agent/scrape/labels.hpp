// A label set as relabelling and the scrape cache need it: a small vector of (name, value) pairs
// kept sorted by name, so lookups are a binary search and equal sets compare element-wise.
//
// As in Prometheus' labels.Builder, setting an empty value deletes the label: an empty label
// value and a missing label mean the same thing.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autoscrape::scrape {

struct Label {
    std::string name;
    std::string value;
    bool operator==(const Label&) const = default;
};

class LabelSet {
public:
    LabelSet() = default;
    LabelSet(std::initializer_list<std::pair<std::string_view, std::string_view>> labels);

    // The value of `name`, or "" when the set has no such label.
    std::string_view get(std::string_view name) const;
    bool has(std::string_view name) const;
    void set(std::string_view name, std::string_view value);
    void del(std::string_view name);
    // Removes every label for which `pred(const Label&)` is true.
    template <typename Pred>
    void del_if(Pred pred) {
        std::erase_if(labels_, pred);
    }
    void clear() { labels_.clear(); }

    std::size_t size() const { return labels_.size(); }
    bool empty() const { return labels_.empty(); }
    const Label& operator[](std::size_t i) const { return labels_[i]; }
    auto begin() const { return labels_.begin(); }
    auto end() const { return labels_.end(); }
    bool operator==(const LabelSet&) const = default;

    // {a="1", b="2"} with Go-style quoting; for logs and test failures.
    std::string to_string() const;

private:
    std::vector<Label>::iterator find(std::string_view name);
    std::vector<Label> labels_;
};

std::ostream& operator<<(std::ostream& os, const LabelSet& labels);

// Prometheus' classic label name rule: [a-zA-Z_][a-zA-Z0-9_]*.
bool is_valid_label_name(std::string_view name);

}  // namespace autoscrape::scrape
