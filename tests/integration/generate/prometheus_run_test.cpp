// prometheus.yml and its file_sd files checked by promtool for several discovered stacks, then
// used by a real Prometheus server (Debian's prometheus, loopback only): busybox containers on a
// network this test creates are discovered by the real agent, which keeps DIR current; every
// expected target, the probe through the agent's /probe included, is `up` in Prometheus' API.
// `autoscrape generate` is run as a command too: exit codes, an unwritable dir, files left intact.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <thread>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "agent/generate/generator.hpp"
#include "config/loader.hpp"
#include "tests/integration/generate/tools.hpp"
#include "tests/integration/support/docker_fixture.hpp"

using namespace autoscrape;
using namespace autoscrape::testing;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

discovery::TargetGroup container(const std::string& id, const std::string& ip, std::map<std::string, std::string> meta,
                                 std::vector<int> ports) {
    discovery::TargetGroup group{id, {}};
    for (const int port : ports) {
        discovery::Target t{meta};
        t.labels["__address__"] = ip + ":" + std::to_string(port);
        t.labels["__meta_docker_container_id"] = id;
        t.labels["__meta_docker_container_name"] = "/" + id;
        t.labels["__meta_docker_network_ip"] = ip;
        t.labels["__meta_docker_port_private"] = std::to_string(port);
        group.targets.push_back(t);
    }
    return group;
}

std::string label_key(const std::string& name) { return "__meta_docker_container_label_" + name; }

// Polls `done` every 250 ms for at most `timeout`.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout) {
    for (const auto end = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < end;) {
        if (done()) return true;
        std::this_thread::sleep_for(250ms);
    }
    return done();
}

std::string slurp_or_empty(const std::string& path) {
    return std::filesystem::exists(path) ? read_file(path) : std::string();
}

std::string container_ip(DockerFixture& docker, const std::string& id, const std::string& network) {
    return docker.docker({"inspect", "-f", "{{(index .NetworkSettings.Networks \"" + network + "\").IPAddress}}", id});
}

// busybox httpd on `port` serving `file` with `content` from /www.
void serve(DockerFixture& docker, const std::string& id, int port, const std::string& file, const std::string& content) {
    docker.docker({"exec", id, "sh", "-c", "mkdir -p /www && printf '" + content + "' > /www/" + file});
    docker.docker({"exec", "-d", id, "httpd", "-f", "-p", std::to_string(port), "-h", "/www"});
}

// Prometheus' active targets as "scrapePool instance" -> health.
std::map<std::string, std::string> prometheus_targets(unsigned short port) {
    std::map<std::string, std::string> out;
    const auto reply = http_request("GET", "127.0.0.1", port, "/api/v1/targets?state=active");
    if (reply.status != 200) return out;
    const json::value doc = json::parse(reply.body);
    for (const auto& t : doc.at("data").at("activeTargets").as_array()) {
        const auto& labels = t.at("labels").as_object();
        out[std::string(t.at("scrapePool").as_string()) + " " + std::string(labels.at("instance").as_string())] =
            std::string(t.at("health").as_string());
    }
    return out;
}

}  // namespace

TEST_CASE("promtool check config accepts prometheus.yml and its file_sd files for several stacks") {
    const std::vector<std::pair<std::string, std::vector<discovery::TargetGroup>>> stacks{
        {"", {}},
        {"global: {scrape_interval: 5s, scrape_timeout: 3s, external_labels: {site: \"a: 'b'\"}, sample_limit: 100}\n"
         "metric_relabel_configs: [{source_labels: [__name__], regex: 'go_.*', action: drop},"
         " {source_labels: [instance], modulus: 4, target_label: shard, action: hashmod}]\n"
         "generate: {alertmanager: {url: 'https://am.example/prefix'}, agent_address: 'agent:9465'}",
         {container("web", "172.20.0.2", {{label_key("prometheus_io_scrape"), "true"}}, {8080, 9100}),
          container("api", "172.20.0.3",
                    {{label_key("prometheus_io_scrape"), "true"}, {label_key("prometheus_io_scheme"), "https"},
                     {label_key("prometheus_io_path"), "/stats"}, {label_key("autoscrape_job"), "weird job/\"x\""},
                     {label_key("autoscrape_interval"), "1s"}},
                    {443}),
          container("db", "fd00::7", {{"__meta_autoscrape_probes", "tcp_connect:5432,http_2xx:8080"},
                                      {"__meta_autoscrape_job", "postgresql"}},
                    {5432})}},
        {"probes: {enabled: false}\nrelabel_configs: [{target_label: __param_format, replacement: text}]",
         {container("node", "172.20.0.4", {{label_key("autoscrape_enable"), "true"}, {label_key("autoscrape_job"), "autoscrape"}},
                    {9100})}},
    };
    for (const auto& [yaml, groups] : stacks) {
        INFO("config:\n" << yaml);
        TempDir dir;
        const generate::Generator generator(config::load_config_string(yaml, "stack.yml"));
        generate::write_output(dir.path, generator.render(groups));
        const auto result = run_tool("promtool", {"check", "config", dir.file("prometheus.yml")});
        INFO(describe(result));
        CHECK(result.exit_code == 0);
    }
}

TEST_CASE("autoscrape generate writes the set, and an unwritable dir is exit 1 with the path and the error") {
    if (!docker_available()) FAIL("dockerd is not reachable");
    ensure_busybox_image();
    DockerFixture docker;
    const auto net = docker.create_network("gencmd");
    const auto web = docker.run_container(docker.unique("web"), {"--network", net, "--label", "prometheus.io/scrape=true",
                                                                 "--label", "prometheus.io/port=8080"});
    const auto ip = container_ip(docker, web, net);
    TempDir dir;
    write_file(dir.file("autoscrape.yml"), fmt::format("docker: {{networks: [{}]}}\n", net));
    const auto run = [&](const std::string& out) {
        return run_process({autoscrape_binary(), "generate", "--config.file=" + dir.file("autoscrape.yml"),
                            "--output-dir=" + out},
                           60s);
    };
    const auto ok = run(dir.file("out"));
    INFO(describe(ok));
    REQUIRE(ok.exit_code == 0);
    const std::string prometheus_yml = read_file(dir.file("out/prometheus.yml"));
    CHECK(run_tool("promtool", {"check", "config", dir.file("out/prometheus.yml")}).exit_code == 0);
    bool listed = false;
    for (const auto& entry : std::filesystem::directory_iterator(dir.file("out/file_sd"))) {
        listed = listed || read_file(entry.path().string()).find(ip + ":8080") != std::string::npos;
    }
    CHECK(listed);

    // A second run with the same containers changes nothing.
    const auto again = run(dir.file("out"));
    CHECK(again.exit_code == 0);
    CHECK_THAT(again.out, Catch::Contains("0 file(s) written"));

    // A regular file where the output dir's file_sd/ must be: nothing is replaced.
    std::filesystem::remove_all(dir.file("out/file_sd"));
    write_file(dir.file("out/file_sd"), "in the way\n");
    std::filesystem::remove(dir.file("out/rules/alert_rules.yml"));
    const auto blocked = run(dir.file("out"));
    CHECK(blocked.exit_code == 1);
    CHECK_THAT(blocked.err, Catch::Contains(dir.file("out/file_sd")) &&
                                     (Catch::Contains("File exists") || Catch::Contains("Not a directory")));
    CHECK(read_file(dir.file("out/prometheus.yml")) == prometheus_yml);
    CHECK_FALSE(std::filesystem::exists(dir.file("out/rules/alert_rules.yml")));
}

TEST_CASE("A real Prometheus on the generated files scrapes every discovered target and probe as up") {
    if (!docker_available()) FAIL("dockerd is not reachable");
    const std::string prometheus_bin = "/usr/bin/prometheus";
    if (!std::filesystem::exists(prometheus_bin)) FAIL("install Debian's prometheus package");
    ensure_busybox_image();
    DockerFixture docker;
    const auto net = docker.create_network("genprom");
    const auto site_name = docker.unique("site");
    const auto site = docker.run_container(site_name, {"--network", net, "--label", "autoscrape.probe=http_2xx:80"});
    serve(docker, site, 80, "index.html", "ok\\n");
    const auto site_ip = container_ip(docker, site, net);

    TempDir dir;
    const auto agent_port = free_loopback_port();
    const auto prometheus_port = free_loopback_port();
    const auto alertmanager_port = free_loopback_port();  // nothing listens: alerts stay on loopback
    write_file(dir.file("autoscrape.yml"),
               fmt::format("global: {{scrape_interval: 2s, scrape_timeout: 1s}}\n"
                           "docker: {{networks: [{}]}}\n"
                           "probes: {{interval: 2s}}\n"
                           "web: {{listen_address: '127.0.0.1:{}'}}\n"
                           "wal: {{dir: '{}'}}\n"
                           "generate:\n"
                           "  output_dir: '{}'\n"
                           "  prometheus: {{url: 'http://127.0.0.1:{}', reload: true}}\n"
                           "  alertmanager: {{url: 'http://127.0.0.1:{}'}}\n",
                           net, agent_port, dir.file("wal"), dir.file("out"), prometheus_port, alertmanager_port));
    ChildProcess agent({autoscrape_binary(), "run", "--config.file=" + dir.file("autoscrape.yml")});
    REQUIRE(wait_for_status("127.0.0.1", agent_port, "/-/ready", 200, 30s));
    const bool probes_written = eventually(
        [&] { return slurp_or_empty(dir.file("out/file_sd/probes.json")).find(site_ip + ":80") != std::string::npos; },
        30s);
    INFO("agent log:\n" << agent.err());
    REQUIRE(probes_written);

    ChildProcess prometheus({prometheus_bin, "--config.file=" + dir.file("out/prometheus.yml"),
                             "--storage.tsdb.path=" + dir.file("tsdb"), "--web.enable-lifecycle",
                             fmt::format("--web.listen-address=127.0.0.1:{}", prometheus_port)});
    REQUIRE(wait_for_status("127.0.0.1", prometheus_port, "/-/ready", 200, 30s));

    // A container started now brings a new job: the agent writes its file and prometheus.yml, then
    // asks Prometheus to reload (generate.prometheus.reload).
    const auto web_name = docker.unique("web");
    const auto web = docker.run_container(web_name, {"--network", net, "--label", "prometheus.io/scrape=true",
                                                     "--label", "prometheus.io/port=8080"});
    serve(docker, web, 8080, "metrics", "# TYPE demo_value gauge\\ndemo_value 42\\n");
    const auto web_ip = container_ip(docker, web, net);
    const auto web_file = dir.file("out/file_sd/" + web_name + ".json");
    const bool web_written =
        eventually([&] { return slurp_or_empty(web_file).find(web_ip + ":8080") != std::string::npos; }, 30s);
    INFO("agent log:\n" << agent.err());
    REQUIRE(web_written);
    const auto check = run_tool("promtool", {"check", "config", dir.file("out/prometheus.yml")});
    INFO(describe(check));
    REQUIRE(check.exit_code == 0);

    const std::map<std::string, std::string> expected{
        {"autoscrape 127.0.0.1:" + std::to_string(agent_port), "up"},
        {web_name + " " + web_ip + ":8080", "up"},
        {"autoscrape_probe " + site_ip + ":80", "up"},
    };
    std::map<std::string, std::string> seen;
    const bool all_up = eventually([&] { return (seen = prometheus_targets(prometheus_port)) == expected; }, 60s);
    std::string listing;
    for (const auto& [target, health] : seen) listing += target + " " + health + "\n";
    INFO("Prometheus targets:\n" << listing << "agent log:\n" << agent.err() << "prometheus log:\n" << prometheus.err());
    CHECK(all_up);
    CHECK(seen == expected);

    // The probe result reached Prometheus through the agent's /probe, with the contract's labels.
    const auto reply = http_request("GET", "127.0.0.1", prometheus_port,
                                    "/api/v1/query?query=probe_success%7Bmodule%3D%22http_2xx%22%7D");
    REQUIRE(reply.status == 200);
    const json::value doc = json::parse(reply.body);
    const auto& result = doc.at("data").at("result").as_array();
    REQUIRE(result.size() == 1);
    const auto& metric = result.at(0).at("metric").as_object();
    const auto text = [](const json::value& v) { return std::string(v.as_string()); };
    CHECK(text(metric.at("job")) == site_name);
    CHECK(text(metric.at("instance")) == site_ip + ":80");
    CHECK(text(metric.at("container")) == site_name);
    CHECK(text(result.at(0).at("value").at(1)) == "1");

    // A removed container leaves the target file within the debounce; its job file goes with it.
    docker.docker({"rm", "-f", web});
    CHECK(eventually([&] { return !std::filesystem::exists(web_file); }, 30s));

    prometheus.signal(SIGTERM);
    prometheus.wait_for(20s);
    agent.signal(SIGTERM);
    CHECK(agent.wait_for(20s));
}
