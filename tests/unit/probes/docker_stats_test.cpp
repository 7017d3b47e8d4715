#include "probes/docker_stats.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace autoscrape::probes;

namespace {
std::string captured(const std::string& name) {
    std::ifstream in(std::string(AUTOSCRAPE_DOCKER_DATA) + "/" + name);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

TEST_CASE("A captured Docker stats answer gives the cgroup numbers with cAdvisor's semantics") {
    CgroupSample sample;
    std::vector<InterfaceStats> interfaces;
    REQUIRE(parse_docker_stats(captured("stats_busybox.json"), sample, interfaces).ok());
    CHECK(sample.cpu_seconds == Approx(0.045862139));
    CHECK(sample.memory_usage == 8978432);
    CHECK(sample.working_set == 8978432);  // total_inactive_file is 0: the tmpfs pages are anon
    CHECK(sample.memory_limit == 0);       // hierarchical_memory_limit is v1's "unlimited"
    CHECK(sample.io.empty());
    REQUIRE(interfaces.size() == 1);
    CHECK(interfaces[0] == InterfaceStats{"eth0", 736, 8, 0, 0, 0, 0});
}

TEST_CASE("A v2-shaped Docker stats answer uses inactive_file, limit and lower-case io ops") {
    const char* json = R"({"cpu_stats":{"cpu_usage":{"total_usage":2000000000}},
        "memory_stats":{"usage":1000,"limit":4096,"stats":{"inactive_file":300}},
        "blkio_stats":{"io_service_bytes_recursive":[{"major":8,"minor":0,"op":"read","value":10},
                                                     {"major":8,"minor":0,"op":"write","value":20}]},
        "networks":{"eth0":{"rx_bytes":1},"lo":{"rx_bytes":9}}})";
    CgroupSample sample;
    std::vector<InterfaceStats> interfaces;
    REQUIRE(parse_docker_stats(json, sample, interfaces).ok());
    CHECK(sample.cpu_seconds == 2.0);
    CHECK(sample.working_set == 700);
    CHECK(sample.memory_limit == 4096);
    CHECK(sample.io == std::vector<DeviceIo>{{8, 0, 10, 20}});
    REQUIRE(interfaces.size() == 1);
    CHECK(interfaces[0].name == "eth0");
}

TEST_CASE("A Docker stats answer of the wrong shape is an error") {
    CgroupSample sample;
    std::vector<InterfaceStats> interfaces;
    CHECK_FALSE(parse_docker_stats("[]", sample, interfaces).ok());
    CHECK_FALSE(parse_docker_stats("{}", sample, interfaces).ok());
    CHECK_FALSE(parse_docker_stats(R"({"cpu_stats":{"cpu_usage":{"total_usage":-1}},"memory_stats":{}})", sample,
                                   interfaces).ok());
    CHECK_FALSE(parse_docker_stats("{", sample, interfaces).ok());
}
