// Exporter pairing: the host in connection strings (never the credentials), resolving it to a
// container, and the exported_* meta labels.
#include "config/builtin.hpp"
#include "discovery/exporter_pairing.hpp"
#include "discovery/target_group.hpp"

#include <catch2/catch.hpp>

using namespace autoscrape::discovery;

namespace {

constexpr std::string_view kPassword = "s3cr@t/pw";

ServiceProfiles builtins() {
    std::set<std::string, std::less<>> modules;
    for (const auto& [name, module] : autoscrape::config::builtin_probe_modules()) modules.insert(name);
    return ServiceProfiles(autoscrape::config::builtin_profiles(), std::move(modules));
}

Container on_net(std::string id, std::string name, std::string image, std::string ip, LabelMap labels = {}) {
    Container c;
    c.id = std::move(id);
    c.names = {"/" + std::move(name)};
    c.image = std::move(image);
    c.labels = std::move(labels);
    c.networks["shared-network"] = Endpoint{"net1", std::move(ip)};
    return c;
}

autoscrape::config::DockerConfig watching() {
    autoscrape::config::DockerConfig d;
    d.networks = {"shared-network"};
    return d;
}

EngineState stack() {
    EngineState s;
    for (auto c : {on_net("aaaaaaaaaaaa1111", "pg-main", "postgres:16", "172.20.0.2",
                          {{"com.docker.compose.service", "db"}, {"com.docker.compose.project", "stack"}}),
                   on_net("bbbbbbbbbbbb2222", "pg-exp", "prometheuscommunity/postgres-exporter", "172.20.0.3",
                          {{"com.docker.compose.project", "stack"}}),
                   on_net("cccccccccccc3333", "tool", "busybox", "172.20.0.4")}) {
        s.containers.emplace(c.id, c);
    }
    return s;
}

std::map<std::string, std::string> pairing(const EngineState& s, const std::string& id, const std::string& host) {
    const auto profiles = builtins();
    const Container& c = s.containers.at(id);
    return exporter_labels(c, profiles.match(c), host, ExportedIndex(s, watching()), profiles);
}

}  // namespace

TEST_CASE("The host of a URL connection string, without its credentials") {
    CHECK(connection_host("postgresql://postgres:s3cr%40t@pg-main:5432/app?sslmode=disable") == "pg-main");
    CHECK(connection_host("postgres://user:p@ss@db/app") == "db");  // unencoded '@' in the password
    CHECK(connection_host("postgresql://db.internal") == "db.internal");
    CHECK(connection_host("postgresql://u:p@[fd00::12]:5432/app") == "fd00::12");
    CHECK(connection_host("postgresql://u:p@h1:5432,h2:5433/app") == "h1");
    CHECK(connection_host("bolt://neo4j:7687") == "neo4j");
    CHECK(connection_host("neo4j+s://graph.example.com") == "graph.example.com");
    CHECK(connection_host("redis://:password@cache:6379/0") == "cache");
    CHECK(connection_host("postgresql:///app?host=/var/run/postgresql") == "");
    CHECK(connection_host("postgresql://%2Fvar%2Frun%2Fpostgresql/app") == "");
}

TEST_CASE("The host of libpq key=value, DATA_SOURCE_URI, mysql and host:port forms") {
    CHECK(connection_host("host=pg-main port=5432 user=postgres password=secret dbname=app") == "pg-main");
    CHECK(connection_host("user=postgres password='with host=fake' host=real sslmode=disable") == "real");
    CHECK(connection_host("user=postgres password=secret") == "");  // libpq's default: the local socket
    CHECK(connection_host("pg-main:5432/postgres?sslmode=disable") == "pg-main");
    CHECK(connection_host("user:pass@tcp(mysql:3306)/") == "mysql");
    CHECK(connection_host("user:pass@(10.0.0.7:3306)/db") == "10.0.0.7");
    CHECK(connection_host("cache:6379") == "cache");
    CHECK(connection_host("[fd00::7]:6379") == "fd00::7");
    CHECK(connection_host("") == "");
}

TEST_CASE("No credential ever comes back as the host") {
    const std::string pw(kPassword);
    for (const std::string dsn : {"postgresql://admin:" + pw + "@db:5432/x", "postgresql://admin:" + pw + "@/x",
                                  "host=db user=admin password=" + pw,
                                  "user=admin password=" + pw, "admin:" + pw + "@tcp(db:3306)/",
                                  "admin:" + pw, "password=" + pw + " host=db"}) {
        INFO(dsn);
        const auto host = connection_host(dsn);
        CHECK(host.find("s3cr") == std::string::npos);
        CHECK(host.find("pw") == std::string::npos);
        CHECK(host.find("admin") == std::string::npos);
        CHECK((host.empty() || host == "db"));
    }
}

TEST_CASE("The exporter's host comes from the first variable that names one") {
    CHECK(exporter_target_host({"PATH=/bin", "DATA_SOURCE_NAME=postgresql://u:p@pg-main:5432/db"}) == "pg-main");
    CHECK(exporter_target_host({"DATA_SOURCE_USER=u", "DATA_SOURCE_URI=pg-main:5432/postgres"}) == "pg-main");
    CHECK(exporter_target_host({"NEO4J_URI=bolt://graph:7687", "NEO4J_PASSWORD=x"}) == "graph");
    CHECK(exporter_target_host({"REDIS_ADDR=redis://cache:6379"}) == "cache");
    CHECK(exporter_target_host({"DATA_SOURCE_NAME_FILE=/run/secrets/dsn"}) == "");
    CHECK(exporter_target_host({"DATA_SOURCE_NAME=", "DATA_SOURCE_URI=db:5432/x"}) == "db");
    CHECK(exporter_target_host({}) == "");
}

TEST_CASE("Only exporter profiles without an exporter-for label need inspecting") {
    const auto profiles = builtins();
    const auto s = stack();
    const auto& exporter = s.containers.at("bbbbbbbbbbbb2222");
    CHECK(needs_exporter_inspect(exporter, profiles.match(exporter)));
    CHECK_FALSE(needs_exporter_inspect(s.containers.at("aaaaaaaaaaaa1111"), profiles.match(s.containers.at("aaaaaaaaaaaa1111"))));
    auto labelled = exporter;
    labelled.labels["autoscrape.exporter-for"] = "pg-main";
    CHECK_FALSE(needs_exporter_inspect(labelled, profiles.match(labelled)));
}

TEST_CASE("The exporter's host resolves by container name, compose service, IP or id") {
    const auto s = stack();
    const auto& exporter = s.containers.at("bbbbbbbbbbbb2222");
    const ExportedIndex index(s, watching());
    for (const std::string host : {"pg-main", "db", "172.20.0.2", "aaaaaaaaaaaa"}) {
        INFO(host);
        const auto* found = index.resolve(host, exporter);
        REQUIRE(found != nullptr);
        CHECK(found->id == "aaaaaaaaaaaa1111");
    }
    CHECK(index.resolve("aaaa", exporter) == nullptr);  // too short for an id
    CHECK(index.resolve("elsewhere", exporter) == nullptr);
    CHECK(index.resolve("pg-exp", exporter) == nullptr);  // never the exporter itself
    auto unwatched = s;
    unwatched.containers.at("aaaaaaaaaaaa1111").networks = {{"other", Endpoint{"net2", "10.1.0.2"}}};
    CHECK(ExportedIndex(unwatched, watching()).resolve("pg-main", exporter) == nullptr);
}

TEST_CASE("A paired exporter names the exported container and its profile's job") {
    const auto labels = pairing(stack(), "bbbbbbbbbbbb2222", "db");
    CHECK(labels == std::map<std::string, std::string>{{"__meta_autoscrape_exported_container", "pg-main"},
                                                       {"__meta_autoscrape_exported_service", "postgresql"}});
}

TEST_CASE("An unresolved host is kept as written, the service from the exporter profile") {
    const auto labels = pairing(stack(), "bbbbbbbbbbbb2222", "db.example.com");
    CHECK(labels.at("__meta_autoscrape_exported_container") == "db.example.com");
    CHECK(labels.at("__meta_autoscrape_exported_service") == "postgresql");
}

TEST_CASE("An exporter without a known host stays unpaired") {
    CHECK(pairing(stack(), "bbbbbbbbbbbb2222", "").empty());
    CHECK(pairing(stack(), "cccccccccccc3333", "pg-main").empty());  // not an exporter
}

TEST_CASE("autoscrape.exporter-for pairs any container, without inspecting it") {
    auto s = stack();
    s.containers.at("cccccccccccc3333").labels["autoscrape.exporter-for"] = "pg-main";
    CHECK(pairing(s, "cccccccccccc3333", "") ==
          std::map<std::string, std::string>{{"__meta_autoscrape_exported_container", "pg-main"},
                                             {"__meta_autoscrape_exported_service", "postgresql"}});
    s.containers.at("cccccccccccc3333").labels["autoscrape.exporter-for"] = "tool";
    s.containers.emplace("dddddddddddd4444", on_net("dddddddddddd4444", "other", "busybox", "172.20.0.5",
                                                    {{"autoscrape.exporter-for", "gone"}}));
    CHECK(pairing(s, "dddddddddddd4444", "").at("__meta_autoscrape_exported_service") == "gone");
}

TEST_CASE("An exported container without a profile is its own service") {
    auto s = stack();
    s.containers.emplace("eeeeeeeeeeee5555", on_net("eeeeeeeeeeee5555", "side", "busybox", "172.20.0.6",
                                                    {{"autoscrape.exporter-for", "tool"}}));
    CHECK(pairing(s, "eeeeeeeeeeee5555", "") ==
          std::map<std::string, std::string>{{"__meta_autoscrape_exported_container", "tool"},
                                             {"__meta_autoscrape_exported_service", "tool"}});
}

TEST_CASE("A compose service resolves to the exporter's own project first") {
    auto s = stack();
    s.containers.emplace("ffffffffffff6666", on_net("ffffffffffff6666", "other-db", "postgres", "172.20.0.7",
                                                    {{"com.docker.compose.service", "db"},
                                                     {"com.docker.compose.project", "zzz-other"}}));
    const auto* found = ExportedIndex(s, watching()).resolve("db", s.containers.at("bbbbbbbbbbbb2222"));
    REQUIRE(found != nullptr);
    CHECK(found->id == "aaaaaaaaaaaa1111");
}

TEST_CASE("Target groups of exporters carry the pairing labels from the inspected host") {
    auto s = stack();
    s.exporter_hosts["bbbbbbbbbbbb2222"] = "pg-main";
    const auto group = build_target_group(s.containers.at("bbbbbbbbbbbb2222"), s, watching(), builtins());
    REQUIRE(group.targets.size() == 1);
    CHECK(group.targets[0].labels.at("__meta_autoscrape_exported_container") == "pg-main");
    CHECK(group.targets[0].labels.at("__meta_autoscrape_exported_service") == "postgresql");
    CHECK(group.targets[0].labels.at("__meta_autoscrape_metrics_port") == "9187");
}
