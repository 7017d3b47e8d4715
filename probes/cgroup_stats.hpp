// Reading a Docker container's resource usage from the kernel: its cgroup (v1 or v2, cgroupfs or
// systemd layout) and its network namespace's /proc/<pid>/net/dev.
//
// These are the numbers cAdvisor reports, read the way it reads them, without the Docker stats
// API (which costs dockerd a cgroup read plus JSON per call). Locating the cgroup walks the
// filesystem, so callers do it once per container and keep the CgroupLocation; the reads are a
// handful of small files each. The parsers are pure, for tests over captured file contents.
#pragma once

#include "discovery/result.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autoscrape::probes {

using discovery::Error;
using discovery::Ok;
using discovery::Result;

struct CgroupLocation {
    bool v2 = false;
    std::string path;        // within the hierarchy, cAdvisor's `id` label: /docker/<id>, /system.slice/docker-<id>.scope
    std::string cpu_dir;     // v1: the cpuacct controller's directory; v2: the unified one (all three the same)
    std::string memory_dir;
    std::string blkio_dir;   // empty when the v1 host has no blkio controller
};

// Finds a container's cgroup under `cgroup_root` (/sys/fs/cgroup, or where the host's is mounted):
// the layouts of Docker's cgroupfs and systemd drivers first, then the path that the container's
// main process (`pid`, 0 when unknown) reports in <proc_root>/<pid>/cgroup (a --cgroup-parent).
Result<CgroupLocation> find_container_cgroup(const std::string& cgroup_root, const std::string& proc_root,
                                             const std::string& container_id, std::int64_t pid);

struct DeviceIo {
    std::uint32_t major = 0;
    std::uint32_t minor = 0;
    std::uint64_t read_bytes = 0;
    std::uint64_t write_bytes = 0;
    bool operator==(const DeviceIo&) const = default;
};

struct CgroupSample {
    double cpu_seconds = 0;
    std::uint64_t memory_usage = 0;
    std::uint64_t working_set = 0;   // usage minus inactive file pages, as cAdvisor computes it
    std::uint64_t memory_limit = 0;  // 0 when unlimited (cAdvisor's convention)
    std::vector<DeviceIo> io;        // devices with any traffic
};

// Reads the sample; `buffer` is scratch space reused across calls. An Error means the cgroup is
// gone or unreadable (the container stopped or restarted into another cgroup).
Result<Ok> read_cgroup_sample(const CgroupLocation& where, CgroupSample& out, std::string& buffer);

struct InterfaceStats {
    std::string name;
    std::uint64_t rx_bytes = 0, rx_packets = 0, rx_errors = 0;
    std::uint64_t tx_bytes = 0, tx_packets = 0, tx_errors = 0;
    bool operator==(const InterfaceStats&) const = default;
};

// Reads a file of at most 1 MiB into `buffer`; false (with errno set) when it cannot.
bool read_small_file(const std::string& path, std::string& buffer);

// The parsers, over file contents.
// /proc/<pid>/net/dev without `lo` (cAdvisor leaves it out too).
Result<Ok> parse_net_dev(std::string_view text, std::vector<InterfaceStats>& out);
// v1 blkio.throttle.io_service_bytes ("8:0 Read 4096" lines) or v2 io.stat ("8:0 rbytes=4096 wbytes=0 ...").
Result<Ok> parse_blkio_v1(std::string_view text, std::vector<DeviceIo>& out);
Result<Ok> parse_io_stat_v2(std::string_view text, std::vector<DeviceIo>& out);
// The value of `key` in a "key value" file (memory.stat, cpu.stat); 0 when absent.
std::uint64_t flat_keyed_value(std::string_view text, std::string_view key);
// The cgroup path of the cpuacct/memory controller (v1) or of the unified hierarchy (v2) in a
// /proc/<pid>/cgroup file, empty when none.
std::string proc_cgroup_path(std::string_view text, bool v2);

// Block device names by major:minor ("/dev/vda", as cAdvisor's `device` label), from /proc/partitions.
std::map<std::pair<std::uint32_t, std::uint32_t>, std::string> parse_partitions(std::string_view text);

}  // namespace autoscrape::probes
