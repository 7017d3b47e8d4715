// YAML layout. Keys are the struct field names of config.hpp (snake_case), except where noted.
// An empty value (`key:` or `key: ~`) keeps the default. Every scalar value (never a key) goes
// through ${VAR} expansion first (see env.hpp), so `scrape_interval: ${INTERVAL}` works.
// Durations: 1m30s, 500ms, 2h, 1d, 1w, 1y, 0. Sizes: 512MiB, 1GB (= 1GiB, as in Prometheus), 0,
// or a bare byte count.
//
//   global:            scrape_interval, scrape_timeout (<= scrape_interval), external_labels,
//                      body_size_limit (size), sample_limit, label_limit, honor_labels, honor_timestamps
//   docker:            host (unix:///path or tcp://host:port), tls_config, networks, refresh_interval,
//                      timeout, host_networking_host, port
//   discovery:         mode (label | all), default_relabel_rules
//   relabel_configs, metric_relabel_configs:
//                      lists of Prometheus relabel_config: source_labels, separator, regex, modulus,
//                      target_label, replacement, action (replace keep drop keepequal dropequal hashmod
//                      labelmap labeldrop labelkeep lowercase uppercase)
//   profiles:          list of: name, job (default: name), exporter_for,
//                      match: {image: <regex> -> image_regex, labels: {<label>: <regex>} -> label_match},
//                      metrics: {port (0: lowest exposed), path, scheme (http | https), only_if_exposed},
//                      probes: [{module, port}]   (module: a name in probes.modules)
//                      Built-in profiles (builtin.hpp) follow the user's; a user profile of the
//                      same name replaces one as a whole. Tried in order, the first match wins.
//   probes:            enabled, interval, allowed_targets (host:port list),
//                      modules: {<name>: {prober (http | tcp | postgres | bolt, required), timeout,
//                                         http: {valid_status_codes, method, headers, path,
//                                                fail_if_body_matches_regexp, fail_if_body_not_matches_regexp,
//                                                no_follow_redirects, fail_if_ssl, fail_if_not_ssl, tls_config},
//                                         tcp: {tls, tls_config}}}
//                      Built-in modules (builtin.hpp) are always present; a user module of the same
//                      name replaces one as a whole.
//   container_stats:   enabled, interval, cgroup_root, proc_root
//   remote_write:      list of: url (required, http/https), name (default: 6-hex hash of the url;
//                      unique), remote_timeout, headers, basic_auth: {username, password | password_file},
//                      authorization: {type, credentials | credentials_file}, tls_config,
//                      queue_config: {capacity, max_shards, min_shards, max_samples_per_send,
//                      batch_send_deadline, min_backoff, max_backoff, retry_on_http_429},
//                      write_relabel_configs
//   wal:               dir, max_size (size), max_age, segment_size (size), fsync_interval,
//                      forget_series_after
//   generate:          output_dir, agent_address (host:port),
//                      prometheus: {url -> prometheus_url, reload -> reload_prometheus},
//                      alertmanager: {url -> alertmanager_url,
//                                     slack: {api_url | api_url_file, channel},
//                                     pagerduty: {routing_key | routing_key_file}},
//                      grafana: {dashboards_path -> grafana_dashboards_path (absolute)},
//                      alert_thresholds: {<name>: <number>} (names: config/alert_thresholds.hpp)
//   web:               listen_address (host:port), max_connections, max_header_bytes (size),
//                      max_body_bytes (size), read_timeout
//   log:               level (trace | debug | info | warn | error), format (logfmt | json)
//   tls_config (anywhere): ca_file, cert_file, key_file, server_name, insecure_skip_verify
//
// Secrets: each `x` / `x_file` pair takes exactly one of the two. A `_file` is read at load time
// (trailing newlines trimmed); an unreadable one is an error naming the field and the path. Secret
// values never appear in an error, a log line or dump_config() output.
#include "config/loader.hpp"

#include <spdlog/spdlog.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/decode.hpp"
#include "config/env.hpp"
#include "config/reader.hpp"

namespace autoscrape::config {
namespace {

// A configuration is a few KiB; anything near this is a wrong file, not a config.
constexpr std::size_t kMaxConfigBytes = 4 << 20;

[[noreturn]] void fail_file(const std::string& source, const std::string& message) {
    throw ConfigError({Diagnostic{source, 0, 0, message}});
}

// Records where each document starts. yaml-cpp 0.7's LoadAll never returns on a stray flow ','
// at the top level (`,` or `[a],`): it yields an endless run of empty documents at the same token.
// So documents are counted here with a bound, and the tree is built by YAML::Load (one document).
class DocumentStarts : public YAML::EventHandler {
public:
    std::vector<YAML::Mark> starts;
    void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

Diagnostic at(const std::string& source, const YAML::Mark& mark, std::string message) {
    const bool known = !mark.is_null() && mark.line >= 0;
    return {source, known ? mark.line + 1 : 0, known ? mark.column + 1 : 0, std::move(message)};
}

YAML::Node parse_single_document(const std::string& text, const std::string& source) {
    try {
        std::istringstream in(text);
        YAML::Parser parser(in);
        DocumentStarts documents;
        while (documents.starts.size() < 2 && parser.HandleNextDocument(documents)) {
        }
        if (documents.starts.size() > 1) {
            const auto& second = documents.starts[1];
            const bool stray_comma = second.pos >= 0 && static_cast<std::size_t>(second.pos) < text.size() &&
                                     text[static_cast<std::size_t>(second.pos)] == ',';
            throw ConfigError({at(source, second,
                                  stray_comma ? "invalid YAML: unexpected ',' outside a [list] or {mapping}"
                                              : "expected one YAML document, found more")});
        }
        return YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw ConfigError({at(source, e.mark, "invalid YAML: " + e.msg)});
    }
}

}  // namespace

Config load_config_string(std::string_view yaml, const std::string& source_name) {
    if (yaml.size() > kMaxConfigBytes) fail_file(source_name, "larger than 4MiB; is this the right file?");
    const YAML::Node root = parse_single_document(std::string(yaml), source_name);
    Reader reader(source_name, process_env);
    Config config = decode_config(reader, root);
    if (reader.has_errors()) {
        auto diagnostics = reader.take_diagnostics();
        // Reported in document order, like a compiler, whatever order the sections were checked in.
        std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
            return std::pair(a.line, a.column) < std::pair(b.line, b.column);
        });
        throw ConfigError(std::move(diagnostics));
    }
    return config;
}

Config load_config_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail_file(path, std::string("cannot open: ") + std::strerror(errno));
    std::string text;
    char buffer[64 * 1024];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > kMaxConfigBytes) fail_file(path, "larger than 4MiB; is this the right file?");
    }
    if (in.bad()) fail_file(path, "read error");
    Config config = load_config_string(text, path);
    spdlog::debug("loaded configuration from {}", path);
    return config;
}

std::string embedded_default_config() {
    return R"(# autoscrape built-in configuration, used when no --config.file is given.
# `autoscrape check-config --print` shows every setting with its effective value.

global:
  scrape_interval: 15s   # how often each target is scraped
  scrape_timeout: 10s    # must not exceed scrape_interval

docker:
  # Containers are discovered on these Docker networks; the first listed wins for the target IP.
  networks: [shared-network]

discovery:
  mode: label   # scrape containers opted in by labels (prometheus.io/scrape) or matched by a profile

remote_write:
  - url: http://127.0.0.1:8428/api/v1/write   # VictoriaMetrics single-node
    name: local

wal:
  dir: ./data/wal   # samples wait here while the backend is unreachable

web:
  listen_address: 127.0.0.1:9465   # /metrics, /targets, /probe; loopback only by default

log:
  level: info
  format: logfmt
)";
}

}  // namespace autoscrape::config
