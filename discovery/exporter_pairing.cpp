#include "discovery/exporter_pairing.hpp"

#include "discovery/target_group.hpp"

#include <array>

namespace autoscrape::discovery {

namespace {

constexpr std::string_view kExporterForLabel = "autoscrape.exporter-for";
constexpr std::size_t kMaxHostBytes = 253;  // a DNS name; anything longer is not a host
constexpr std::size_t kMinIdPrefix = 12;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"')) s.remove_suffix(1);
    return s;
}

// `host`, `host:port`, `[v6]:port` or `[v6]` -> the host; the first of a comma-separated list.
std::string host_of(std::string_view hostport) {
    hostport = hostport.substr(0, hostport.find(','));
    if (hostport.starts_with('[')) {
        const auto close = hostport.find(']');
        return close == std::string_view::npos ? std::string() : std::string(hostport.substr(1, close - 1));
    }
    std::string_view host = hostport.substr(0, hostport.find(':'));
    // A percent-encoded or literal path is a unix socket, not a host.
    if (host.empty() || host.front() == '/' || host.starts_with("%2F") || host.starts_with("%2f") ||
        host.size() > kMaxHostBytes) {
        return {};
    }
    return std::string(host);
}

std::string url_host(std::string_view url) {
    std::string_view rest = url.substr(url.find("://") + 3);
    // The userinfo ends at the last '@' before the query: an unencoded password may hold '@' or '/'.
    if (const auto at = rest.substr(0, rest.find('?')).rfind('@'); at != std::string_view::npos) {
        rest.remove_prefix(at + 1);
    }
    return host_of(rest.substr(0, rest.find_first_of("/?#")));
}

// libpq's `key=value key='quoted value'`: only the host keyword is looked at.
std::string keyword_host(std::string_view dsn) {
    std::size_t i = 0;
    while (i < dsn.size()) {
        while (i < dsn.size() && dsn[i] == ' ') ++i;
        const auto eq = dsn.find('=', i);
        if (eq == std::string_view::npos) break;
        const std::string_view key = trim(dsn.substr(i, eq - i));
        std::size_t j = eq + 1;
        while (j < dsn.size() && dsn[j] == ' ') ++j;
        std::string value;
        if (j < dsn.size() && dsn[j] == '\'') {
            for (++j; j < dsn.size() && dsn[j] != '\''; ++j) {
                if (dsn[j] == '\\' && j + 1 < dsn.size()) ++j;
                value.push_back(dsn[j]);
            }
            ++j;
        } else {
            for (; j < dsn.size() && dsn[j] != ' '; ++j) value.push_back(dsn[j]);
        }
        if (key == "host") return host_of(value);
        i = j;
    }
    return {};
}

// libpq's keyword form starts with `keyword=`; the URI forms never do.
bool is_keyword_form(std::string_view dsn) {
    const auto eq = dsn.find('=');
    if (eq == std::string_view::npos) return false;
    const std::string_view key = trim(dsn.substr(0, eq));
    return !key.empty() && key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos;
}

// Host names and IP literals only: a misparsed string (a credential) must not pass for a host.
bool plausible_host(std::string_view host) {
    return !host.empty() && host.size() <= kMaxHostBytes &&
           host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:%") ==
               std::string_view::npos;
}

std::string_view name_of(const Container& c) {
    if (c.names.empty()) return {};
    std::string_view name = c.names.front();
    if (name.starts_with('/')) name.remove_prefix(1);
    return name;
}

std::string label_of(const Container& c, const std::string& key) {
    const auto it = c.labels.find(key);
    return it == c.labels.end() ? std::string() : it->second;
}

// mysql's `user:password@tcp(host:3306)/db`, postgres_exporter's `host:5432/db?opts`, `host:port`.
// Credentials without a scheme appear only in the mysql form; anything else with an '@' is not
// taken apart, so a password cannot pass for a host.
std::string uri_host(std::string_view dsn) {
    const auto at = dsn.rfind('@');
    if (at == std::string_view::npos) return host_of(dsn.substr(0, dsn.find_first_of("/?")));
    std::string_view rest = dsn.substr(at + 1);
    for (const std::string_view open : {"tcp(", "("}) {
        if (rest.starts_with(open)) {
            rest.remove_prefix(open.size());
            return host_of(rest.substr(0, rest.find(')')));
        }
    }
    return {};
}

}  // namespace

std::string connection_host(std::string_view dsn) {
    dsn = trim(dsn);
    std::string host;
    if (dsn.find("://") != std::string_view::npos) {
        host = url_host(dsn);
    } else if (is_keyword_form(dsn)) {
        host = keyword_host(dsn);
    } else {
        host = uri_host(dsn);
    }
    return plausible_host(host) ? host : std::string();
}

std::string exporter_target_host(const std::vector<std::string>& env) {
    static constexpr std::array<std::string_view, 4> kVariables{"DATA_SOURCE_NAME", "DATA_SOURCE_URI", "NEO4J_URI",
                                                                "REDIS_ADDR"};
    for (const auto variable : kVariables) {
        for (const auto& entry : env) {
            const std::string_view e = entry;
            if (e.size() <= variable.size() || !e.starts_with(variable) || e[variable.size()] != '=') continue;
            if (auto host = connection_host(e.substr(variable.size() + 1)); !host.empty()) return host;
        }
    }
    return {};
}

bool needs_exporter_inspect(const Container& container, const config::Profile* profile) {
    return profile != nullptr && !profile->exporter_for.empty() &&
           !container.labels.contains(std::string(kExporterForLabel));
}

bool names_exported(const Container& container, const EngineState& state) {
    return state.exporter_hosts.contains(container.id) || container.labels.contains(std::string(kExporterForLabel));
}

ExportedIndex::ExportedIndex(const EngineState& state, const config::DockerConfig& docker) {
    for (const auto& [id, c] : state.containers) {
        bool watched = false;
        for (const auto& [name, ep] : c.networks) {
            for (const auto& entry : docker.networks) {
                if (!network_matches(entry, name, ep.network_id)) continue;
                watched = true;
                if (!ep.ip_address.empty()) by_ip_.emplace(ep.ip_address, &c);
            }
        }
        if (!watched) continue;
        if (const auto name = name_of(c); !name.empty()) by_name_.emplace(name, &c);
        by_id_.emplace(c.id, &c);
        if (auto service = label_of(c, "com.docker.compose.service"); !service.empty()) {
            by_service_.emplace(std::move(service), &c);
        }
    }
}

const Container* ExportedIndex::resolve(std::string_view host, const Container& exporter) const {
    if (host.empty()) return nullptr;
    const Container* found = nullptr;
    if (const auto it = by_name_.find(host); it != by_name_.end()) {
        found = it->second;
    } else if (const auto ip = by_ip_.find(host); ip != by_ip_.end()) {
        found = ip->second;
    } else if (const auto id = by_id_.lower_bound(host);
               host.size() >= kMinIdPrefix && id != by_id_.end() && id->first.starts_with(host)) {
        found = id->second;
    } else {
        const std::string project = label_of(exporter, "com.docker.compose.project");
        const auto [first, last] = by_service_.equal_range(host);
        for (auto it = first; it != last; ++it) {
            if (it->second == &exporter) continue;
            if (found == nullptr || label_of(*it->second, "com.docker.compose.project") == project) found = it->second;
        }
    }
    return found == &exporter ? nullptr : found;
}

std::map<std::string, std::string> exporter_labels(const Container& exporter, const config::Profile* profile,
                                                   const std::string& inspected_host, const ExportedIndex& exported,
                                                   const ServiceProfiles& profiles) {
    std::string host = label_of(exporter, std::string(kExporterForLabel));
    const bool by_label = !host.empty();
    if (!by_label && profile != nullptr && !profile->exporter_for.empty()) host = inspected_host;
    if (host.empty()) return {};
    std::string service;
    std::string container = host;
    if (const Container* target = exported.resolve(host, exporter)) {
        container = std::string(name_of(*target));
        const config::Profile* exported_profile = profiles.match(*target);
        service = exported_profile != nullptr ? exported_profile->job : container;
    } else if (!by_label) {
        const config::Profile* exported_profile = profiles.find(profile->exporter_for);
        service = exported_profile != nullptr ? exported_profile->job : profile->exporter_for;
    } else {
        service = host;
    }
    return {{"__meta_autoscrape_exported_container", container}, {"__meta_autoscrape_exported_service", service}};
}

}  // namespace autoscrape::discovery
