#include "probes/docker_stats.hpp"

#include <boost/json.hpp>

#include <fmt/format.h>

namespace autoscrape::probes {

namespace json = boost::json;

namespace {

constexpr std::uint64_t kUnlimitedAbove = 1ULL << 62;
constexpr std::size_t kMaxEntries = 1024;

// A missing member reads as 0 (API versions and cgroup versions differ); a present one must be a
// non-negative integer.
struct Numbers {
    std::string error;

    std::uint64_t get(const json::object* o, std::string_view key) {
        const auto* v = o == nullptr ? nullptr : o->if_contains(key);
        if (v == nullptr || v->is_null()) return 0;
        if (const auto* u = v->if_uint64()) return *u;
        if (const auto* i = v->if_int64(); i != nullptr && *i >= 0) return static_cast<std::uint64_t>(*i);
        if (error.empty()) error = fmt::format("field {} is not a non-negative integer", key);
        return 0;
    }
    static const json::object* object(const json::object* o, std::string_view key) {
        const auto* v = o == nullptr ? nullptr : o->if_contains(key);
        return v == nullptr ? nullptr : v->if_object();
    }
};

void read_memory(Numbers& n, const json::object* memory, CgroupSample& out) {
    const auto* stats = Numbers::object(memory, "stats");
    out.memory_usage = n.get(memory, "usage");
    // v1 reports total_inactive_file (hierarchical), v2 inactive_file.
    const auto inactive = stats != nullptr && stats->contains("total_inactive_file") ? n.get(stats, "total_inactive_file")
                                                                                     : n.get(stats, "inactive_file");
    out.working_set = out.memory_usage > inactive ? out.memory_usage - inactive : 0;
    const auto limit = stats != nullptr && stats->contains("hierarchical_memory_limit")
                           ? n.get(stats, "hierarchical_memory_limit")
                           : n.get(memory, "limit");
    out.memory_limit = limit > kUnlimitedAbove ? 0 : limit;
}

void read_io(Numbers& n, const json::object* blkio, CgroupSample& out) {
    out.io.clear();
    const auto* v = blkio == nullptr ? nullptr : blkio->if_contains("io_service_bytes_recursive");
    const auto* entries = v == nullptr ? nullptr : v->if_array();
    if (entries == nullptr) return;
    for (const auto& e : *entries) {
        const auto* o = e.if_object();
        const auto* op = o == nullptr ? nullptr : o->if_contains("op");
        if (op == nullptr || !op->is_string() || out.io.size() >= kMaxEntries) continue;
        const std::string_view name = op->get_string();
        const bool read = name == "Read" || name == "read";
        if (!read && name != "Write" && name != "write") continue;
        const auto major = static_cast<std::uint32_t>(n.get(o, "major"));
        const auto minor = static_cast<std::uint32_t>(n.get(o, "minor"));
        DeviceIo* d = nullptr;
        for (auto& existing : out.io) {
            if (existing.major == major && existing.minor == minor) d = &existing;
        }
        if (d == nullptr) d = &out.io.emplace_back(DeviceIo{major, minor, 0, 0});
        (read ? d->read_bytes : d->write_bytes) = n.get(o, "value");
    }
}

void read_networks(Numbers& n, const json::object* networks, std::vector<InterfaceStats>& out) {
    out.clear();
    if (networks == nullptr) return;
    for (const auto& [name, value] : *networks) {
        const auto* o = value.if_object();
        if (o == nullptr || name == "lo" || out.size() >= kMaxEntries) continue;
        out.push_back({std::string(name), n.get(o, "rx_bytes"), n.get(o, "rx_packets"), n.get(o, "rx_errors"),
                       n.get(o, "tx_bytes"), n.get(o, "tx_packets"), n.get(o, "tx_errors")});
    }
}

}  // namespace

Result<Ok> parse_docker_stats(std::string_view text, CgroupSample& cgroup, std::vector<InterfaceStats>& interfaces) {
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = 32;
    const json::value v = json::parse(text, ec, {}, opts);
    if (ec) return Error{fmt::format("invalid JSON: {}", ec.message())};
    const auto* root = v.if_object();
    if (root == nullptr) return Error{"container stats answer is not an object"};
    const auto* cpu = Numbers::object(Numbers::object(root, "cpu_stats"), "cpu_usage");
    const auto* memory = Numbers::object(root, "memory_stats");
    if (cpu == nullptr || memory == nullptr) return Error{"container stats answer without cpu_stats or memory_stats"};
    Numbers n;
    cgroup.cpu_seconds = static_cast<double>(n.get(cpu, "total_usage")) / 1e9;
    read_memory(n, memory, cgroup);
    read_io(n, Numbers::object(root, "blkio_stats"), cgroup);
    read_networks(n, Numbers::object(root, "networks"), interfaces);
    if (!n.error.empty()) return Error{"container stats answer: " + n.error};
    return Ok{};
}

}  // namespace autoscrape::probes
