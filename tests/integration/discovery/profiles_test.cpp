// Service profiles and exporter pairing against the real engine: the test busybox image tagged
// under upstream image names (a unique tag per run, removed at the end), containers on a test
// network, checked through `autoscrape discover` and through a running DockerDiscovery.
#include "discovery_harness.hpp"

#include "config/loader.hpp"
#include "tests/integration/support/docker_fixture.hpp"
#include "tests/integration/support/process.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <algorithm>

#include <unistd.h>

using namespace autoscrape;
using namespace std::chrono_literals;
using testing::DiscoveryHarness;
using testing::DockerFixture;

namespace {

constexpr const char* kPassword = "Pw-only-in-env-7731";

// Tags the test image under upstream names (tag unique to this run) and runs containers of them;
// removes both, and only both, when it goes.
class TaggedImages {
public:
    explicit TaggedImages(DockerFixture& docker) : docker_(docker), tag_("astest-" + std::to_string(::getpid())) {}
    ~TaggedImages() {
        for (const auto& id : containers_) testing::run_process({"/usr/bin/docker", "rm", "-f", id}, 60s);
        for (const auto& image : images_) testing::run_process({"/usr/bin/docker", "rmi", image}, 60s);
    }
    TaggedImages(const TaggedImages&) = delete;
    TaggedImages& operator=(const TaggedImages&) = delete;

    std::string run(const std::string& repository, const std::string& name, std::vector<std::string> options) {
        const std::string image = repository + ":" + tag_;
        if (std::find(images_.begin(), images_.end(), image) == images_.end()) {
            docker_.docker({"tag", testing::kBusyboxImage, image});
            images_.push_back(image);
        }
        std::vector<std::string> args{"run", "-d", "--name", name, "--label", "autoscrape.test=1"};
        args.insert(args.end(), options.begin(), options.end());
        args.insert(args.end(), {image, "sleep", "600"});
        containers_.push_back(docker_.docker(args));
        return containers_.back();
    }

private:
    DockerFixture& docker_;
    std::string tag_;
    std::vector<std::string> images_;
    std::vector<std::string> containers_;
};

std::string ip_of(DockerFixture& docker, const std::string& id, const std::string& net) {
    return docker.docker({"inspect", "-f", "{{(index .NetworkSettings.Networks \"" + net + "\").IPAddress}}", id});
}

// The `summary` of each container in `discover --output=json`, by container name.
std::map<std::string, boost::json::object> summaries(const std::string& json) {
    std::map<std::string, boost::json::object> out;
    const auto parsed = boost::json::parse(json);
    for (const auto& group : parsed.as_array()) {
        const auto& summary = group.as_object().at("summary").as_object();
        out[std::string(summary.at("container").as_string())] = summary;
    }
    return out;
}

std::string field(const boost::json::object& o, const char* key) { return std::string(o.at(key).as_string()); }

// Loaded, so the built-in profiles and probe modules are in it.
config::Config watching(const std::string& net) {
    return config::load_config_string("docker: {networks: [" + net + "]}\n", "test.yaml");
}

}  // namespace

TEST_CASE("discover shows profiles, scrape URLs, probes and the paired exporter of upstream-named images") {
    REQUIRE(testing::docker_available());
    DockerFixture docker;
    const auto net = docker.create_network("profiles");
    TaggedImages images(docker);
    const auto pg_name = docker.unique("pg");
    images.run("postgres", pg_name, {"--network", net, "--expose", "5432"});
    const auto exporter_name = docker.unique("pgexp");
    const auto exporter = images.run(
        "quay.io/prometheuscommunity/postgres-exporter", exporter_name,
        {"--network", net, "--expose", "9187", "-e",
         "DATA_SOURCE_NAME=postgresql://postgres:" + std::string(kPassword) + "@" + pg_name + ":5432/postgres?sslmode=disable"});
    const auto minio_name = docker.unique("minio");
    const auto minio = images.run("registry.astest.invalid:5000/minio/minio", minio_name,
                                  {"--network", net, "--expose", "9000", "--expose", "9001"});
    const auto studio_name = docker.unique("studio");
    images.run("heartexlabs/label-studio", studio_name,
               {"--network", net, "--expose", "8080", "--label", "autoscrape.probe=tcp_connect,http_health:8081,nope"});

    const auto dir = testing::make_temp_dir();
    testing::write_file(dir + "/config.yaml", "docker: {networks: [" + net + "]}\nlog: {level: warn}\n");
    const auto r = testing::run_process(
        {testing::autoscrape_binary(), "discover", "--config.file=" + dir + "/config.yaml", "--output=json"}, 30s);
    const auto table = testing::run_process(
        {testing::autoscrape_binary(), "discover", "--config.file=" + dir + "/config.yaml"}, 30s);
    testing::remove_tree(dir);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find(kPassword) == std::string::npos);
    CHECK(r.err.find(kPassword) == std::string::npos);
    const auto s = summaries(r.out);
    REQUIRE(s.size() == 4);

    const auto& p = s.at(pg_name);
    CHECK(field(p, "profile") == "postgresql");
    CHECK(field(p, "scrape_url").empty());  // a database port is no metrics endpoint
    CHECK(field(p, "probes") == "postgres:5432");

    const auto& e = s.at(exporter_name);
    CHECK(field(e, "profile") == "postgres_exporter");
    CHECK(field(e, "job") == "postgres_exporter");
    CHECK(field(e, "scrape_url") == "http://" + ip_of(docker, exporter, net) + ":9187/metrics");
    CHECK(field(e, "exported_container") == pg_name);
    CHECK(field(e, "service") == "postgresql");

    const auto& m = s.at(minio_name);
    CHECK(field(m, "profile") == "minio");
    CHECK(field(m, "scrape_url") == "http://" + ip_of(docker, minio, net) + ":9000/minio/v2/metrics/cluster");
    CHECK(field(m, "probes") == "minio_live:9000");

    const auto& l = s.at(studio_name);
    CHECK(field(l, "profile") == "label-studio");
    CHECK(field(l, "scrape_url").empty());
    CHECK(field(l, "probes") == "tcp_connect:8080,http_health:8081");
    CHECK(table.exit_code == 0);
    CHECK(table.out.find("PROFILE") != std::string::npos);
    CHECK(table.out.find(exporter_name) != std::string::npos);
    CHECK(table.out.find(pg_name + " (postgresql)") != std::string::npos);
    CHECK(table.out.find(kPassword) == std::string::npos);
}

TEST_CASE("A running discovery pairs an exporter that starts after it, by inspecting it once") {
    REQUIRE(testing::docker_available());
    DockerFixture docker;
    const auto net = docker.create_network("pairing");
    TaggedImages images(docker);
    const auto config = watching(net);
    DiscoveryHarness h(config.docker, discovery::ServiceProfiles(config));
    REQUIRE(h.wait_ready(10s));
    const auto db_name = docker.unique("db");
    images.run("postgres", db_name, {"--network", net, "--expose", "5432"});
    // By IP this time, as postgres_exporter's DATA_SOURCE_URI form.
    const auto uri = ip_of(docker, db_name, net) + ":5432/postgres?sslmode=disable";
    const auto exporter = images.run("prometheuscommunity/postgres-exporter", docker.unique("exp"),
                                     {"--network", net, "--expose", "9187", "-e", "DATA_SOURCE_URI=" + uri, "-e",
                                      std::string("DATA_SOURCE_PASS=") + kPassword});
    const auto paired = [&](const std::vector<discovery::TargetGroup>& gs) {
        const auto* g = testing::find_group(gs, exporter);
        return g != nullptr && g->targets.at(0).labels.contains("__meta_autoscrape_exported_container");
    };
    REQUIRE(h.wait_until(paired, 5s));
    const auto snapshot = h.discovery().snapshot();
    const auto* g = testing::find_group(snapshot, exporter);
    REQUIRE(g != nullptr);
    const auto& labels = g->targets.at(0).labels;
    CHECK(labels.at("__meta_autoscrape_profile") == "postgres_exporter");
    CHECK(labels.at("__meta_autoscrape_exported_container") == db_name);
    CHECK(labels.at("__meta_autoscrape_exported_service") == "postgresql");
    for (const auto& [k, v] : labels) CHECK(v.find(kPassword) == std::string::npos);
}
