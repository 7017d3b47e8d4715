#include "discovery/profile.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace autoscrape::discovery {

namespace {

constexpr std::size_t kMaxProbeEntries = 16;     // more in one label is a mistake, not a plan
constexpr std::size_t kMaxQuotedEntryBytes = 64;  // errors quote entries; labels are untrusted

std::shared_ptr<const re2::RE2> compile(const std::string& pattern, const std::string& what) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_shared<const re2::RE2>("^(?:" + pattern + ")$", options);
    if (!re->ok()) throw std::invalid_argument(what + ": invalid regular expression: " + re->error());
    return re;
}

bool is_registry(std::string_view component) {
    return component.find_first_of(".:") != std::string_view::npos || component == "localhost";
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string quoted(std::string_view entry) {
    return "'" + std::string(entry.substr(0, kMaxQuotedEntryBytes)) + (entry.size() > kMaxQuotedEntryBytes ? "...'" : "'");
}

std::uint16_t lowest_tcp_port(const Container& c) {
    std::uint16_t lowest = 0;
    for (const auto& p : c.ports) {
        if (p.type == "tcp" && p.private_port > 0 && (lowest == 0 || p.private_port < lowest)) lowest = p.private_port;
    }
    return lowest;
}

bool exposes(const Container& c, std::uint16_t port) {
    return std::any_of(c.ports.begin(), c.ports.end(),
                       [&](const PortBinding& p) { return p.type == "tcp" && p.private_port == port; });
}

// A profile probe's port for `module`: the same module's, else the profile's first, else the
// container's lowest exposed TCP port.
std::uint16_t default_probe_port(const config::Profile* profile, const Container& c, std::string_view module) {
    if (profile != nullptr) {
        for (const auto& probe : profile->probes) {
            if (probe.module == module) return probe.port;
        }
        if (!profile->probes.empty()) return profile->probes.front().port;
    }
    return lowest_tcp_port(c);
}

void add_metrics_labels(const config::ProfileMetrics& metrics, const Container& c,
                        std::map<std::string, std::string>& out) {
    const std::uint16_t port = metrics.port != 0 ? metrics.port : lowest_tcp_port(c);
    if (port == 0 || (metrics.only_if_exposed && !exposes(c, port))) return;
    out["__meta_autoscrape_metrics_port"] = std::to_string(port);
    out["__meta_autoscrape_metrics_path"] = metrics.path;
    out["__meta_autoscrape_metrics_scheme"] = metrics.scheme;
}

}  // namespace

std::string image_repository(std::string_view image) {
    if (const auto at = image.find('@'); at != std::string_view::npos) image = image.substr(0, at);
    const auto slash = image.rfind('/');
    const auto colon = image.rfind(':');
    // A ':' before the last '/' is a registry port, not a tag.
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) image = image.substr(0, colon);
    return std::string(image);
}

std::string image_path(std::string_view image) {
    std::string repo = image_repository(image);
    std::string_view path = repo;
    if (const auto slash = path.find('/'); slash != std::string_view::npos && is_registry(path.substr(0, slash))) {
        path.remove_prefix(slash + 1);
    }
    if (path.starts_with("library/")) path.remove_prefix(8);
    return std::string(path);
}

ProbeLabel parse_probe_label(std::string_view value, const std::set<std::string, std::less<>>& modules,
                             const std::function<std::uint16_t(std::string_view)>& default_port) {
    ProbeLabel out;
    out.present = true;
    value = trim(value);
    if (value == "false" || value == "none") return out;
    std::size_t entries = 0;
    for (;;) {
        const auto comma = value.find(',');
        const std::string_view entry = trim(value.substr(0, comma));
        value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
        if (++entries > kMaxProbeEntries) {
            out.errors.push_back("more than " + std::to_string(kMaxProbeEntries) + " entries; the rest are ignored");
            break;
        }
        const auto colon = entry.find(':');
        const std::string_view module = entry.substr(0, colon);
        if (module.empty()) {
            out.errors.push_back("empty entry " + quoted(entry) + "; expected module[:port]");
        } else if (!modules.contains(module)) {
            out.errors.push_back("unknown probe module " + quoted(module));
        } else if (colon == std::string_view::npos) {
            if (const auto port = default_port(module); port != 0) {
                out.probes.push_back({std::string(module), port});
            } else {
                out.errors.push_back(quoted(entry) + " has no port and the container exposes none");
            }
        } else {
            const std::string_view digits = entry.substr(colon + 1);
            unsigned port = 0;
            const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
            if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535) {
                out.errors.push_back("bad port in " + quoted(entry) + "; expected 1 to 65535");
            } else {
                out.probes.push_back({std::string(module), static_cast<std::uint16_t>(port)});
            }
        }
        if (comma == std::string_view::npos) break;
    }
    return out;
}

std::string format_probes(const std::vector<ProbeTarget>& probes) {
    std::string out;
    for (const auto& p : probes) {
        if (!out.empty()) out += ',';
        out += p.module + ":" + std::to_string(p.port);
    }
    return out;
}

ServiceProfiles::ServiceProfiles(std::vector<config::Profile> profiles, std::set<std::string, std::less<>> modules)
    : modules_(std::move(modules)) {
    for (auto& p : profiles) {
        Compiled c;
        const std::string what = "profile '" + p.name + "'";
        if (!p.image_regex.empty()) c.image = compile(p.image_regex, what);
        for (const auto& [label, pattern] : p.label_match) c.labels.emplace_back(label, compile(pattern, what));
        c.profile = std::move(p);
        profiles_.push_back(std::move(c));
    }
}

ServiceProfiles::ServiceProfiles(const config::Config& config)
    : ServiceProfiles(config.profiles, [&] {
          std::set<std::string, std::less<>> names;
          for (const auto& [name, module] : config.probes.modules) names.insert(name);
          return names;
      }()) {}

const config::Profile* ServiceProfiles::match(const Container& container) const {
    const std::string repository = image_repository(container.image);
    const std::string path = image_path(container.image);
    for (const auto& c : profiles_) {
        if (c.image && !re2::RE2::FullMatch(path, *c.image) &&
            (repository == path || !re2::RE2::FullMatch(repository, *c.image))) {
            continue;
        }
        const bool labels_match = std::all_of(c.labels.begin(), c.labels.end(), [&](const auto& entry) {
            const auto it = container.labels.find(entry.first);
            return it != container.labels.end() && re2::RE2::FullMatch(it->second, *entry.second);
        });
        if (labels_match) return &c.profile;
    }
    return nullptr;
}

const config::Profile* ServiceProfiles::find(std::string_view name) const {
    for (const auto& c : profiles_) {
        if (c.profile.name == name) return &c.profile;
    }
    return nullptr;
}

std::map<std::string, std::string> profile_labels(const Container& container, const config::Profile* profile,
                                                  const ServiceProfiles& profiles, std::vector<std::string>& warnings) {
    std::map<std::string, std::string> out{{"__meta_autoscrape_profile", ""}};
    std::vector<ProbeTarget> probes;
    if (profile != nullptr) {
        out["__meta_autoscrape_profile"] = profile->name;
        out["__meta_autoscrape_job"] = profile->job.empty() ? profile->name : profile->job;
        if (profile->metrics) add_metrics_labels(*profile->metrics, container, out);
        for (const auto& p : profile->probes) probes.push_back({p.module, p.port});
    }
    if (const auto it = container.labels.find("autoscrape.probe"); it != container.labels.end()) {
        auto parsed = parse_probe_label(it->second, profiles.modules(), [&](std::string_view module) {
            return default_probe_port(profile, container, module);
        });
        for (const auto& why : parsed.errors) warnings.push_back("autoscrape.probe: " + why);
        probes = std::move(parsed.probes);
    }
    if (!probes.empty()) out["__meta_autoscrape_probes"] = format_probes(probes);
    return out;
}

}  // namespace autoscrape::discovery
