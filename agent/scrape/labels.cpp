#include "agent/scrape/labels.hpp"

#include <algorithm>
#include <ostream>

namespace autoscrape::scrape {

namespace {

bool name_less(const Label& label, std::string_view name) { return label.name < name; }

}  // namespace

LabelSet::LabelSet(std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
    for (const auto& [name, value] : labels) set(name, value);
}

std::vector<Label>::iterator LabelSet::find(std::string_view name) {
    return std::lower_bound(labels_.begin(), labels_.end(), name, name_less);
}

std::string_view LabelSet::get(std::string_view name) const {
    const auto it = std::lower_bound(labels_.begin(), labels_.end(), name, name_less);
    return it != labels_.end() && it->name == name ? std::string_view(it->value) : std::string_view();
}

bool LabelSet::has(std::string_view name) const {
    const auto it = std::lower_bound(labels_.begin(), labels_.end(), name, name_less);
    return it != labels_.end() && it->name == name;
}

void LabelSet::set(std::string_view name, std::string_view value) {
    if (value.empty()) {
        del(name);
        return;
    }
    const auto it = find(name);
    if (it != labels_.end() && it->name == name) {
        it->value.assign(value);
    } else {
        labels_.insert(it, Label{std::string(name), std::string(value)});
    }
}

void LabelSet::del(std::string_view name) {
    const auto it = find(name);
    if (it != labels_.end() && it->name == name) labels_.erase(it);
}

std::string LabelSet::to_string() const {
    std::string out = "{";
    for (const Label& label : labels_) {
        if (out.size() > 1) out += ", ";
        out += label.name;
        out += "=\"";
        for (const char c : label.value) {
            if (c == '\\' || c == '"') {
                out += '\\';
                out += c;
            } else if (c == '\n') {
                out += "\\n";
            } else {
                out += c;
            }
        }
        out += '"';
    }
    out += '}';
    return out;
}

std::ostream& operator<<(std::ostream& os, const LabelSet& labels) { return os << labels.to_string(); }

bool is_valid_label_name(std::string_view name) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && (i == 0 || c < '0' || c > '9')) return false;
    }
    return true;
}

}  // namespace autoscrape::scrape
