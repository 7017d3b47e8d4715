#include <algorithm>

#include "config/decode.hpp"

namespace autoscrape::config {
namespace {

bool valid_module_name(const std::string& name) {
    return !name.empty() && name.size() <= 128 &&
           name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
               std::string::npos;
}

void check_regexes(Map& m, const std::string& key, const std::vector<std::string>& patterns) {
    for (const auto& pattern : patterns) {
        if (const auto why = regex_error(pattern); !why.empty()) report(m, key, "invalid regular expression: " + why);
    }
}

HttpProbeConfig decode_http(Reader& r, const YAML::Node& n, const std::string& path) {
    Map m(r, n, path);
    HttpProbeConfig h;
    if (const auto codes = m.get("valid_status_codes"); codes.IsDefined()) {
        r.each(codes, m.path("valid_status_codes"), [&](const YAML::Node& item, const std::string& item_path) {
            if (const auto code = r.integer(item, item_path, 100, 599)) h.valid_status_codes.push_back(static_cast<int>(*code));
        });
    }
    m.field("method", h.method);
    m.field("headers", h.headers);
    m.field("path", h.path);
    m.field("fail_if_body_matches_regexp", h.fail_if_body_matches_regexp);
    m.field("fail_if_body_not_matches_regexp", h.fail_if_body_not_matches_regexp);
    m.field("no_follow_redirects", h.no_follow_redirects);
    m.field("fail_if_ssl", h.fail_if_ssl);
    m.field("fail_if_not_ssl", h.fail_if_not_ssl);
    if (const auto t = m.get("tls_config"); t.IsDefined()) h.tls_config = decode_tls(r, t, m.path("tls_config"));
    m.finish();
    const bool token = !h.method.empty() && h.method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos;
    if (!token) report(m, "method", "expected an upper-case HTTP method like GET or POST");
    if (!h.path.starts_with('/')) report(m, "path", "must start with '/'");
    check_regexes(m, "fail_if_body_matches_regexp", h.fail_if_body_matches_regexp);
    check_regexes(m, "fail_if_body_not_matches_regexp", h.fail_if_body_not_matches_regexp);
    if (h.fail_if_ssl && h.fail_if_not_ssl) report(m, "fail_if_not_ssl", "contradicts fail_if_ssl; set at most one");
    return h;
}

ProbeModule decode_module(Reader& r, const YAML::Node& n, const std::string& path) {
    Map m(r, n, path);
    ProbeModule p;
    if (!m.has("prober")) report(m, "prober", "missing; expected one of http, tcp, postgres, bolt");
    m.enum_field("prober", p.prober,
                 {{"http", ProbeModule::Prober::Http}, {"tcp", ProbeModule::Prober::Tcp},
                  {"postgres", ProbeModule::Prober::Postgres}, {"bolt", ProbeModule::Prober::Bolt}});
    m.field("timeout", p.timeout);
    p.http = decode_http(r, m.get("http"), m.path("http"));
    Map tcp(r, m.get("tcp"), m.path("tcp"));
    tcp.field("tls", p.tcp.tls);
    if (const auto t = tcp.get("tls_config"); t.IsDefined()) p.tcp.tls_config = decode_tls(r, t, tcp.path("tls_config"));
    tcp.finish();
    m.finish();
    if (p.timeout.count() <= 0) report(m, "timeout", "must be greater than 0");
    return p;
}

ProfileMetrics decode_metrics(Reader& r, const YAML::Node& n, const std::string& path) {
    Map m(r, n, path);
    ProfileMetrics metrics;
    m.field("port", metrics.port);
    m.field("path", metrics.path);
    m.enum_field("scheme", metrics.scheme, {{"http", "http"}, {"https", "https"}});
    m.field("only_if_exposed", metrics.only_if_exposed);
    m.finish();
    if (!metrics.path.starts_with('/')) report(m, "path", "must start with '/'");
    return metrics;
}

void decode_profile_probe(Reader& r, const YAML::Node& n, const std::string& path, const ProbesConfig& probes,
                          Profile& profile) {
    Map m(r, n, path);
    ProfileProbe probe;
    m.field("module", probe.module);
    m.field("port", probe.port);
    m.finish();
    if (!m.has("module")) {
        report(m, "module", "missing; name a module from probes.modules");
    } else if (probes.modules.count(probe.module) == 0) {
        std::vector<std::string> names;
        for (const auto& [name, module] : probes.modules) names.push_back(name);
        std::string message = "unknown probe module '" + probe.module.substr(0, 60) + "'";
        if (const auto hint = closest_key(probe.module, names); !hint.empty()) message += "; did you mean '" + hint + "'?";
        report(m, "module", message);
    }
    if (probe.port == 0) report(m, "port", "must be a port from 1 to 65535");
    profile.probes.push_back(std::move(probe));
}

Profile decode_profile(Reader& r, const YAML::Node& n, const std::string& path, const ProbesConfig& probes) {
    Map m(r, n, path);
    Profile p;
    m.field("name", p.name);
    Map match(r, m.get("match"), m.path("match"));
    match.field("image", p.image_regex);
    match.field("labels", p.label_match);
    match.finish();
    m.field("job", p.job);
    if (const auto metrics = m.get("metrics"); metrics.IsDefined()) p.metrics = decode_metrics(r, metrics, m.path("metrics"));
    if (const auto list = m.get("probes"); list.IsDefined()) {
        r.each(list, m.path("probes"), [&](const YAML::Node& item, const std::string& item_path) {
            decode_profile_probe(r, item, item_path, probes, p);
        });
    }
    m.field("exporter_for", p.exporter_for);
    m.finish();
    if (p.name.empty()) report(m, "name", "every profile needs a name");
    if (p.image_regex.empty() && p.label_match.empty()) report(m, "match", "needs 'image' or 'labels' (or both)");
    if (const auto why = regex_error(p.image_regex); !why.empty()) {
        report(match, "image", "invalid regular expression: " + why);
    }
    for (const auto& [label, pattern] : p.label_match) {
        if (const auto why = regex_error(pattern); !why.empty()) {
            report(match, "labels", "invalid regular expression for '" + label + "': " + why);
        }
    }
    if (p.job.empty()) p.job = p.name;
    return p;
}

}  // namespace

void decode_probes(Reader& r, const YAML::Node& n, ProbesConfig& out) {
    Map m(r, n, "probes");
    m.field("enabled", out.enabled);
    m.field("interval", out.interval);
    m.field("allowed_targets", out.allowed_targets);
    if (const auto modules = m.get("modules"); modules.IsDefined()) {
        Map map(r, modules, m.path("modules"));
        map.each_entry([&](const std::string& name, const YAML::Node& module) {
            if (!valid_module_name(name)) {
                r.error(module, map.path(name), "a module name may only contain letters, digits, '_', '.' and '-'");
            }
            // A user module replaces the built-in of the same name as a whole, never merged.
            out.modules[name] = decode_module(r, module, map.path(name));
        });
    }
    m.finish();
    if (out.interval.count() <= 0) report(m, "interval", "must be greater than 0");
    for (const auto& target : out.allowed_targets) {
        if (const auto why = host_port_error(target); !why.empty()) report(m, "allowed_targets", why);
    }
}

void decode_profiles(Reader& r, const YAML::Node& n, const ProbesConfig& probes, std::vector<Profile>& out) {
    std::vector<YAML::Node> nodes;
    r.each(n, "profiles", [&](const YAML::Node& item, const std::string& path) {
        out.push_back(decode_profile(r, item, path, probes));
        nodes.push_back(item);
    });
    for (std::size_t i = 0; i < out.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (out[i].name.empty() || out[i].name != out[j].name) continue;
            r.error(nodes[i], "profiles[" + std::to_string(i) + "]",
                    "duplicate profile name '" + out[i].name + "' (also used by profiles[" + std::to_string(j) + "])");
            break;
        }
    }
}

}  // namespace autoscrape::config
