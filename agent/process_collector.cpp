#include "agent/process_collector.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace autoscrape::agent {

namespace {

std::optional<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return std::move(text).str();
}

std::optional<double> parse_number(std::string_view text) {
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// The whitespace-separated fields of /proc/<pid>/stat after the command name. The name is in
// parentheses and may itself contain spaces and parentheses, so it ends at the LAST ')'.
std::vector<std::string_view> stat_fields(std::string_view stat) {
    std::vector<std::string_view> fields;
    const auto close = stat.rfind(')');
    if (close == std::string_view::npos) return fields;
    std::string_view rest = stat.substr(close + 1);
    while (!rest.empty()) {
        const auto start = rest.find_first_not_of(" \n");
        if (start == std::string_view::npos) break;
        rest.remove_prefix(start);
        const auto end = rest.find_first_of(" \n");
        fields.push_back(rest.substr(0, end));
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    return fields;
}

// The value after `key` on the line that starts with it, e.g. "btime 1700000000" or
// "Max open files  1024  4096  files" (the soft limit comes first).
std::optional<double> value_after(std::string_view text, std::string_view key) {
    for (std::size_t line_start = 0; line_start < text.size();) {
        const auto line_end = std::min(text.find('\n', line_start), text.size());
        std::string_view line = text.substr(line_start, line_end - line_start);
        line_start = line_end + 1;
        if (!line.starts_with(key)) continue;
        line.remove_prefix(key.size());
        const auto start = line.find_first_not_of(' ');
        if (start == std::string_view::npos) return std::nullopt;
        line.remove_prefix(start);
        return parse_number(line.substr(0, line.find(' ')));
    }
    return std::nullopt;
}

prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type, double value) {
    prometheus::ClientMetric metric;
    if (type == prometheus::MetricType::Counter) {
        metric.counter.value = value;
    } else {
        metric.gauge.value = value;
    }
    return {std::move(name), std::move(help), type, {metric}};
}

prometheus::MetricFamily gauge(std::string name, std::string help, double value) {
    return family(std::move(name), std::move(help), prometheus::MetricType::Gauge, value);
}

// Field positions in /proc/<pid>/stat (proc(5)), counted from the state field after the name.
constexpr std::size_t kUtime = 11, kStime = 12, kThreads = 17, kStartTime = 19, kVsize = 20, kRss = 21;

}  // namespace

ProcessCollector::ProcessCollector(std::filesystem::path proc_root)
    : proc_root_(std::move(proc_root)),
      ticks_per_second_(static_cast<double>(sysconf(_SC_CLK_TCK))),
      page_size_(static_cast<double>(sysconf(_SC_PAGESIZE))) {}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
    std::vector<prometheus::MetricFamily> families;

    if (const auto stat = read_file(proc_root_ / "self" / "stat")) {
        const auto fields = stat_fields(*stat);
        const auto field = [&](std::size_t i) { return i < fields.size() ? parse_number(fields[i]) : std::nullopt; };
        const auto utime = field(kUtime), stime = field(kStime);
        if (utime && stime) {
            families.push_back(family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                                      prometheus::MetricType::Counter, (*utime + *stime) / ticks_per_second_));
        }
        if (const auto rss = field(kRss)) {
            families.push_back(gauge("process_resident_memory_bytes", "Resident memory size in bytes.", *rss * page_size_));
        }
        if (const auto vsize = field(kVsize)) {
            families.push_back(gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", *vsize));
        }
        if (const auto threads = field(kThreads)) {
            families.push_back(gauge("process_threads", "Number of OS threads in the process.", *threads));
        }
        const auto boot = read_file(proc_root_ / "stat");
        const auto btime = boot ? value_after(*boot, "btime") : std::nullopt;
        if (const auto start = field(kStartTime); start && btime) {
            families.push_back(gauge("process_start_time_seconds",
                                     "Start time of the process since unix epoch in seconds.",
                                     *btime + *start / ticks_per_second_));
        }
    }

    std::error_code ec;
    double open_fds = 0;
    for (std::filesystem::directory_iterator it(proc_root_ / "self" / "fd", ec), end; !ec && it != end; it.increment(ec)) {
        ++open_fds;
    }
    if (!ec) families.push_back(gauge("process_open_fds", "Number of open file descriptors.", open_fds));

    const auto limits = read_file(proc_root_ / "self" / "limits");
    if (const auto max_fds = limits ? value_after(*limits, "Max open files") : std::nullopt) {
        families.push_back(gauge("process_max_fds", "Maximum number of open file descriptors.", *max_fds));
    }
    return families;
}

}  // namespace autoscrape::agent
