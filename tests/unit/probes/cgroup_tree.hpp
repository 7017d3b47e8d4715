// Fake cgroup and proc trees in a temporary directory, laid out as the kernel and Docker lay out the
// real ones (v1 with separate controller mounts or v2 unified; cgroupfs or systemd driver), for the
// container stats tests. Values are the test's; the file formats are the kernel's.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace autoscrape::probes::testing {

struct CgroupValues {
    std::uint64_t cpu_ns = 2'500'000'000;  // 2.5 s
    std::uint64_t memory_usage = 50 << 20;
    std::uint64_t inactive_file = 10 << 20;
    std::uint64_t memory_limit = 0;  // 0: unlimited
    std::uint64_t read_bytes = 4096;
    std::uint64_t write_bytes = 8192;
};

class FakeHost {
public:
    FakeHost() : root_(make_root()) {}
    ~FakeHost() { std::filesystem::remove_all(root_); }
    FakeHost(const FakeHost&) = delete;
    FakeHost& operator=(const FakeHost&) = delete;

    std::string cgroup_root() const { return (root_ / "cgroup").string(); }
    std::string proc_root() const { return (root_ / "proc").string(); }

    // Writes the cgroup of container `id`; `systemd` picks system.slice/docker-<id>.scope over docker/<id>.
    void write_cgroup(bool v2, bool systemd, const std::string& id, const CgroupValues& v) const {
        const std::string rel = systemd ? "system.slice/docker-" + id + ".scope" : "docker/" + id;
        if (v2) {
            const auto dir = root_ / "cgroup" / rel;
            write(root_ / "cgroup" / "cgroup.controllers", "cpuset cpu io memory pids\n");
            write(dir / "cpu.stat", "usage_usec " + std::to_string(v.cpu_ns / 1000) + "\nuser_usec 1\nsystem_usec 2\n");
            write(dir / "memory.current", std::to_string(v.memory_usage) + "\n");
            write(dir / "memory.max", v.memory_limit == 0 ? "max\n" : std::to_string(v.memory_limit) + "\n");
            write(dir / "memory.stat", "anon 1000\nfile 2000\nactive_file 5\ninactive_file " +
                                           std::to_string(v.inactive_file) + "\nslab 7\n");
            write(dir / "io.stat", "254:0 rbytes=" + std::to_string(v.read_bytes) + " wbytes=" +
                                       std::to_string(v.write_bytes) + " rios=3 wios=4 dbytes=0 dios=0\n");
            return;
        }
        const auto base = root_ / "cgroup";
        write(base / "cpuacct" / rel / "cpuacct.usage", std::to_string(v.cpu_ns) + "\n");
        write(base / "memory" / rel / "memory.usage_in_bytes", std::to_string(v.memory_usage) + "\n");
        write(base / "memory" / rel / "memory.limit_in_bytes",
              (v.memory_limit == 0 ? std::string("9223372036854771712") : std::to_string(v.memory_limit)) + "\n");
        write(base / "memory" / rel / "memory.stat", "cache 100\nrss 200\ninactive_file 1\ntotal_cache 100\n"
                                                      "total_inactive_file " + std::to_string(v.inactive_file) + "\n");
        write(base / "blkio" / rel / "blkio.throttle.io_service_bytes",
              "254:0 Read " + std::to_string(v.read_bytes) + "\n254:0 Write " + std::to_string(v.write_bytes) +
                  "\n254:0 Sync 0\n254:0 Async 0\n254:0 Discard 0\n254:0 Total " +
                  std::to_string(v.read_bytes + v.write_bytes) + "\nTotal " +
                  std::to_string(v.read_bytes + v.write_bytes) + "\n");
    }

    void remove_cgroup(bool v2, bool systemd, const std::string& id) const {
        const std::string rel = systemd ? "system.slice/docker-" + id + ".scope" : "docker/" + id;
        if (v2) {
            std::filesystem::remove_all(root_ / "cgroup" / rel);
            return;
        }
        for (const char* c : {"cpuacct", "memory", "blkio"}) std::filesystem::remove_all(root_ / "cgroup" / c / rel);
    }

    // /proc/<pid>/net/dev with `lo` and eth0 carrying rx/tx bytes.
    void write_net_dev(std::int64_t pid, std::uint64_t rx_bytes, std::uint64_t tx_bytes) const {
        write(root_ / "proc" / std::to_string(pid) / "net" / "dev",
              "Inter-|   Receive                                                |  Transmit\n"
              " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
              "    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0\n"
              "  eth0: " + std::to_string(rx_bytes) + "      10    1    0    0     0          0         0 " +
                  std::to_string(tx_bytes) + "       20    2    0    0     0       0          0\n");
    }

    void remove_pid(std::int64_t pid) const { std::filesystem::remove_all(root_ / "proc" / std::to_string(pid)); }

    void write_partitions() const {
        write(root_ / "proc" / "partitions", "major minor  #blocks  name\n\n 254        0  268435456 vda\n");
    }

    static void write(const std::filesystem::path& path, const std::string& content) {
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    }

private:
    static std::filesystem::path make_root() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "autoscrape-cgroup-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        return tmpl;
    }

    std::filesystem::path root_;
};

}  // namespace autoscrape::probes::testing
