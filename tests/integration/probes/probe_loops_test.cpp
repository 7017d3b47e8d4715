// Probe loops end to end: the real agent binary discovers busybox containers labelled
// `autoscrape.probe` on a network this test creates, probes them on its own schedule and
// remote-writes the results to VictoriaMetrics ($AUTOSCRAPE_TEST_VM_URL): probe_success is 1 for
// the container serving HTTP and 0 for the closed port, with the contract's labels; the agent's
// /api/v1/targets lists both loops under probeTargets; removing a container ends its series.
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <set>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "tests/integration/support/docker_fixture.hpp"
#include "tests/integration/support/http_get.hpp"
#include "tests/integration/support/process.hpp"

using namespace autoscrape;
using namespace std::chrono_literals;
namespace json = boost::json;

using testing::HostPort;
using testing::parse_loopback_url;
using testing::url_encode;
using testing::free_port;

namespace {

// The one series VictoriaMetrics returns for `query` now, or nullopt (none, several, or an error).
std::optional<json::object> query_one(const HostPort& vm, const std::string& query) {
    const auto reply = testing::http_request("GET", vm.host, vm.port, "/api/v1/query?query=" + url_encode(query));
    if (reply.status != 200) return std::nullopt;
    const auto result = json::parse(reply.body).at("data").at("result").as_array();
    if (result.size() != 1) return std::nullopt;
    return result.at(0).as_object();
}

std::optional<json::object> wait_for_series(const HostPort& vm, const std::string& query, const std::string& value) {
    const auto end = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < end) {
        if (auto series = query_one(vm, query); series && series->at("value").at(1).as_string() == value)
            return series;
        std::this_thread::sleep_for(500ms);
    }
    return std::nullopt;
}

std::string label(const json::object& series, const char* name) {
    const auto* v = series.at("metric").as_object().if_contains(name);
    return v != nullptr ? std::string(v->as_string()) : std::string();
}

// The agent under test, stopped with SIGTERM (and killed if it hangs) when the test ends.
class Agent {
public:
    Agent(const std::string& network, const std::string& remote_write_url)
        : dir_(testing::make_temp_dir()), port_(free_port()) {
        testing::write_file(dir_ + "/autoscrape.yml",
                            fmt::format("docker:\n  networks: [{}]\n"
                                        "web:\n  listen_address: 127.0.0.1:{}\n"
                                        "remote_write:\n  - url: {}\n    queue_config:\n      batch_send_deadline: 500ms\n"
                                        "wal:\n  dir: {}/wal\n",
                                        network, port_, remote_write_url, dir_));
        process_ = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
            testing::autoscrape_binary(), "run", "--config.file=" + dir_ + "/autoscrape.yml"});
        ready_ = testing::wait_for_status("127.0.0.1", port_, "/-/ready", 200, 30s);
    }
    ~Agent() {
        process_->signal(SIGTERM);
        if (!process_->wait_for(20s)) process_->signal(SIGKILL);
        process_->wait_for(5s);
        testing::remove_tree(dir_);
    }
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    bool ready() const { return ready_; }
    unsigned short port() const { return port_; }
    std::string log() const { return process_->err() + process_->out(); }

private:
    std::string dir_;
    unsigned short port_;
    std::unique_ptr<testing::ChildProcess> process_;
    bool ready_ = false;
};

}  // namespace

TEST_CASE("The agent probes labelled containers and remote-writes probe_success 1 and 0") {
    if (!testing::docker_available()) FAIL("dockerd is not reachable");
    const char* vm_url = std::getenv("AUTOSCRAPE_TEST_VM_URL");
    if (vm_url == nullptr || *vm_url == '\0') FAIL("AUTOSCRAPE_TEST_VM_URL is not set (tests/run_all.sh sets it)");
    const auto vm = parse_loopback_url(vm_url);

    testing::ensure_busybox_image();
    testing::DockerFixture docker;
    const auto net = docker.create_network("probeloops");
    const auto web_name = docker.unique("web");
    const auto web = docker.run_container(web_name, {"--network", net, "--label", "autoscrape.probe=http_2xx:80",
                                                     "--label", "autoscrape.interval=1s"});
    docker.docker({"exec", web, "sh", "-c", "mkdir -p /www && echo ok > /www/index.html"});
    docker.docker({"exec", "-d", web, "httpd", "-f", "-p", "80", "-h", "/www"});
    const auto closed_name = docker.unique("closed");
    docker.run_container(closed_name, {"--network", net, "--label", "autoscrape.probe=tcp_connect:81", "--label",
                                       "autoscrape.interval=1s", "--label", "autoscrape.job=gate"});
    const auto web_ip = docker.docker({"inspect", "-f", "{{(index .NetworkSettings.Networks \"" + net + "\").IPAddress}}", web});
    const auto closed_ip =
        docker.docker({"inspect", "-f", "{{(index .NetworkSettings.Networks \"" + net + "\").IPAddress}}", closed_name});

    Agent agent(net, std::string(vm_url) + "/api/v1/write");
    INFO("agent log:\n" << agent.log());
    REQUIRE(agent.ready());

    const auto up = wait_for_series(vm, fmt::format("probe_success{{container=\"{}\"}}", web_name), "1");
    REQUIRE(up);
    CHECK(label(*up, "job") == web_name);
    CHECK(label(*up, "module") == "http_2xx");
    CHECK(label(*up, "instance") == web_ip + ":80");
    const auto status =
        wait_for_series(vm, fmt::format("probe_http_status_code{{container=\"{}\"}}", web_name), "200");
    CHECK(status);

    const auto down = wait_for_series(vm, fmt::format("probe_success{{container=\"{}\"}}", closed_name), "0");
    REQUIRE(down);
    CHECK(label(*down, "job") == "gate");
    CHECK(label(*down, "module") == "tcp_connect");
    CHECK(label(*down, "instance") == closed_ip + ":81");

    const auto targets = testing::http_request("GET", "127.0.0.1", agent.port(), "/api/v1/targets");
    REQUIRE(targets.status == 200);
    const auto doc = json::parse(targets.body);
    std::set<std::string> pools;
    for (const auto& t : doc.at("data").at("probeTargets").as_array()) {
        const auto& labels = t.at("labels").as_object();
        const auto container = std::string(labels.at("container").as_string());
        if (container == web_name || container == closed_name)
            pools.insert(std::string(t.at("scrapePool").as_string()) + " " + container);
    }
    CHECK(pools == std::set<std::string>{"probe/http_2xx " + web_name, "probe/tcp_connect " + closed_name});

    // A removed container's probe series end: VictoriaMetrics drops a series at its stale marker.
    docker.docker({"rm", "-f", web});
    const auto end = std::chrono::steady_clock::now() + 30s;
    bool gone = false;
    while (!gone && std::chrono::steady_clock::now() < end) {
        const auto reply = testing::http_request(
            "GET", vm.host, vm.port,
            "/api/v1/query?query=" + url_encode(fmt::format("probe_success{{container=\"{}\"}}", web_name)));
        gone = reply.status == 200 && json::parse(reply.body).at("data").at("result").as_array().empty();
        if (!gone) std::this_thread::sleep_for(500ms);
    }
    CHECK(gone);
}
