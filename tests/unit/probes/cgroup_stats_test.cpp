#include "probes/cgroup_stats.hpp"
#include "cgroup_tree.hpp"

#include <catch2/catch.hpp>

using namespace autoscrape::probes;
using autoscrape::probes::testing::CgroupValues;
using autoscrape::probes::testing::FakeHost;

namespace {
const std::string kId = "c4c94846a07ee4470e5cc8aecdb9b73bf43cdbf9d61f7d1c502b774230f35098";
}

TEST_CASE("A container's cgroup is found and read in every layout, v1 and v2, cgroupfs and systemd") {
    const bool v2 = GENERATE(false, true);
    const bool systemd = GENERATE(false, true);
    CAPTURE(v2, systemd);
    FakeHost host;
    CgroupValues values;
    values.memory_limit = 256 << 20;
    host.write_cgroup(v2, systemd, kId, values);

    auto where = find_container_cgroup(host.cgroup_root(), host.proc_root(), kId, 0);
    REQUIRE(where.ok());
    CHECK(where.value().v2 == v2);
    CHECK(where.value().path == (systemd ? "/system.slice/docker-" + kId + ".scope" : "/docker/" + kId));

    CgroupSample sample;
    std::string buffer;
    REQUIRE(read_cgroup_sample(where.value(), sample, buffer).ok());
    CHECK(sample.cpu_seconds == Approx(2.5));
    CHECK(sample.memory_usage == 50u << 20);
    CHECK(sample.working_set == 40u << 20);
    CHECK(sample.memory_limit == 256u << 20);
    CHECK(sample.io == std::vector<DeviceIo>{{254, 0, 4096, 8192}});
}

TEST_CASE("An unlimited container reports a memory limit of 0, as cAdvisor does") {
    const bool v2 = GENERATE(false, true);
    FakeHost host;
    host.write_cgroup(v2, false, kId, CgroupValues{});
    auto where = find_container_cgroup(host.cgroup_root(), host.proc_root(), kId, 0);
    REQUIRE(where.ok());
    CgroupSample sample;
    std::string buffer;
    REQUIRE(read_cgroup_sample(where.value(), sample, buffer).ok());
    CHECK(sample.memory_limit == 0);
}

TEST_CASE("A working set never goes below zero when inactive file pages exceed usage") {
    FakeHost host;
    CgroupValues values;
    values.memory_usage = 100;
    values.inactive_file = 1000;
    host.write_cgroup(true, true, kId, values);
    auto where = find_container_cgroup(host.cgroup_root(), host.proc_root(), kId, 0);
    REQUIRE(where.ok());
    CgroupSample sample;
    std::string buffer;
    REQUIRE(read_cgroup_sample(where.value(), sample, buffer).ok());
    CHECK(sample.working_set == 0);
}

TEST_CASE("A cgroup under a custom parent is found through the container process's /proc/<pid>/cgroup") {
    FakeHost host;
    host.write_cgroup(false, false, kId, CgroupValues{});
    // Move docker/<id> to custom/<id> in every controller, as --cgroup-parent=custom does.
    for (const char* c : {"cpuacct", "memory", "blkio"}) {
        const auto base = std::filesystem::path(host.cgroup_root()) / c;
        std::filesystem::create_directories(base / "custom");
        std::filesystem::rename(base / "docker" / kId, base / "custom" / kId);
    }
    CHECK_FALSE(find_container_cgroup(host.cgroup_root(), host.proc_root(), kId, 0).ok());
    FakeHost::write(std::filesystem::path(host.proc_root()) / "4242" / "cgroup",
                    "12:pids:/custom/" + kId + "\n5:memory:/custom/" + kId + "\n4:cpu,cpuacct:/custom/" + kId +
                        "\n0::/system.slice/containerd.service\n");
    auto where = find_container_cgroup(host.cgroup_root(), host.proc_root(), kId, 4242);
    REQUIRE(where.ok());
    CHECK(where.value().path == "/custom/" + kId);
}

TEST_CASE("A missing cgroup is an error naming the container, and so is a vanished one on read") {
    FakeHost host;
    auto missing = find_container_cgroup(host.cgroup_root(), host.proc_root(), kId, 0);
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.error().message, Catch::Contains(kId.substr(0, 12)));

    host.write_cgroup(true, false, kId, CgroupValues{});
    auto where = find_container_cgroup(host.cgroup_root(), host.proc_root(), kId, 0);
    REQUIRE(where.ok());
    host.remove_cgroup(true, false, kId);
    CgroupSample sample;
    std::string buffer;
    CHECK_FALSE(read_cgroup_sample(where.value(), sample, buffer).ok());
}

TEST_CASE("net/dev parses every interface but lo with receive and transmit counters") {
    FakeHost host;
    host.write_net_dev(7, 123456, 654321);
    std::string text;
    REQUIRE(read_small_file(host.proc_root() + "/7/net/dev", text));
    std::vector<InterfaceStats> out;
    REQUIRE(parse_net_dev(text, out).ok());
    REQUIRE(out.size() == 1);
    CHECK(out[0] == InterfaceStats{"eth0", 123456, 10, 1, 654321, 20, 2});
}

TEST_CASE("A malformed net/dev line is an error, not a partial reading") {
    std::vector<InterfaceStats> out;
    CHECK_FALSE(parse_net_dev("h1\nh2\n  eth0: 1 2 3\n", out).ok());
    CHECK_FALSE(parse_net_dev("h1\nh2\n  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x\n", out).ok());
}

TEST_CASE("blkio and io.stat parse per device, ignoring totals and unknown keys") {
    std::vector<DeviceIo> v1;
    REQUIRE(parse_blkio_v1("8:0 Read 10\n8:0 Write 20\n8:16 Read 5\n8:16 Write 0\n8:0 Total 30\nTotal 35\n", v1).ok());
    CHECK(v1 == std::vector<DeviceIo>{{8, 0, 10, 20}, {8, 16, 5, 0}});
    std::vector<DeviceIo> v2;
    REQUIRE(parse_io_stat_v2("8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0 future=7\n", v2).ok());
    CHECK(v2 == std::vector<DeviceIo>{{8, 0, 10, 20}});
    std::vector<DeviceIo> bad;
    CHECK_FALSE(parse_blkio_v1("sda Read 10\n", bad).ok());
    CHECK_FALSE(parse_io_stat_v2("8 rbytes=1\n", bad).ok());
}

TEST_CASE("Device names come from /proc/partitions, as /dev paths") {
    auto names = parse_partitions("major minor  #blocks  name\n\n 254        0  268435456 vda\n   8  1 100 sda1\n");
    CHECK(names.at({254, 0}) == "/dev/vda");
    CHECK(names.at({8, 1}) == "/dev/sda1");
    CHECK(names.size() == 2);
}

TEST_CASE("/proc/<pid>/cgroup gives the memory controller's path on v1 and the unified one on v2") {
    const std::string v1 = "11:blkio:/docker/a\n5:memory:/docker/a\n0::/\n";
    CHECK(proc_cgroup_path(v1, false) == "/docker/a");
    CHECK(proc_cgroup_path("0::/system.slice/docker-a.scope\n", true) == "/system.slice/docker-a.scope");
    CHECK(proc_cgroup_path("5:memory:/../etc\n", false).empty());
    CHECK(proc_cgroup_path("garbage", true).empty());
}

TEST_CASE("Keyed files give the value of their key and 0 for a missing one") {
    CHECK(flat_keyed_value("usage_usec 42\nuser_usec 40\n", "usage_usec") == 42);
    CHECK(flat_keyed_value("usage_usec_x 42\n", "usage_usec") == 0);
    CHECK(flat_keyed_value("", "usage_usec") == 0);
}
