// Containers found by the real DockerDiscovery are scraped by the ScrapeManager: busybox httpd
// serving a metrics file on a network the test creates; the opted-in one is scraped, the other
// listed as dropped, and removing the container ends its series with stale markers.
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include "agent/scrape/scrape_manager.hpp"
#include "agent/storage/stale.hpp"
#include "discovery/docker_discovery.hpp"
#include "scrape_fixtures.hpp"
#include "tests/integration/support/docker_fixture.hpp"

using namespace autoscrape;
using namespace std::chrono_literals;

namespace {

template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(50ms);
    }
    return pred();
}

// Starts busybox httpd on :9100 in the container, serving `metrics` at /metrics.
void serve_metrics(testing::DockerFixture& docker, const std::string& id, const std::string& metrics) {
    docker.docker({"exec", id, "sh", "-c", "mkdir -p /www && printf '" + metrics + "' > /www/metrics"});
    docker.docker({"exec", "-d", id, "httpd", "-f", "-p", "9100", "-h", "/www"});
}

bool has_label(const storage::Labels& labels, const std::string& name, const std::string& value) {
    for (const auto& [n, v] : labels)
        if (n == name && v == value) return true;
    return false;
}

}  // namespace

TEST_CASE("Opted-in containers found by Docker discovery are scraped and go stale when removed") {
    if (!testing::docker_available()) FAIL("dockerd is not reachable");
    testing::DockerFixture docker;
    const auto net = docker.create_network("scrape");
    const auto web_name = docker.unique("web");
    const auto web = docker.run_container(web_name, {"--network", net, "--label", "prometheus.io/scrape=true",
                                                     "--label", "prometheus.io/port=9100", "--label",
                                                     "autoscrape.interval=500ms", "--label", "autoscrape.job=demo"});
    const auto quiet = docker.run_container(docker.unique("quiet"), {"--network", net});
    serve_metrics(docker, web, "# TYPE demo_requests_total counter\\ndemo_requests_total{code=\"200\"} 7\\n");
    serve_metrics(docker, quiet, "other 1\\n");

    boost::asio::io_context io;
    auto guard = boost::asio::make_work_guard(io);
    prometheus::Registry registry;
    config::Config cfg;
    cfg.docker.networks = {net};
    auto rec = std::make_shared<scrape::testing::Recorded>();
    scrape::ScrapeManager manager(io, cfg, [rec] { return std::make_unique<scrape::testing::RecordingAppender>(rec); },
                                  registry);
    discovery::DockerDiscovery discovery(io, cfg.docker, registry);
    discovery.subscribe([&](const discovery::DiscoveryUpdate& u) { manager.apply(u); });
    discovery.start();
    std::thread runner([&] { io.run(); });

    const bool scraped = wait_until([&] { return !rec->samples("demo_requests_total").empty(); }, 20s);
    CHECK(scraped);
    if (scraped) {
        const auto sample = rec->samples("demo_requests_total").front();
        CHECK(sample.value == 7);
        const auto& labels = rec->labels_of(sample.ref);
        CHECK(has_label(labels, "job", "demo"));
        CHECK(has_label(labels, "container", web_name));
        CHECK(has_label(labels, "code", "200"));
    }
    CHECK(rec->samples("other").empty());
    const auto targets = manager.targets();
    int active = 0, dropped = 0;
    for (const auto& t : targets) {
        if (t.discovered.get("__meta_docker_container_id") == web && t.active) {
            ++active;
            CHECK(t.scrape_url.ends_with(":9100/metrics"));
        }
        if (t.discovered.get("__meta_docker_container_id") == quiet && !t.active) ++dropped;
    }
    CHECK(active == 1);
    CHECK(dropped >= 1);

    docker.docker({"rm", "-f", web});
    CHECK(wait_until([&] {
        const auto s = rec->samples("demo_requests_total");
        return !s.empty() && storage::is_stale_nan(s.back().value);
    }, 20s));
    CHECK(storage::is_stale_nan(rec->samples("up").back().value));

    manager.stop();
    discovery.stop();
    guard.reset();
    io.stop();
    runner.join();
}
