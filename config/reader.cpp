#include "config/reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>

#include "config/units.hpp"

namespace autoscrape::config {
namespace {

// A secret file is a token or a password; anything bigger is a mistake (a wrong path).
constexpr off_t kMaxSecretFile = 1 << 20;
// A hostile document could otherwise produce millions of diagnostics.
constexpr std::size_t kMaxDiagnostics = 100;

// Values are quoted in messages; a long one is cut so one line stays one readable line.
std::string quote(const std::string& value) {
    constexpr std::size_t kMax = 60;
    if (value.size() <= kMax) return "'" + value + "'";
    return "'" + value.substr(0, kMax) + "...'";
}

}  // namespace

std::string kind_name(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Map: return "a mapping";
        case YAML::NodeType::Sequence: return "a list";
        case YAML::NodeType::Scalar: return "a single value";
        default: return "nothing";
    }
}

Reader::Reader(std::string source, EnvLookup env) : source_(std::move(source)), env_(std::move(env)) {}

void Reader::error(const YAML::Node& at, const std::string& path, const std::string& message,
                   const YAML::Node& fallback) {
    YAML::Mark mark = YAML::Mark::null_mark();
    if (at.IsDefined()) mark = at.Mark();
    if (mark.is_null() && fallback.IsDefined()) mark = fallback.Mark();
    error(mark, path.empty() ? message : path + ": " + message);
}

void Reader::error(const YAML::Mark& at, const std::string& message) {
    if (diagnostics_.size() == kMaxDiagnostics) {
        diagnostics_.push_back({source_, 0, 0, "too many errors; stopping here"});
    }
    if (diagnostics_.size() > kMaxDiagnostics) return;
    const bool known = !at.is_null() && at.line >= 0;
    diagnostics_.push_back({source_, known ? at.line + 1 : 0, known ? at.column + 1 : 0, message});
}

bool Reader::expect_scalar(const YAML::Node& n, const std::string& path) {
    if (n.IsScalar()) return true;
    error(n, path, "expected a single value, got " + kind_name(n));
    return false;
}

std::optional<std::string> Reader::string(const YAML::Node& n, const std::string& path) {
    if (!expect_scalar(n, path)) return std::nullopt;
    auto expanded = expand_env(n.Scalar(), env_);
    if (!expanded.unset_variable.empty()) {
        error(n, path, "environment variable '" + expanded.unset_variable + "' is not set");
        return std::nullopt;
    }
    return std::move(expanded.value);
}

std::optional<Duration> Reader::duration(const YAML::Node& n, const std::string& path) {
    const auto text = string(n, path);
    if (!text) return std::nullopt;
    const auto value = parse_duration(*text);
    if (!value) error(n, path, "expected a duration like 15s or 1m30s, got " + quote(*text));
    return value;
}

std::optional<std::uint64_t> Reader::size(const YAML::Node& n, const std::string& path) {
    const auto text = string(n, path);
    if (!text) return std::nullopt;
    const auto value = parse_size(*text);
    if (!value) error(n, path, "expected a size like 512MiB or 1GB, got " + quote(*text));
    return value;
}

std::optional<bool> Reader::boolean(const YAML::Node& n, const std::string& path) {
    const auto text = string(n, path);
    if (!text) return std::nullopt;
    if (*text == "true" || *text == "True" || *text == "TRUE") return true;
    if (*text == "false" || *text == "False" || *text == "FALSE") return false;
    error(n, path, "expected true or false, got " + quote(*text));
    return std::nullopt;
}

std::optional<double> Reader::number(const YAML::Node& n, const std::string& path) {
    const auto text = string(n, path);
    if (!text) return std::nullopt;
    double value = 0;
    const char* end = text->data() + text->size();
    const auto [ptr, ec] = std::from_chars(text->data(), end, value);
    if (ec != std::errc() || ptr != end || text->empty()) {
        error(n, path, "expected a number, got " + quote(*text));
        return std::nullopt;
    }
    return value;
}

std::optional<std::int64_t> Reader::integer(const YAML::Node& n, const std::string& path, std::int64_t min,
                                            std::int64_t max) {
    const auto text = string(n, path);
    if (!text) return std::nullopt;
    std::int64_t value = 0;
    const char* end = text->data() + text->size();
    const auto [ptr, ec] = std::from_chars(text->data(), end, value);
    if (ec != std::errc() || ptr != end || text->empty() || value < min || value > max) {
        error(n, path,
              "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                  quote(*text));
        return std::nullopt;
    }
    return value;
}

bool Reader::each(const YAML::Node& n, const std::string& path,
                  const std::function<void(const YAML::Node&, const std::string&)>& item) {
    if (!n.IsSequence()) {
        error(n, path, "expected a list, got " + kind_name(n));
        return false;
    }
    for (std::size_t i = 0; i < n.size(); ++i) item(n[i], path + "[" + std::to_string(i) + "]");
    return true;
}

std::optional<std::vector<std::string>> Reader::string_list(const YAML::Node& n, const std::string& path) {
    std::vector<std::string> out;
    bool ok = true;
    const bool list = each(n, path, [&](const YAML::Node& item, const std::string& item_path) {
        auto value = string(item, item_path);
        if (value) out.push_back(std::move(*value));
        ok = ok && value.has_value();
    });
    if (!list || !ok) return std::nullopt;
    return out;
}

std::optional<Labels> Reader::string_map(const YAML::Node& n, const std::string& path) {
    Map map(*this, n, path);
    if (!map.node().IsMap()) return map.node().IsNull() ? std::optional<Labels>(Labels{}) : std::nullopt;
    Labels out;
    bool ok = true;
    map.each_entry([&](const std::string& key, const YAML::Node& value) {
        auto text = string(value, map.path(key));
        if (text) out[key] = std::move(*text);
        ok = ok && text.has_value();
    });
    return ok ? std::optional<Labels>(std::move(out)) : std::nullopt;
}

std::optional<std::string> Reader::read_secret_file(const YAML::Node& n, const std::string& path,
                                                    const std::string& file) {
    auto fail = [&](const std::string& why) {
        error(n, path, "cannot read " + quote(file) + ": " + why);
        return std::nullopt;
    };
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(std::strerror(errno));
    struct stat st {};
    std::string content;
    int err = 0;
    if (::fstat(fd, &st) != 0) {
        err = errno;
    } else if (!S_ISREG(st.st_mode)) {
        err = EINVAL;
    } else if (st.st_size > kMaxSecretFile) {
        err = EFBIG;
    } else {
        content.resize(static_cast<std::size_t>(st.st_size));
        std::size_t done = 0;
        while (done < content.size()) {
            const ssize_t n_read = ::read(fd, content.data() + done, content.size() - done);
            if (n_read < 0 && errno == EINTR) continue;
            if (n_read <= 0) {
                err = n_read < 0 ? errno : EIO;
                break;
            }
            done += static_cast<std::size_t>(n_read);
        }
    }
    ::close(fd);
    if (err == EINVAL) return fail("not a regular file");
    if (err != 0) return fail(std::strerror(err));
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
    return content;
}

Map::Map(Reader& reader, const YAML::Node& node, std::string map_path)
    : reader_(reader), node_(node), path_(std::move(map_path)) {
    if (!node_.IsDefined() || node_.IsNull()) return;
    if (!node_.IsMap()) {
        reader_.error(node_, path_, "expected a mapping, got " + kind_name(node_));
        return;
    }
    for (const auto& kv : node_) {
        if (!kv.first.IsScalar()) {
            reader_.error(kv.first, path_, "expected a field name, got " + kind_name(kv.first));
            continue;
        }
        const std::string key = kv.first.Scalar();
        const auto previous = std::find_if(entries_.begin(), entries_.end(),
                                           [&](const Entry& e) { return e.key == key; });
        if (previous != entries_.end()) {
            const auto first = previous->key_node.Mark();
            reader_.error(kv.first, path(key),
                          "duplicate field (first set on line " + std::to_string(first.line + 1) + ")");
            continue;
        }
        entries_.push_back({key, kv.first, kv.second});
    }
}

YAML::Node Map::get(const std::string& key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
    for (const auto& e : entries_) {
        if (e.key == key && !e.value.IsNull()) return e.value;
    }
    return YAML::Node(YAML::NodeType::Undefined);
}

void Map::each_entry(const std::function<void(const std::string&, const YAML::Node&)>& fn) {
    for (const auto& e : entries_) {
        if (std::find(known_.begin(), known_.end(), e.key) == known_.end()) known_.push_back(e.key);
        fn(e.key, e.value);
    }
}

void Map::finish() {
    for (const auto& e : entries_) {
        if (std::find(known_.begin(), known_.end(), e.key) != known_.end()) continue;
        std::string message = "unknown field '" + e.key + "'";
        message += path_.empty() ? " at the top level" : " in " + path_;
        const auto hint = closest_key(e.key, known_);
        if (!hint.empty()) message += "; did you mean '" + hint + "'?";
        reader_.error(e.key_node.Mark(), message);
    }
}

void Map::field(const std::string& key, std::string& out) {
    const auto n = get(key);
    if (!n.IsDefined()) return;
    if (auto v = reader_.string(n, path(key))) out = std::move(*v);
}

void Map::field(const std::string& key, Duration& out) {
    const auto n = get(key);
    if (!n.IsDefined()) return;
    if (auto v = reader_.duration(n, path(key))) out = *v;
}

void Map::field(const std::string& key, bool& out) {
    const auto n = get(key);
    if (!n.IsDefined()) return;
    if (auto v = reader_.boolean(n, path(key))) out = *v;
}

void Map::field(const std::string& key, std::uint64_t& out) {
    const auto n = get(key);
    if (!n.IsDefined()) return;
    if (auto v = reader_.integer(n, path(key), 0, std::numeric_limits<std::int64_t>::max())) {
        out = static_cast<std::uint64_t>(*v);
    }
}

void Map::field(const std::string& key, std::uint32_t& out) {
    const auto n = get(key);
    if (!n.IsDefined()) return;
    if (auto v = reader_.integer(n, path(key), 0, std::numeric_limits<std::uint32_t>::max())) {
        out = static_cast<std::uint32_t>(*v);
    }
}

void Map::field(const std::string& key, std::uint16_t& out) {
    const auto n = get(key);
    if (!n.IsDefined()) return;
    if (auto v = reader_.integer(n, path(key), 0, std::numeric_limits<std::uint16_t>::max())) {
        out = static_cast<std::uint16_t>(*v);
    }
}

void Map::field(const std::string& key, std::vector<std::string>& out) {
    const auto n = get(key);
    if (!n.IsDefined()) return;
    if (auto v = reader_.string_list(n, path(key))) out = std::move(*v);
}

void Map::field(const std::string& key, Labels& out) {
    const auto n = get(key);
    if (!n.IsDefined()) return;
    if (auto v = reader_.string_map(n, path(key))) out = std::move(*v);
}

void Map::field(const std::string& key, std::map<std::string, double>& out) {
    const auto n = get(key);
    if (!n.IsDefined()) return;
    Map inner(reader_, n, path(key));
    inner.each_entry([&](const std::string& name, const YAML::Node& value) {
        if (auto v = reader_.number(value, inner.path(name))) out[name] = *v;
    });
}

void Map::size_field(const std::string& key, std::uint64_t& out) {
    const auto n = get(key);
    if (!n.IsDefined()) return;
    if (auto v = reader_.size(n, path(key))) out = *v;
}

bool Map::secret_field(const std::string& key, Secret& out, bool required) {
    const std::string file_key = key + "_file";
    const auto direct = get(key);
    const auto file = get(file_key);
    if (direct.IsDefined() && file.IsDefined()) {
        reader_.error(file, path(file_key), "set either '" + key + "' or '" + file_key + "', not both");
        return false;
    }
    if (direct.IsDefined()) {
        if (auto v = reader_.string(direct, path(key))) out = Secret(std::move(*v));
        return true;
    }
    if (file.IsDefined()) {
        const auto name = reader_.string(file, path(file_key));
        if (!name) return true;
        if (auto v = reader_.read_secret_file(file, path(file_key), *name)) out = Secret(std::move(*v), *name);
        return true;
    }
    if (required) reader_.error(node_, path_, "missing '" + key + "' or '" + file_key + "'");
    return false;
}

}  // namespace autoscrape::config
