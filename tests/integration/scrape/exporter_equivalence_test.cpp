// Real exporters scraped by our loop and by a real Prometheus must yield the same series (names and
// label sets; values differ): node_exporter with a fixed set of collectors, and postgres_exporter
// in front of a throwaway PostgreSQL cluster on loopback.
#include <csignal>
#include <filesystem>
#include <set>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "agent/scrape/scrape_loop.hpp"
#include "scrape_fixtures.hpp"
#include "tests/integration/support/http_get.hpp"
#include "tests/integration/support/process.hpp"

using namespace autoscrape;
using namespace std::chrono_literals;
namespace json = boost::json;
using SeriesSet = std::set<std::map<std::string, std::string>>;

using testing::free_port;

namespace {

// Our series for `job`, from two scrapes of the exporter.
SeriesSet scrape_with_us(const std::string& address, const std::string& job) {
    boost::asio::io_context io;
    auto rec = std::make_shared<scrape::testing::Recorded>();
    scrape::ScrapeTarget t;
    t.scheme = "http";
    t.address = address;
    t.path = "/metrics";
    t.timeout = 10s;
    t.labels = scrape::LabelSet{{"instance", address}, {"job", job}};
    auto loop = std::make_shared<scrape::ScrapeLoop>(
        io.get_executor(), std::make_unique<scrape::testing::RecordingAppender>(rec), t, scrape::LoopOptions{});
    for (int i = 0; i < 2; ++i) {
        boost::asio::co_spawn(io, loop->scrape_once(), boost::asio::detached);
        io.restart();
        io.run();
    }
    INFO("our scrape error: " << loop->status().last_error);
    CHECK(loop->status().health == scrape::Health::Up);
    SeriesSet out;
    for (const auto& labels : rec->labels) out.emplace(labels.begin(), labels.end());
    return out;
}

// Prometheus' series for `job`, once it has scraped the target at least twice.
SeriesSet series_from_prometheus(unsigned short port, const std::string& job) {
    const auto target = fmt::format("/api/v1/query?query=count_over_time(up%7Bjob%3D%22{}%22%7D%5B1m%5D)", job);
    for (int attempt = 0; attempt < 60; ++attempt) {
        const auto reply = testing::http_request("GET", "127.0.0.1", port, target);
        if (reply.status == 200) {
            const auto result = json::parse(reply.body).at("data").at("result").as_array();
            if (!result.empty() && std::stod(std::string(result[0].at("value").at(1).as_string())) >= 2) break;
        }
        std::this_thread::sleep_for(500ms);
    }
    const auto reply = testing::http_request("GET", "127.0.0.1", port,
                                             fmt::format("/api/v1/series?match%5B%5D=%7Bjob%3D%22{}%22%7D", job));
    REQUIRE(reply.status == 200);
    SeriesSet out;
    const auto doc = json::parse(reply.body);
    for (const auto& s : doc.at("data").as_array()) {
        std::map<std::string, std::string> labels;
        for (const auto& [k, v] : s.as_object()) labels[std::string(k)] = std::string(v.as_string());
        out.insert(std::move(labels));
    }
    return out;
}

std::string describe(const SeriesSet& a, const SeriesSet& b) {
    std::string out;
    for (const auto& s : a) {
        if (b.contains(s)) continue;
        out += "\n  only ours:";
        for (const auto& [k, v] : s) out += " " + k + "=" + v;
    }
    for (const auto& s : b) {
        if (a.contains(s)) continue;
        out += "\n  only Prometheus':";
        for (const auto& [k, v] : s) out += " " + k + "=" + v;
    }
    return out;
}

struct Prometheus {
    std::string dir = testing::make_temp_dir();
    unsigned short port = free_port();
    std::unique_ptr<testing::ChildProcess> process;

    explicit Prometheus(const std::vector<std::pair<std::string, std::string>>& jobs) {
        std::string config = "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n";
        for (const auto& [job, address] : jobs)
            config += fmt::format("  - job_name: {}\n    static_configs:\n      - targets: ['{}']\n", job, address);
        testing::write_file(dir + "/prometheus.yml", config);
        process = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
            "/usr/bin/prometheus", "--config.file=" + dir + "/prometheus.yml", "--storage.tsdb.path=" + dir + "/data",
            fmt::format("--web.listen-address=127.0.0.1:{}", port)});
        REQUIRE(testing::wait_for_status("127.0.0.1", port, "/-/ready", 200, 30s));
    }
    ~Prometheus() {
        process->signal(SIGTERM);
        process->wait_for(10s);
        testing::remove_tree(dir);
    }
};

}  // namespace

TEST_CASE("node_exporter yields the same series through our scrape loop as through Prometheus") {
    const auto port = free_port();
    const std::string address = fmt::format("127.0.0.1:{}", port);
    testing::ChildProcess exporter({"/usr/bin/prometheus-node-exporter", "--web.listen-address=" + address,
                                    "--web.disable-exporter-metrics", "--collector.disable-defaults",
                                    "--collector.loadavg", "--collector.uname", "--collector.meminfo",
                                    "--collector.stat"});
    REQUIRE(testing::wait_for_status("127.0.0.1", port, "/metrics", 200, 10s));
    Prometheus prometheus({{"node", address}});
    const auto ours = scrape_with_us(address, "node");
    const auto theirs = series_from_prometheus(prometheus.port, "node");
    INFO("differences:" << describe(ours, theirs));
    CHECK(ours.size() > 20);
    CHECK(ours == theirs);
}

TEST_CASE("postgres_exporter yields the same series through our scrape loop as through Prometheus") {
    const std::string initdb = "/usr/lib/postgresql/15/bin/initdb";
    const std::string pg_ctl = "/usr/lib/postgresql/15/bin/pg_ctl";
    if (!std::filesystem::exists(initdb) || !std::filesystem::exists("/usr/bin/prometheus-postgres-exporter"))
        FAIL("needs postgresql and prometheus-postgres-exporter (apt-get install)");
    const auto root = testing::make_temp_dir();
    std::filesystem::permissions(root, std::filesystem::perms::all);
    const std::string data = root + "/pgdata";
    std::filesystem::create_directory(data);
    REQUIRE(testing::run_process({"/usr/bin/chown", "postgres:postgres", data}, 10s).exit_code == 0);
    const auto pg_port = free_port();
    const auto as_postgres = [](std::vector<std::string> argv) {
        argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
        return argv;
    };
    auto r = testing::run_process(as_postgres({initdb, "-D", data, "-A", "trust", "-U", "postgres"}), 120s);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    r = testing::run_process(
        as_postgres({pg_ctl, "-D", data, "-w", "-l", data + "/log", "-o",
                     fmt::format("-p {} -k {} -c listen_addresses=127.0.0.1", pg_port, data), "start"}),
        60s);
    INFO(r.err << r.out);
    REQUIRE(r.exit_code == 0);

    const auto port = free_port();
    const std::string address = fmt::format("127.0.0.1:{}", port);
    {
        testing::ChildProcess exporter(
            {"/usr/bin/prometheus-postgres-exporter", "--web.listen-address=" + address},
            {fmt::format("DATA_SOURCE_NAME=postgresql://postgres@127.0.0.1:{}/postgres?sslmode=disable", pg_port)});
        REQUIRE(testing::wait_for_status("127.0.0.1", port, "/metrics", 200, 10s));
        Prometheus prometheus({{"postgres", address}});
        const auto ours = scrape_with_us(address, "postgres");
        const auto theirs = series_from_prometheus(prometheus.port, "postgres");
        INFO("differences:" << describe(ours, theirs));
        CHECK(ours.size() > 20);
        CHECK(ours == theirs);
    }
    testing::run_process(as_postgres({pg_ctl, "-D", data, "-m", "immediate", "stop"}), 60s);
    testing::remove_tree(root);
}
