#include <algorithm>
#include <cctype>
#include <cstdio>

#include "config/decode.hpp"
#include "config/remote_headers.hpp"

namespace autoscrape::config {
namespace {

std::string lower(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// FNV-1a: a stable short id for an unnamed remote_write, so its metrics keep their label
// across restarts (Prometheus uses a hash of the config for the same purpose).
std::string short_hash(const std::string& text) {
    std::uint64_t h = 14695981039346656037ULL;
    for (const unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char out[7];
    std::snprintf(out, sizeof out, "%06llx", static_cast<unsigned long long>(h & 0xFFFFFF));
    return out;
}

std::optional<BasicAuth> decode_basic_auth(Reader& r, const YAML::Node& n, const std::string& path) {
    Map m(r, n, path);
    BasicAuth auth;
    m.field("username", auth.username);
    m.secret_field("password", auth.password, true);
    m.finish();
    if (auth.username.empty()) report(m, "username", "must not be empty");
    return auth;
}

std::optional<Authorization> decode_authorization(Reader& r, const YAML::Node& n, const std::string& path) {
    Map m(r, n, path);
    Authorization auth;
    m.field("type", auth.type);
    m.secret_field("credentials", auth.credentials, true);
    m.finish();
    if (auth.type.empty()) report(m, "type", "must not be empty");
    if (lower(auth.type) == "basic") report(m, "type", "'Basic' is not allowed here; use basic_auth");
    return auth;
}

QueueConfig decode_queue(Reader& r, const YAML::Node& n, const std::string& path) {
    Map m(r, n, path);
    QueueConfig q;
    m.field("capacity", q.capacity);
    m.field("max_shards", q.max_shards);
    m.field("min_shards", q.min_shards);
    m.field("max_samples_per_send", q.max_samples_per_send);
    m.field("batch_send_deadline", q.batch_send_deadline);
    m.field("min_backoff", q.min_backoff);
    m.field("max_backoff", q.max_backoff);
    m.field("retry_on_http_429", q.retry_on_http_429);
    m.finish();
    if (q.capacity == 0) report(m, "capacity", "must be greater than 0");
    if (q.max_shards == 0) report(m, "max_shards", "must be greater than 0");
    if (q.min_shards > q.max_shards) {
        report(m, "min_shards", "must not be greater than max_shards (" + std::to_string(q.min_shards) + " > " +
                                    std::to_string(q.max_shards) + ")");
    }
    if (q.max_samples_per_send == 0) report(m, "max_samples_per_send", "must be greater than 0");
    if (q.batch_send_deadline.count() <= 0) report(m, "batch_send_deadline", "must be greater than 0");
    if (q.min_backoff > q.max_backoff) report(m, "min_backoff", "must not be greater than max_backoff");
    return q;
}

RemoteWriteConfig decode_one(Reader& r, const YAML::Node& n, const std::string& path) {
    Map m(r, n, path);
    RemoteWriteConfig w;
    m.field("url", w.url);
    m.field("name", w.name);
    m.field("remote_timeout", w.remote_timeout);
    m.field("headers", w.headers);
    if (const auto b = m.get("basic_auth"); b.IsDefined()) w.basic_auth = decode_basic_auth(r, b, m.path("basic_auth"));
    if (const auto a = m.get("authorization"); a.IsDefined()) {
        w.authorization = decode_authorization(r, a, m.path("authorization"));
    }
    if (const auto t = m.get("tls_config"); t.IsDefined()) w.tls_config = decode_tls(r, t, m.path("tls_config"));
    w.queue_config = decode_queue(r, m.get("queue_config"), m.path("queue_config"));
    if (const auto rl = m.get("write_relabel_configs"); rl.IsDefined()) {
        decode_relabel_configs(r, rl, m.path("write_relabel_configs"), w.write_relabel_configs);
    }
    m.finish();
    if (!m.has("url")) {
        report(m, "url", "missing; every remote_write needs a url");
    } else if (const auto why = url_error(w.url); !why.empty()) {
        report(m, "url", why);
    }
    if (w.remote_timeout.count() <= 0) report(m, "remote_timeout", "must be greater than 0");
    if (w.basic_auth && w.authorization) report(m, "authorization", "set either basic_auth or authorization, not both");
    for (const auto& [name, value] : w.headers) {
        if (is_reserved_header(name)) {
            report(m, "headers", "header '" + name + "' is set by the agent and cannot be overridden");
        }
        if (breaks_header_line(name, value)) {
            report(m, "headers", "header '" + name + "': a name cannot hold a line break or a colon, nor a value a line break");
        }
    }
    if (w.name.empty()) w.name = short_hash(w.url);
    return w;
}

}  // namespace

std::optional<TlsConfig> decode_tls(Reader& r, const YAML::Node& n, const std::string& path) {
    Map m(r, n, path);
    TlsConfig t;
    m.field("ca_file", t.ca_file);
    m.field("cert_file", t.cert_file);
    m.field("key_file", t.key_file);
    m.field("server_name", t.server_name);
    m.field("insecure_skip_verify", t.insecure_skip_verify);
    m.finish();
    if (t.cert_file.empty() != t.key_file.empty()) {
        report(m, t.cert_file.empty() ? "cert_file" : "key_file", "cert_file and key_file must be set together");
    }
    return t;
}

std::string url_error(std::string_view url) {
    const auto scheme_end = url.find("://");
    const auto scheme = scheme_end == std::string_view::npos ? std::string_view{} : url.substr(0, scheme_end);
    const auto rest = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
    const auto authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.find('@') != std::string_view::npos) {
        return "must not contain credentials (user:password@); use basic_auth or authorization";
    }
    const std::string got = ", got '" + std::string(url.substr(0, 60)) + "'";
    if (scheme != "http" && scheme != "https") return "expected an http:// or https:// URL" + got;
    const bool bracketed = authority.starts_with('[');
    const auto colon = bracketed ? authority.find("]:") : authority.rfind(':');
    const auto host = authority.substr(0, colon == std::string_view::npos ? authority.size() : colon + (bracketed ? 1 : 0));
    if (host.empty() || host == "[]" || host.find_first_of(" \t") != std::string_view::npos) {
        return "expected a host after " + std::string(scheme) + "://" + got;
    }
    if (colon != std::string_view::npos) {
        const auto port = authority.substr(colon + (bracketed ? 2 : 1));
        const bool digits = !port.empty() && port.size() <= 5 &&
                            port.find_first_not_of("0123456789") == std::string_view::npos;
        if (!digits || std::stoul(std::string(port)) > 65535) return "expected a port from 0 to 65535" + got;
    }
    return {};
}

void decode_remote_write(Reader& r, const YAML::Node& n, std::vector<RemoteWriteConfig>& out) {
    std::vector<YAML::Node> nodes;
    r.each(n, "remote_write", [&](const YAML::Node& item, const std::string& path) {
        out.push_back(decode_one(r, item, path));
        nodes.push_back(item);
    });
    for (std::size_t i = 0; i < out.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (out[i].name != out[j].name) continue;
            r.error(nodes[i], "remote_write[" + std::to_string(i) + "]",
                    "duplicate remote_write name '" + out[i].name + "' (also used by remote_write[" +
                        std::to_string(j) + "]); set a distinct 'name'");
            break;
        }
    }
}

}  // namespace autoscrape::config
