// The agent's configuration: plain typed structs with their defaults.
//
// Field names follow Prometheus wherever the concept exists, so a user's knowledge (and often a
// fragment of their prometheus.yml) carries over. Loading, validation and error positions live in
// loader.hpp; this header holds only the data and the defaults, so every stage can include it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace autoscrape::config {

using Duration = std::chrono::milliseconds;
using Labels = std::map<std::string, std::string>;

// A secret keeps its value out of logs, errors and /config output: only `redacted()` is printable.
// One read from a `*_file` field remembers the path, so generated configs for other programs
// (Alertmanager's api_url_file) can point at the file instead of copying the secret.
class Secret {
public:
    Secret() = default;
    explicit Secret(std::string value, std::string file = {}) : value_(std::move(value)), file_(std::move(file)) {}
    const std::string& reveal() const { return value_; }
    const std::string& file() const { return file_; }  // empty when the value was given inline
    bool empty() const { return value_.empty(); }
    static constexpr const char* redacted() { return "<secret>"; }
    bool operator==(const Secret&) const = default;

private:
    std::string value_;
    std::string file_;
};

struct TlsConfig {
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
    std::string server_name;
    bool insecure_skip_verify = false;
    bool operator==(const TlsConfig&) const = default;
};

struct BasicAuth {
    std::string username;
    Secret password;  // from `password` or `password_file`
    bool operator==(const BasicAuth&) const = default;
};

struct Authorization {
    std::string type = "Bearer";
    Secret credentials;  // from `credentials` or `credentials_file`
    bool operator==(const Authorization&) const = default;
};

// Prometheus relabel_config; the regex is kept as written (the relabeller anchors and compiles it).
enum class RelabelAction {
    Replace, Keep, Drop, KeepEqual, DropEqual, HashMod,
    LabelMap, LabelDrop, LabelKeep, Lowercase, Uppercase,
};

struct RelabelConfig {
    std::vector<std::string> source_labels;
    std::string separator = ";";
    std::string regex = "(.*)";
    std::uint64_t modulus = 0;
    std::string target_label;
    std::string replacement = "$1";
    RelabelAction action = RelabelAction::Replace;
    bool operator==(const RelabelConfig&) const = default;
};

struct GlobalConfig {
    Duration scrape_interval{15'000};
    Duration scrape_timeout{10'000};
    Labels external_labels;
    std::uint64_t body_size_limit = 0;  // bytes, 0 = unlimited (Prometheus semantics)
    std::uint64_t sample_limit = 0;
    std::uint64_t label_limit = 0;
    bool honor_labels = false;
    bool honor_timestamps = true;
    bool operator==(const GlobalConfig&) const = default;
};

struct DockerConfig {
    // Empty means: $DOCKER_HOST if set, else unix:///var/run/docker.sock.
    std::string host;
    std::optional<TlsConfig> tls_config;  // for tcp:// hosts; $DOCKER_CERT_PATH/$DOCKER_TLS_VERIFY otherwise
    std::vector<std::string> networks{"shared-network"};  // names or ids, in priority order
    Duration refresh_interval{60'000};  // periodic full resync; the event stream is the mechanism
    Duration timeout{10'000};           // per API call (not the event stream)
    std::string host_networking_host = "localhost";
    std::uint16_t port = 80;  // docker_sd's port for containers that expose none
    bool operator==(const DockerConfig&) const = default;
};

struct DiscoveryConfig {
    // label: only containers opted in by prometheus.io/scrape or autoscrape.enable, or matched by a
    // profile; all: every container on a watched network.
    enum class Mode { Label, All };
    Mode mode = Mode::Label;
    bool default_relabel_rules = true;  // the built-in opt-in rules run before relabel_configs
    bool operator==(const DiscoveryConfig&) const = default;
};

struct ProfileProbe {
    std::string module;  // a name in probes.modules
    std::uint16_t port = 0;
    bool operator==(const ProfileProbe&) const = default;
};

struct ProfileMetrics {
    std::uint16_t port = 0;  // 0: the container's lowest exposed TCP port
    std::string path = "/metrics";
    std::string scheme = "http";
    bool only_if_exposed = false;  // a service that serves metrics only when enabled, shown by exposing the port
    bool operator==(const ProfileMetrics&) const = default;
};

struct Profile {
    std::string name;
    std::string image_regex;  // matched against the image reference, anchored
    Labels label_match;       // container label name -> anchored regex
    std::string job;          // default: the profile name
    std::optional<ProfileMetrics> metrics;
    std::vector<ProfileProbe> probes;
    std::string exporter_for;  // profile name this exporter exports (postgres_exporter -> postgresql)
    bool operator==(const Profile&) const = default;
};

// blackbox_exporter module shape, so a blackbox.yml module reads the same here.
struct HttpProbeConfig {
    std::vector<int> valid_status_codes;  // empty = 2xx
    std::string method = "GET";
    Labels headers;
    std::string path = "/";
    std::vector<std::string> fail_if_body_matches_regexp;
    std::vector<std::string> fail_if_body_not_matches_regexp;
    bool no_follow_redirects = false;
    bool fail_if_ssl = false;
    bool fail_if_not_ssl = false;
    std::optional<TlsConfig> tls_config;
    bool operator==(const HttpProbeConfig&) const = default;
};

struct TcpProbeConfig {
    bool tls = false;
    std::optional<TlsConfig> tls_config;
    bool operator==(const TcpProbeConfig&) const = default;
};

struct ProbeModule {
    enum class Prober { Http, Tcp, Postgres, Bolt };
    Prober prober = Prober::Tcp;
    Duration timeout{5'000};
    HttpProbeConfig http;
    TcpProbeConfig tcp;
    bool operator==(const ProbeModule&) const = default;
};

struct ProbesConfig {
    bool enabled = true;
    Duration interval{30'000};
    std::map<std::string, ProbeModule> modules;  // filled with the built-in modules by the loader
    std::vector<std::string> allowed_targets;    // host:port that /probe may reach besides watched containers
    bool operator==(const ProbesConfig&) const = default;
};

struct ContainerStatsConfig {
    bool enabled = true;
    Duration interval{15'000};
    std::string cgroup_root = "/sys/fs/cgroup";
    std::string proc_root = "/proc";
    bool operator==(const ContainerStatsConfig&) const = default;
};

struct QueueConfig {
    std::uint64_t capacity = 10'000;
    std::uint32_t max_shards = 50;
    std::uint32_t min_shards = 1;
    std::uint64_t max_samples_per_send = 2'000;
    Duration batch_send_deadline{5'000};
    Duration min_backoff{30};
    Duration max_backoff{5'000};
    bool retry_on_http_429 = true;
    bool operator==(const QueueConfig&) const = default;
};

struct RemoteWriteConfig {
    std::string url;
    std::string name;  // default: a short hash of the url
    Duration remote_timeout{30'000};
    Labels headers;
    std::optional<BasicAuth> basic_auth;
    std::optional<Authorization> authorization;
    std::optional<TlsConfig> tls_config;
    QueueConfig queue_config;
    std::vector<RelabelConfig> write_relabel_configs;
    bool operator==(const RemoteWriteConfig&) const = default;
};

struct WalConfig {
    std::string dir = "/var/lib/autoscrape/wal";
    std::uint64_t max_size = 1ULL << 30;      // bytes; 0 = unlimited
    Duration max_age{0};                       // 0 = unlimited
    std::uint64_t segment_size = 64ULL << 20;  // bytes
    Duration fsync_interval{1'000};
    // A series with no sample for this long, and no record left in the WAL, is forgotten: the
    // memory it takes goes back (label churn would otherwise grow the agent without end).
    Duration forget_series_after{3'600'000};
    bool operator==(const WalConfig&) const = default;
};

struct SlackReceiver {
    Secret api_url;  // from `api_url` or `api_url_file`
    std::string channel;
    bool operator==(const SlackReceiver&) const = default;
};

struct PagerDutyReceiver {
    Secret routing_key;  // from `routing_key` or `routing_key_file`
    bool operator==(const PagerDutyReceiver&) const = default;
};

struct GenerateConfig {
    std::string output_dir;  // empty: `run` generates nothing
    std::string prometheus_url = "http://prometheus:9090";
    bool reload_prometheus = false;  // POST /-/reload when the generated files change
    std::string alertmanager_url = "http://alertmanager:9093";
    std::string agent_address;  // how Prometheus reaches this agent; default web.listen_address
    std::optional<SlackReceiver> slack;
    std::optional<PagerDutyReceiver> pagerduty;
    std::map<std::string, double> alert_thresholds;  // overrides of the built-in thresholds
    // Where Grafana reads the generated dashboards (DIR/grafana/dashboards mounted there).
    std::string grafana_dashboards_path = "/var/lib/grafana/dashboards/autoscrape";
    bool operator==(const GenerateConfig&) const = default;
};

struct WebConfig {
    std::string listen_address = "127.0.0.1:9465";
    std::uint32_t max_connections = 64;
    std::uint64_t max_header_bytes = 16ULL << 10;
    std::uint64_t max_body_bytes = 1ULL << 20;
    Duration read_timeout{10'000};  // whole request, so a slow client cannot hold a connection
    bool operator==(const WebConfig&) const = default;
};

struct LogConfig {
    enum class Format { Logfmt, Json };
    std::string level = "info";  // trace, debug, info, warn, error
    Format format = Format::Logfmt;
    bool operator==(const LogConfig&) const = default;
};

struct Config {
    GlobalConfig global;
    DockerConfig docker;
    DiscoveryConfig discovery;
    std::vector<RelabelConfig> relabel_configs;
    std::vector<RelabelConfig> metric_relabel_configs;
    std::vector<Profile> profiles;  // user profiles; they take precedence over the built-in ones
    ProbesConfig probes;
    ContainerStatsConfig container_stats;
    std::vector<RemoteWriteConfig> remote_write;
    WalConfig wal;
    GenerateConfig generate;
    WebConfig web;
    LogConfig log;
    bool operator==(const Config&) const = default;
};

}  // namespace autoscrape::config
