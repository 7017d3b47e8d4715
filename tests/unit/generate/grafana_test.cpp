#include <set>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "agent/generate/grafana.hpp"
#include "agent/generate/grafana_dashboard.hpp"

using namespace autoscrape;

namespace {

std::map<std::string, std::string> files_by_path(const config::Config& c) {
    std::map<std::string, std::string> out;
    for (const auto& f : generate::grafana_provisioning(c)) out[f.relative_path] = f.content;
    return out;
}

std::vector<boost::json::object> dashboards(const config::Config& c) {
    std::vector<boost::json::object> out;
    for (const auto& [path, content] : files_by_path(c)) {
        if (path.starts_with("grafana/dashboards/")) out.push_back(boost::json::parse(content).as_object());
    }
    return out;
}

bool non_empty_string(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() && !v->as_string().empty();
}

void check_datasource(const boost::json::value& ds) {
    REQUIRE(ds.is_object());
    CHECK(ds.as_object().at("uid").as_string() == generate::kGrafanaDatasourceUid);
    CHECK(ds.as_object().at("type").as_string() == "prometheus");
}

void check_panel(const boost::json::object& panel) {
    INFO(boost::json::serialize(panel));
    CHECK(panel.at("id").is_int64());
    CHECK(non_empty_string(panel, "type"));
    CHECK(non_empty_string(panel, "title"));
    CHECK(non_empty_string(panel, "description"));
    const auto& grid = panel.at("gridPos").as_object();
    for (const char* k : {"h", "w", "x", "y"}) CHECK(grid.at(k).is_int64());
    CHECK(grid.at("x").as_int64() + grid.at("w").as_int64() <= 24);
    check_datasource(panel.at("datasource"));
    const auto& targets = panel.at("targets").as_array();
    REQUIRE_FALSE(targets.empty());
    std::set<std::string> refs;
    for (const auto& t : targets) {
        CHECK(non_empty_string(t.as_object(), "expr"));
        CHECK(refs.insert(std::string(t.as_object().at("refId").as_string())).second);
        check_datasource(t.as_object().at("datasource"));
    }
}

}  // namespace

TEST_CASE("the provisioning set has the datasource, the provider and a dashboard per service") {
    const auto files = files_by_path(config::Config{});
    std::set<std::string> paths;
    for (const auto& [path, content] : files) paths.insert(path);
    CHECK(paths == std::set<std::string>{
                       "grafana/provisioning/datasources/autoscrape.yml",
                       "grafana/provisioning/dashboards/autoscrape.yml",
                       "grafana/dashboards/autoscrape-overview.json",
                       "grafana/dashboards/autoscrape-postgresql.json",
                       "grafana/dashboards/autoscrape-minio.json",
                       "grafana/dashboards/autoscrape-neo4j.json",
                       "grafana/dashboards/autoscrape-mlflow.json",
                       "grafana/dashboards/autoscrape-label-studio.json",
                       "grafana/dashboards/autoscrape-grafana.json",
                       "grafana/dashboards/autoscrape-prometheus.json",
                   });
}

TEST_CASE("the datasource points at generate.prometheus_url under the uid the dashboards use") {
    config::Config c;
    c.generate.prometheus_url = "http://prom.internal:9090";
    c.global.scrape_interval = std::chrono::seconds(30);
    const YAML::Node doc = YAML::Load(files_by_path(c).at("grafana/provisioning/datasources/autoscrape.yml"));
    CHECK(doc["apiVersion"].as<int>() == 1);
    const auto ds = doc["datasources"][0];
    CHECK(ds["uid"].as<std::string>() == generate::kGrafanaDatasourceUid);
    CHECK(ds["type"].as<std::string>() == "prometheus");
    CHECK(ds["url"].as<std::string>() == "http://prom.internal:9090");
    CHECK(ds["jsonData"]["timeInterval"].as<std::string>() == "30s");
}

TEST_CASE("the dashboards provider reads files from generate.grafana.dashboards_path") {
    config::Config c;
    CHECK(c.generate.grafana_dashboards_path == "/var/lib/grafana/dashboards/autoscrape");
    c.generate.grafana_dashboards_path = "/etc/grafana/dashboards/ours";
    const YAML::Node doc = YAML::Load(files_by_path(c).at("grafana/provisioning/dashboards/autoscrape.yml"));
    const auto p = doc["providers"][0];
    CHECK(p["type"].as<std::string>() == "file");
    CHECK(p["options"]["path"].as<std::string>() == "/etc/grafana/dashboards/ours");
}

TEST_CASE("every dashboard has Grafana's required fields, a description and unique panel ids") {
    std::set<std::string> uids;
    for (const auto& d : dashboards(config::Config{})) {
        INFO(d.at("uid").as_string().c_str());
        CHECK(non_empty_string(d, "title"));
        CHECK(non_empty_string(d, "description"));
        CHECK(uids.insert(std::string(d.at("uid").as_string())).second);
        CHECK(d.at("uid").as_string().size() <= 40);  // Grafana's limit
        CHECK(d.at("schemaVersion").as_int64() >= 36);
        const auto& panels = d.at("panels").as_array();
        REQUIRE(panels.size() >= 4);
        std::set<std::int64_t> ids;
        for (const auto& p : panels) {
            check_panel(p.as_object());
            CHECK(ids.insert(p.as_object().at("id").as_int64()).second);
        }
    }
    CHECK(uids.size() == 8);
}

TEST_CASE("panels do not overlap on the grid") {
    for (const auto& d : dashboards(config::Config{})) {
        std::set<std::pair<std::int64_t, std::int64_t>> cells;
        for (const auto& p : d.at("panels").as_array()) {
            const auto& g = p.as_object().at("gridPos").as_object();
            for (auto y = g.at("y").as_int64(); y < g.at("y").as_int64() + g.at("h").as_int64(); ++y) {
                for (auto x = g.at("x").as_int64(); x < g.at("x").as_int64() + g.at("w").as_int64(); ++x) {
                    INFO(d.at("uid").as_string().c_str() << " cell " << x << "," << y);
                    CHECK(cells.insert({x, y}).second);
                }
            }
        }
    }
}

TEST_CASE("service dashboards select the profile's job, renamed or not") {
    config::Config c;
    config::Profile minio;
    minio.name = "minio";
    minio.job = "objects";
    c.profiles.push_back(minio);
    const std::string text = files_by_path(c).at("grafana/dashboards/autoscrape-minio.json");
    CHECK_THAT(text, Catch::Contains(R"(probe_success{job=\"objects\"})"));
    CHECK_THAT(text, !Catch::Contains(R"({job=\"minio\"})"));
}
