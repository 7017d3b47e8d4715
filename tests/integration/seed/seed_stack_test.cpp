// Issue #6 acceptance: the seed stack, emulated with Debian's PostgreSQL, postgres_exporter,
// Prometheus and node_exporter under their upstream image names, plus busybox stand-ins for MinIO,
// Neo4j, MLflow, Label Studio and Grafana (tests/lib/seed_stack.sh says why). The agent runs with
// zero config apart from the network, its web port, the remote-write URL and the WAL dir, and must
// scrape and probe exactly what DESIGN.md's profile table says: no more, no less.
#include <chrono>
#include <cstdlib>
#include <functional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "tests/integration/seed/seed_stack.hpp"
#include "tests/integration/support/http_get.hpp"

using namespace autoscrape;
using namespace std::chrono_literals;
namespace json = boost::json;

using testing::HostPort;
using testing::parse_loopback_url;
using testing::url_encode;

namespace {

constexpr auto kSettleTimeout = 60s;

// Metrics per DESIGN.md's table. Not scraped: PostgreSQL (no metrics of its own: its exporter
// is), Neo4j (2004 only when exposed, and the seed does not expose it), Label Studio (none).
struct ExpectedTarget {
    const char* service;
    const char* job;
    int port;
    const char* path;
};
constexpr ExpectedTarget kScraped[] = {
    {"postgres-exporter", "postgres_exporter", 9187, "/metrics"},
    {"minio", "minio", 9000, "/minio/v2/metrics/cluster"},
    {"mlflow", "mlflow", 5000, "/metrics"},
    {"grafana", "grafana", 3000, "/metrics"},
    {"prometheus", "prometheus", 9090, "/metrics"},
    {"node-exporter", "node_exporter", 9100, "/metrics"},
};

// Probes per DESIGN.md's table; the exporters have none. The job is the profile's; `what` is how
// the targets API shows the probe: the HTTP path the module requests, or the prober's scheme.
struct ExpectedProbe {
    const char* service;
    const char* job;
    const char* module;
    int port;
    const char* what;
};
constexpr ExpectedProbe kProbed[] = {
    {"postgre", "postgresql", "postgres", 5432, "postgres://"},
    {"minio", "minio", "minio_live", 9000, "/minio/health/live"},
    {"neo4j", "neo4j", "http_2xx", 7474, "/"},
    {"neo4j", "neo4j", "bolt", 7687, "bolt://"},
    {"mlflow", "mlflow", "http_health", 5000, "/health"},
    {"label-studio", "label-studio", "http_health", 8080, "/health"},
    {"grafana", "grafana", "grafana_health", 3000, "/api/health"},
    {"prometheus", "prometheus", "prometheus_healthy", 9090, "/-/healthy"},
};

std::string probe_url(const ExpectedProbe& p, const std::string& instance) {
    const std::string what = p.what;
    return what.starts_with("/") ? "http://" + instance + what : what + instance;
}

using Described = std::set<std::string>;

// One active target of /api/v1/targets: scrape pools are named after the job, probe pools
// `probe/<module>`.
std::string describe_target(const std::string& pool, const std::string& job, const std::string& instance,
                            const std::string& url, const std::string& health, const std::string& service,
                            const std::string& exported) {
    return fmt::format("pool={} job={} instance={} url={} health={} service={} exported_container={}", pool, job,
                       instance, url, health, service, exported);
}

// A series as vm_series describes it: `name=value ...` in the given order, then `value=<sample>`.
std::string describe_series(const std::vector<std::pair<std::string, std::string>>& labels, const std::string& value) {
    std::string out;
    for (const auto& [name, v] : labels) out += name + "=" + v + " ";
    return out + "value=" + value;
}

std::string text(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string join(const Described& set) {
    std::string out;
    for (const auto& s : set) out += "\n  " + s;
    return out;
}

std::string log_tail(const std::string& log) {
    constexpr std::size_t kKeep = 6000;
    return log.size() <= kKeep ? log : "..." + log.substr(log.size() - kKeep);
}

// Polls `fetch` until it returns `expected` or the timeout passes; returns the last answer.
Described settle(const std::function<Described()>& fetch, const Described& expected) {
    const auto end = std::chrono::steady_clock::now() + kSettleTimeout;
    Described last = fetch();
    while (last != expected && std::chrono::steady_clock::now() < end) {
        std::this_thread::sleep_for(1s);
        last = fetch();
    }
    return last;
}

// One list of the agent's /api/v1/targets (`activeTargets`: scrapes, `probeTargets`: probes), described.
Described api_targets(unsigned short agent_port, const char* list) {
    const auto reply = testing::http_request("GET", "127.0.0.1", agent_port, "/api/v1/targets?state=active");
    if (reply.status != 200) return {"(targets API answered " + std::to_string(reply.status) + " " + reply.error + ")"};
    Described out;
    const auto doc = json::parse(reply.body);
    const auto* targets = doc.at("data").as_object().if_contains(list);
    if (targets == nullptr) return {std::string("(no ") + list + " in the targets API)"};
    for (const auto& t : targets->as_array()) {
        const auto& labels = t.at("labels").as_object();
        const auto& target = t.as_object();
        out.insert(describe_target(text(target, "scrapePool"), text(labels, "job"), text(labels, "instance"),
                                   text(target, "scrapeUrl"), text(target, "health"), text(labels, "service"),
                                   text(labels, "exported_container")));
    }
    return out;
}

// The answer of VictoriaMetrics to an instant query, each series described by `names`.
Described vm_series(const HostPort& vm, const std::string& query, const std::vector<std::string>& names) {
    const auto reply = testing::http_request("GET", vm.host, vm.port, "/api/v1/query?query=" + url_encode(query));
    if (reply.status != 200) return {"(VictoriaMetrics answered " + std::to_string(reply.status) + " " + reply.error + ")"};
    Described out;
    const auto doc = json::parse(reply.body);
    for (const auto& r : doc.at("data").at("result").as_array()) {
        const auto& metric = r.at("metric").as_object();
        std::vector<std::pair<std::string, std::string>> labels;
        for (const auto& name : names) labels.emplace_back(name, text(metric, name.c_str()));
        out.insert(describe_series(labels, std::string(r.at("value").at(1).as_string())));
    }
    return out;
}

// What the agent must list in /api/v1/targets: its scrape targets (pool = job) ...
Described expected_scrape_targets(testing::SeedStack& stack) {
    Described out;
    for (const auto& t : kScraped) {
        const auto instance = fmt::format("{}:{}", stack.ip(t.service), t.port);
        const bool exporter = std::string(t.service) == "postgres-exporter";
        out.insert(describe_target(t.job, t.job, instance, fmt::format("http://{}{}", instance, t.path), "up",
                                   exporter ? "postgresql" : "", exporter ? stack.name("postgre") : ""));
    }
    return out;
}

// ... and its probe targets (pool = probe/<module>).
Described expected_probe_targets(testing::SeedStack& stack) {
    Described out;
    for (const auto& p : kProbed) {
        const auto instance = fmt::format("{}:{}", stack.ip(p.service), p.port);
        out.insert(describe_target(fmt::format("probe/{}", p.module), p.job, instance, probe_url(p, instance), "up",
                                   "", ""));
    }
    return out;
}

const std::vector<std::string> kProbeLabels{"job", "module", "container", "instance"};

// What VictoriaMetrics must hold: probe_success 1 for each probe, with the contract's labels.
Described expected_probe_series(testing::SeedStack& stack) {
    Described out;
    for (const auto& p : kProbed)
        out.insert(describe_series({{"job", p.job},
                                    {"module", p.module},
                                    {"container", stack.name(p.service)},
                                    {"instance", fmt::format("{}:{}", stack.ip(p.service), p.port)}},
                                   "1"));
    return out;
}

const std::vector<std::string> kPairingLabels{"job", "instance", "service", "exported_container"};

// The exporter reached the PostgreSQL its DSN names (pg_up 1), and its samples carry the pairing.
Described expected_pg_up(testing::SeedStack& stack) {
    return {describe_series({{"job", "postgres_exporter"},
                             {"instance", stack.ip("postgres-exporter") + ":9187"},
                             {"service", "postgresql"},
                             {"exported_container", stack.name("postgre")}},
                            "1")};
}

void check_same(const char* what, const Described& expected, const Described& actual) {
    INFO(what << " expected:" << join(expected) << "\nactual:" << join(actual));
    CHECK(actual == expected);
}

}  // namespace

TEST_CASE("With zero config the agent scrapes and probes every service of the seed stack as the profile table says") {
    if (!testing::docker_available()) FAIL("dockerd is not reachable");
    const char* vm_url = std::getenv("AUTOSCRAPE_TEST_VM_URL");
    if (vm_url == nullptr || *vm_url == '\0') FAIL("AUTOSCRAPE_TEST_VM_URL is not set (tests/run_all.sh sets it)");
    const auto vm = parse_loopback_url(vm_url);

    testing::SeedStack stack;
    const auto want_targets = expected_scrape_targets(stack);
    const auto want_probe_targets = expected_probe_targets(stack);
    const auto want_probes = expected_probe_series(stack);
    const auto want_pg_up = expected_pg_up(stack);

    testing::SeedAgent agent(stack.network(), std::string(vm_url) + "/api/v1/write");
    {
        INFO("agent log:\n" << log_tail(agent.logs()));
        REQUIRE(agent.ready());
    }
    const auto targets = settle([&] { return api_targets(agent.port(), "activeTargets"); }, want_targets);
    const auto probe_targets = settle([&] { return api_targets(agent.port(), "probeTargets"); }, want_probe_targets);
    const auto probes = settle(
        [&] {
            return vm_series(vm, fmt::format("probe_success{{container=~\".*-{}\"}}", stack.suffix()), kProbeLabels);
        },
        want_probes);
    const auto pg_up = settle(
        [&] {
            return vm_series(vm, fmt::format("pg_up{{exported_container=\"{}\"}}", stack.name("postgre")),
                             kPairingLabels);
        },
        want_pg_up);

    INFO("agent log:\n" << log_tail(agent.logs()));
    check_same("scrape targets", want_targets, targets);
    // PostgreSQL is probed, never scraped: it has no metrics endpoint of its own.
    const auto postgres_instance = "instance=" + stack.ip("postgre") + ":";
    for (const auto& t : targets) CHECK(t.find(postgres_instance) == std::string::npos);
    check_same("probe targets", want_probe_targets, probe_targets);
    check_same("probe_success in VictoriaMetrics", want_probes, probes);
    check_same("pg_up in VictoriaMetrics", want_pg_up, pg_up);
}
