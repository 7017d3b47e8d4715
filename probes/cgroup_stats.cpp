#include "probes/cgroup_stats.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <optional>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace autoscrape::probes {

namespace {

// cgroup and proc files are a few KiB; anything bigger is not the file we expect.
constexpr std::size_t kMaxFileBytes = 1 << 20;
// Kernels report "no limit" as a page-rounded 2^63; cAdvisor reports limits beyond 2^62 as 0.
constexpr std::uint64_t kUnlimitedAbove = 1ULL << 62;
constexpr std::size_t kMaxDevices = 256;
constexpr std::size_t kMaxInterfaces = 1024;

bool is_dir(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
    return s;
}

// Calls fn(line) for each line of text.
template <class Fn>
void for_each_line(std::string_view text, Fn fn) {
    while (!text.empty()) {
        const auto nl = text.find('\n');
        fn(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
}

// Splits a line into whitespace-separated fields, up to `max` of them.
std::size_t split_fields(std::string_view line, std::string_view* fields, std::size_t max) {
    std::size_t n = 0;
    while (n < max) {
        line = trim(line);
        if (line.empty()) break;
        const auto end = line.find_first_of(" \t");
        fields[n++] = line.substr(0, end);
        if (end == std::string_view::npos) break;
        line.remove_prefix(end);
    }
    return n;
}

bool parse_device(std::string_view s, std::uint32_t& major, std::uint32_t& minor) {
    const auto colon = s.find(':');
    if (colon == std::string_view::npos) return false;
    std::uint64_t ma = 0, mi = 0;
    if (!parse_u64(s.substr(0, colon), ma) || !parse_u64(s.substr(colon + 1), mi) || ma > UINT32_MAX || mi > UINT32_MAX)
        return false;
    major = static_cast<std::uint32_t>(ma);
    minor = static_cast<std::uint32_t>(mi);
    return true;
}

// The entry of a device, added when new; nullptr beyond kMaxDevices.
DeviceIo* device_entry(std::vector<DeviceIo>& out, std::uint32_t major, std::uint32_t minor) {
    for (auto& d : out) {
        if (d.major == major && d.minor == minor) return &d;
    }
    if (out.size() >= kMaxDevices) return nullptr;
    return &out.emplace_back(DeviceIo{major, minor, 0, 0});
}

Result<std::uint64_t> read_u64_file(const std::string& path, std::string& buffer) {
    if (!read_small_file(path, buffer)) return Error{fmt::format("cannot read {}: {}", path, std::strerror(errno))};
    const auto text = trim(buffer);
    if (text == "max") return std::uint64_t{0};
    std::uint64_t v = 0;
    if (!parse_u64(text, v)) return Error{fmt::format("{} does not hold a number", path)};
    return v;
}

// The v1 controller directory of `relative` under root, trying the mount names distributions use.
std::string v1_dir(const std::string& root, std::initializer_list<std::string_view> controllers,
                   const std::string& relative) {
    for (auto c : controllers) {
        auto dir = fmt::format("{}/{}{}", root, c, relative);
        if (is_dir(dir)) return dir;
    }
    return {};
}

std::optional<CgroupLocation> locate(const std::string& root, bool v2, const std::string& relative) {
    CgroupLocation loc;
    loc.v2 = v2;
    loc.path = relative;
    if (v2) {
        const auto dir = root + relative;
        if (!is_dir(dir)) return std::nullopt;
        loc.cpu_dir = loc.memory_dir = loc.blkio_dir = dir;
        return loc;
    }
    loc.memory_dir = v1_dir(root, {"memory"}, relative);
    loc.cpu_dir = v1_dir(root, {"cpuacct", "cpu,cpuacct", "cpuacct,cpu"}, relative);
    if (loc.memory_dir.empty() || loc.cpu_dir.empty()) return std::nullopt;
    loc.blkio_dir = v1_dir(root, {"blkio"}, relative);
    return loc;
}

Result<Ok> read_v1(const CgroupLocation& where, CgroupSample& out, std::string& buffer) {
    auto cpu = read_u64_file(where.cpu_dir + "/cpuacct.usage", buffer);
    if (!cpu) return cpu.error();
    out.cpu_seconds = static_cast<double>(cpu.value()) / 1e9;
    auto usage = read_u64_file(where.memory_dir + "/memory.usage_in_bytes", buffer);
    if (!usage) return usage.error();
    out.memory_usage = usage.value();
    auto limit = read_u64_file(where.memory_dir + "/memory.limit_in_bytes", buffer);
    if (!limit) return limit.error();
    out.memory_limit = limit.value() > kUnlimitedAbove ? 0 : limit.value();
    if (!read_small_file(where.memory_dir + "/memory.stat", buffer)) return Error{"cannot read memory.stat"};
    const auto inactive = flat_keyed_value(buffer, "total_inactive_file");
    out.working_set = out.memory_usage > inactive ? out.memory_usage - inactive : 0;
    out.io.clear();
    if (where.blkio_dir.empty()) return Ok{};
    if (!read_small_file(where.blkio_dir + "/blkio.throttle.io_service_bytes", buffer)) return Ok{};
    return parse_blkio_v1(buffer, out.io);
}

Result<Ok> read_v2(const CgroupLocation& where, CgroupSample& out, std::string& buffer) {
    if (!read_small_file(where.cpu_dir + "/cpu.stat", buffer)) return Error{"cannot read cpu.stat"};
    out.cpu_seconds = static_cast<double>(flat_keyed_value(buffer, "usage_usec")) / 1e6;
    auto usage = read_u64_file(where.memory_dir + "/memory.current", buffer);
    if (!usage) return usage.error();
    out.memory_usage = usage.value();
    auto limit = read_u64_file(where.memory_dir + "/memory.max", buffer);
    if (!limit) return limit.error();
    out.memory_limit = limit.value() > kUnlimitedAbove ? 0 : limit.value();
    if (!read_small_file(where.memory_dir + "/memory.stat", buffer)) return Error{"cannot read memory.stat"};
    const auto inactive = flat_keyed_value(buffer, "inactive_file");
    out.working_set = out.memory_usage > inactive ? out.memory_usage - inactive : 0;
    out.io.clear();
    if (!read_small_file(where.blkio_dir + "/io.stat", buffer)) return Ok{};  // io controller not enabled
    return parse_io_stat_v2(buffer, out.io);
}

}  // namespace

bool read_small_file(const std::string& path, std::string& buffer) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    buffer.resize(4096);
    std::size_t size = 0;
    for (;;) {
        if (size == buffer.size()) {
            if (buffer.size() >= kMaxFileBytes) {
                ::close(fd);
                errno = EFBIG;
                return false;
            }
            buffer.resize(buffer.size() * 2);
        }
        const auto n = ::read(fd, buffer.data() + size, buffer.size() - size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int saved = errno;
            ::close(fd);
            errno = saved;
            return false;
        }
        if (n == 0) break;
        size += static_cast<std::size_t>(n);
    }
    ::close(fd);
    buffer.resize(size);
    return true;
}

Result<CgroupLocation> find_container_cgroup(const std::string& root, const std::string& proc_root,
                                             const std::string& id, std::int64_t pid) {
    const bool v2 = ::access((root + "/cgroup.controllers").c_str(), F_OK) == 0;
    for (const auto& relative : {"/system.slice/docker-" + id + ".scope", "/docker/" + id}) {
        if (auto loc = locate(root, v2, relative)) return *loc;
    }
    if (pid > 0) {
        std::string buffer;
        if (read_small_file(fmt::format("{}/{}/cgroup", proc_root, pid), buffer)) {
            if (auto relative = proc_cgroup_path(buffer, v2); !relative.empty()) {
                if (auto loc = locate(root, v2, relative)) return *loc;
            }
        }
    }
    return Error{fmt::format("no cgroup {} of container {} under {}", v2 ? "(v2)" : "(v1)", id.substr(0, 12), root)};
}

Result<Ok> read_cgroup_sample(const CgroupLocation& where, CgroupSample& out, std::string& buffer) {
    return where.v2 ? read_v2(where, out, buffer) : read_v1(where, out, buffer);
}

Result<Ok> parse_net_dev(std::string_view text, std::vector<InterfaceStats>& out) {
    out.clear();
    bool malformed = false;
    for_each_line(text, [&](std::string_view line) {
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || malformed) return;  // the two header lines
        const auto name = trim(line.substr(0, colon));
        if (name == "lo" || name.empty()) return;
        std::string_view f[16];
        std::uint64_t v[16] = {};
        if (split_fields(line.substr(colon + 1), f, 16) != 16 || out.size() >= kMaxInterfaces) {
            malformed = true;
            return;
        }
        for (int i = 0; i < 16; ++i) {
            if (!parse_u64(f[i], v[i])) malformed = true;
        }
        // Receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs ...
        out.push_back({std::string(name), v[0], v[1], v[2], v[8], v[9], v[10]});
    });
    if (malformed) return Error{"malformed net/dev line"};
    return Ok{};
}

Result<Ok> parse_blkio_v1(std::string_view text, std::vector<DeviceIo>& out) {
    bool malformed = false;
    for_each_line(text, [&](std::string_view line) {
        std::string_view f[3];
        const auto n = split_fields(line, f, 3);
        if (n == 0 || f[0] == "Total") return;
        std::uint32_t major = 0, minor = 0;
        std::uint64_t value = 0;
        if (n != 3 || !parse_device(f[0], major, minor) || !parse_u64(f[2], value)) {
            malformed = true;
            return;
        }
        if (f[1] != "Read" && f[1] != "Write") return;
        auto* d = device_entry(out, major, minor);
        if (d == nullptr) {
            malformed = true;
            return;
        }
        (f[1] == "Read" ? d->read_bytes : d->write_bytes) = value;
    });
    if (malformed) return Error{"malformed blkio.throttle.io_service_bytes line"};
    return Ok{};
}

Result<Ok> parse_io_stat_v2(std::string_view text, std::vector<DeviceIo>& out) {
    bool malformed = false;
    for_each_line(text, [&](std::string_view line) {
        std::string_view f[16];
        const auto n = split_fields(line, f, 16);
        if (n == 0) return;
        std::uint32_t major = 0, minor = 0;
        DeviceIo* d = parse_device(f[0], major, minor) ? device_entry(out, major, minor) : nullptr;
        if (d == nullptr) {
            malformed = true;
            return;
        }
        for (std::size_t i = 1; i < n; ++i) {
            const auto eq = f[i].find('=');
            std::uint64_t value = 0;
            if (eq == std::string_view::npos || !parse_u64(f[i].substr(eq + 1), value)) continue;
            if (f[i].substr(0, eq) == "rbytes") d->read_bytes = value;
            else if (f[i].substr(0, eq) == "wbytes") d->write_bytes = value;
        }
    });
    if (malformed) return Error{"malformed io.stat line"};
    return Ok{};
}

std::uint64_t flat_keyed_value(std::string_view text, std::string_view key) {
    std::uint64_t result = 0;
    for_each_line(text, [&](std::string_view line) {
        if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ' ') {
            std::uint64_t v = 0;
            if (parse_u64(trim(line.substr(key.size() + 1)), v)) result = v;
        }
    });
    return result;
}

std::string proc_cgroup_path(std::string_view text, bool v2) {
    std::string result;
    for_each_line(text, [&](std::string_view line) {
        // hierarchy-id:controller-list:path
        const auto first = line.find(':');
        const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
        if (second == std::string_view::npos || !result.empty()) return;
        const auto controllers = line.substr(first + 1, second - first - 1);
        const auto path = line.substr(second + 1);
        if (v2 ? (line.substr(0, first) == "0" && controllers.empty())
               : (controllers == "memory" || controllers.find("memory,") == 0 ||
                  controllers.find(",memory") != std::string_view::npos)) {
            if (path.starts_with('/') && path.find("..") == std::string_view::npos) result = path;
        }
    });
    return result;
}

std::map<std::pair<std::uint32_t, std::uint32_t>, std::string> parse_partitions(std::string_view text) {
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::string> names;
    for_each_line(text, [&](std::string_view line) {
        std::string_view f[4];
        std::uint64_t major = 0, minor = 0;
        if (split_fields(line, f, 4) != 4 || !parse_u64(f[0], major) || !parse_u64(f[1], minor)) return;
        if (major > UINT32_MAX || minor > UINT32_MAX || names.size() >= 4096) return;
        names.emplace(std::pair{static_cast<std::uint32_t>(major), static_cast<std::uint32_t>(minor)},
                      "/dev/" + std::string(f[3]));
    });
    return names;
}

}  // namespace autoscrape::probes
