// The generated Alertmanager config run by a real Alertmanager (Debian's prometheus-alertmanager,
// loopback only, clustering off): alerts posted to its API are inhibited as alertmanager.hpp says,
// and the rest reach the Slack receiver, here a loopback webhook standing in for Slack.
#include <algorithm>
#include <mutex>
#include <thread>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "agent/generate/alertmanager.hpp"
#include "agent/http_server.hpp"
#include "tests/integration/generate/tools.hpp"
#include "tests/integration/support/http_get.hpp"

using namespace autoscrape;
using namespace autoscrape::testing;
using namespace std::chrono_literals;

namespace {

// Collects the bodies Alertmanager posts to /slack.
class WebhookSink {
public:
    WebhookSink() : server_(ioc_, loopback()) {
        server_.handle_sync(agent::http::verb::post, "/slack", [this](const agent::Request& r) {
            std::lock_guard lock(mu_);
            bodies_.push_back(r.body());
            return agent::make_response(r, agent::http::status::ok, "ok");
        });
        server_.start();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~WebhookSink() {
        server_.stop();
        ioc_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.local_endpoint().port()) + "/slack"; }
    std::vector<std::string> bodies() const {
        std::lock_guard lock(mu_);
        return bodies_;
    }
    bool wait_for(std::size_t count, std::chrono::milliseconds timeout) const {
        for (const auto end = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < end;) {
            if (bodies().size() >= count) return true;
            std::this_thread::sleep_for(100ms);
        }
        return bodies().size() >= count;
    }

private:
    static config::WebConfig loopback() {
        config::WebConfig web;
        web.listen_address = "127.0.0.1:0";
        return web;
    }
    boost::asio::io_context ioc_;
    agent::HttpServer server_;
    std::thread thread_;
    mutable std::mutex mu_;
    std::vector<std::string> bodies_;
};

// The generated config with a 1 s group_wait, so the test does not wait the production 30 s.
std::string with_short_group_wait(const std::string& yaml) {
    YAML::Node doc = YAML::Load(yaml);
    doc["route"]["group_wait"] = "1s";
    return YAML::Dump(doc) + "\n";
}

boost::json::object alert(const std::string& name, const std::string& severity, boost::json::object labels,
                          const std::string& summary) {
    labels["alertname"] = name;
    labels["severity"] = severity;
    return {{"labels", std::move(labels)}, {"annotations", {{"summary", summary}, {"description", summary}}}};
}

// The state ("active" or "suppressed") of each posted alert, by its summary.
std::map<std::string, std::string> states(unsigned short port) {
    const auto reply = http_request("GET", "127.0.0.1", port, "/api/v2/alerts");
    REQUIRE(reply.status == 200);
    std::map<std::string, std::string> out;
    const auto parsed = boost::json::parse(reply.body);
    for (const auto& a : parsed.as_array()) {
        out[std::string(a.at("annotations").at("summary").as_string())] =
            std::string(a.at("status").at("state").as_string());
    }
    return out;
}

}  // namespace

TEST_CASE("a real Alertmanager on the generated config inhibits duplicates and notifies the rest") {
    WebhookSink slack;
    config::Config config;
    config.generate.slack = config::SlackReceiver{config::Secret(slack.url()), "#alerts"};
    TempDir dir;
    write_file(dir.file("alertmanager.yml"), with_short_group_wait(generate::alertmanager_yaml(config)));
    const auto port = free_loopback_port();
    ChildProcess alertmanager({find_tool("prometheus-alertmanager"), "--config.file=" + dir.file("alertmanager.yml"),
                               "--storage.path=" + dir.file("data"), "--web.listen-address=127.0.0.1:" + std::to_string(port),
                               "--cluster.listen-address="});
    REQUIRE(wait_for_status("127.0.0.1", port, "/-/ready", 200, 20s));

    boost::json::array alerts{
        alert("TLSCertificateExpiring", "critical", {{"job", "api"}, {"instance", "10.9.0.4:443"}}, "tls critical"),
        alert("TLSCertificateExpiring", "warning", {{"job", "api"}, {"instance", "10.9.0.4:443"}}, "tls warning"),
        alert("MinIOUnreachable", "critical",
              {{"job", "minio"}, {"instance", "10.9.0.5:9000"}, {"module", "minio_live"}, {"container", "minio"}},
              "minio unreachable"),
        alert("TargetDown", "warning", {{"job", "minio"}, {"instance", "10.9.0.5:9000"}, {"container", "minio"}},
              "minio target down"),
        alert("TargetDown", "warning", {{"job", "web"}, {"instance", "10.9.0.6:80"}, {"container", "web"}},
              "web target down"),
        alert("AutoscrapeDown", "critical", {{"job", "autoscrape"}, {"instance", "127.0.0.1:9465"}}, "agent down"),
        alert("TargetDown", "warning",
              {{"job", "redis"}, {"instance", "10.9.0.7:6379"}, {"module", "tcp_connect"}, {"container", "cache"}},
              "probe target down"),
    };
    const auto posted = post_json(port, "/api/v2/alerts", boost::json::serialize(alerts));
    INFO(posted.body << posted.error);
    REQUIRE(posted.status == 200);

    // Alertmanager marks an alert suppressed when its group first passes the inhibition stage, after
    // group_wait, not when it is posted: wait (bounded) until the three inhibited ones are marked.
    auto state = states(port);
    const auto suppressed = [&] {
        return std::count_if(state.begin(), state.end(), [](const auto& s) { return s.second == "suppressed"; });
    };
    for (int i = 0; i < 100 && suppressed() < 3; ++i) {
        std::this_thread::sleep_for(200ms);
        state = states(port);
    }
    CHECK(state.at("tls critical") == "active");
    CHECK(state.at("tls warning") == "suppressed");
    CHECK(state.at("minio unreachable") == "active");
    CHECK(state.at("minio target down") == "suppressed");
    CHECK(state.at("web target down") == "active");
    CHECK(state.at("agent down") == "active");
    CHECK(state.at("probe target down") == "suppressed");

    // One notification per active group (alertname, job, instance); none for the inhibited alerts.
    REQUIRE(slack.wait_for(4, 20s));
    std::this_thread::sleep_for(2s);  // a late fifth notification would show here
    std::string all;
    for (const auto& body : slack.bodies()) all += body + "\n";
    CHECK(slack.bodies().size() == 4);
    for (const char* expected : {"tls critical", "minio unreachable", "web target down", "agent down"}) {
        CHECK_THAT(all, Catch::Contains(expected));
    }
    for (const char* inhibited : {"tls warning", "minio target down", "probe target down"}) {
        CHECK_THAT(all, !Catch::Contains(inhibited));
    }
    CHECK_THAT(all, Catch::Contains("#alerts"));
}
