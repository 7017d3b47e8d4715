#include "discovery/container_inspect.hpp"

#include <boost/json.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace autoscrape::discovery {
namespace json = boost::json;

namespace {

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// Reads exactly `width` decimal digits at `pos`, or fails.
bool digits(std::string_view s, std::size_t pos, std::size_t width, int& out) {
    if (pos + width > s.size()) return false;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
    }
    return std::from_chars(s.data() + pos, s.data() + pos + width, out).ec == std::errc{};
}

// Fields of an inspect object; missing or null fields read as defaults (API versions differ), a
// field of the wrong type is an error naming it.
struct Fields {
    std::string error;

    const json::object* object(const json::object& o, std::string_view key) {
        const auto* v = o.if_contains(key);
        if (v == nullptr || v->is_null()) return nullptr;
        if (const auto* obj = v->if_object()) return obj;
        fail(fmt::format("field {} is not an object", key));
        return nullptr;
    }
    std::string string(const json::object* o, std::string_view key) {
        const auto* v = o == nullptr ? nullptr : o->if_contains(key);
        if (v == nullptr || v->is_null()) return {};
        if (const auto* s = v->if_string()) return std::string(*s);
        fail(fmt::format("field {} is not a string", key));
        return {};
    }
    std::int64_t integer(const json::object* o, std::string_view key) {
        const auto* v = o == nullptr ? nullptr : o->if_contains(key);
        if (v == nullptr || v->is_null()) return 0;
        if (const auto* i = v->if_int64(); i != nullptr && *i >= 0) return *i;
        if (const auto* u = v->if_uint64(); u != nullptr && *u <= INT64_MAX) return static_cast<std::int64_t>(*u);
        fail(fmt::format("field {} is not a non-negative integer", key));
        return 0;
    }
    std::vector<std::string> strings(const json::object* o, std::string_view key, std::size_t max_entries,
                                     std::size_t max_bytes) {
        std::vector<std::string> out;
        const auto* v = o == nullptr ? nullptr : o->if_contains(key);
        if (v == nullptr || v->is_null()) return out;
        const auto* arr = v->if_array();
        if (arr == nullptr || arr->size() > max_entries) {
            fail(fmt::format("field {} is not an array of at most {} entries", key, max_entries));
            return out;
        }
        std::size_t bytes = 0;
        for (const auto& e : *arr) {
            const auto* s = e.if_string();
            if (s == nullptr || (bytes += s->size()) > max_bytes) {
                fail(fmt::format("field {} holds a non-string or more than {} bytes", key, max_bytes));
                return {};
            }
            out.emplace_back(*s);
        }
        return out;
    }
    LabelMap labels(const json::object* o, std::string_view key) {
        LabelMap out;
        const auto* m = o == nullptr ? nullptr : object(*o, key);
        if (m == nullptr) return out;
        if (m->size() > kMaxLabelsPerObject) {
            fail(fmt::format("field {} has more than {} entries", key, kMaxLabelsPerObject));
            return out;
        }
        for (const auto& [k, val] : *m) {
            const auto* s = val.if_string();
            if (s == nullptr || s->size() > kMaxLabelValueBytes) {
                fail(fmt::format("{} value of {} is not a string of bounded size", key, std::string_view(k)));
                return {};
            }
            out.emplace(std::string(k), std::string(*s));
        }
        return out;
    }
    void fail(std::string message) {
        if (error.empty()) error = std::move(message);
    }
};

void read_state(Fields& f, const json::object* state, ContainerInspect& c) {
    c.status = f.string(state, "Status");
    c.pid = f.integer(state, "Pid");
    if (auto started = f.string(state, "StartedAt"); !started.empty()) {
        auto t = parse_docker_time(started);
        if (t) c.started_at_seconds = t.value();
        else f.fail("field StartedAt: " + t.error().message);
    }
    const auto* health = state == nullptr ? nullptr : f.object(*state, "Health");
    c.health_status = f.string(health, "Status");
}

}  // namespace

Result<double> parse_docker_time(std::string_view s) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
        !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, hour) || s[13] != ':' ||
        !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second) || month < 1 || month > 12 ||
        day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
        return Error{"not an RFC 3339 time"};
    }
    std::size_t pos = 19;
    double fraction = 0;
    if (s[pos] == '.') {
        double scale = 0.1;
        for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, scale /= 10) fraction += (s[pos] - '0') * scale;
    }
    std::int64_t offset = 0;
    const auto zone = s.substr(std::min(pos, s.size()));
    if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
        int oh = 0, om = 0;
        if (!digits(zone, 1, 2, oh) || !digits(zone, 4, 2, om)) return Error{"not an RFC 3339 time zone"};
        offset = (zone[0] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    } else if (zone != "Z" && zone != "z") {
        return Error{"not an RFC 3339 time zone"};
    }
    if (year <= 1) return 0.0;  // Go's zero time.Time: the container never started
    const std::int64_t secs = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                              hour * 3600 + minute * 60 + second - offset;
    return static_cast<double>(secs) + fraction;
}

Result<ContainerInspect> parse_container_inspect(std::string_view text) {
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = 64;
    const json::value v = json::parse(text, ec, {}, opts);
    if (ec) return Error{fmt::format("invalid JSON: {}", ec.message())};
    const auto* root = v.if_object();
    if (root == nullptr) return Error{"container inspect is not an object"};
    Fields f;
    ContainerInspect c;
    c.id = f.string(root, "Id");
    c.name = f.string(root, "Name");
    if (c.name.starts_with('/')) c.name.erase(0, 1);
    c.restart_count = f.integer(root, "RestartCount");
    read_state(f, f.object(*root, "State"), c);
    const auto* config = f.object(*root, "Config");
    c.image = f.string(config, "Image");
    c.labels = f.labels(config, "Labels");
    c.env = f.strings(config, "Env", kMaxEnvEntries, kMaxEnvBytes);
    if (f.error.empty() && c.id.empty()) f.fail("container without Id");
    if (!f.error.empty()) return Error{"container inspect: " + f.error};
    return c;
}

}  // namespace autoscrape::discovery
