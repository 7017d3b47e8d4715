// ProcessCollector on a fixture procfs tree (exact values) and on the real /proc (plausible ones).
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

#include "agent/process_collector.hpp"

namespace autoscrape::agent::test {
namespace {

namespace fs = std::filesystem;

std::map<std::string, double> values(const ProcessCollector& collector) {
    std::map<std::string, double> out;
    for (const auto& family : collector.Collect()) {
        REQUIRE(family.metric.size() == 1);
        const auto& metric = family.metric.front();
        out[family.name] = family.type == prometheus::MetricType::Counter ? metric.counter.value : metric.gauge.value;
    }
    return out;
}

// A throwaway procfs tree under the system temp dir, removed at the end of the test.
class FakeProc {
public:
    FakeProc() : root_(fs::temp_directory_path() / ("autoscrape-proc-" + std::to_string(getpid()))) {
        fs::remove_all(root_);
        fs::create_directories(root_ / "self" / "fd");
    }
    ~FakeProc() { fs::remove_all(root_); }
    void write(const std::string& relative, const std::string& text) const { std::ofstream(root_ / relative) << text; }
    const fs::path& root() const { return root_; }

private:
    fs::path root_;
};

}  // namespace

TEST_CASE("The process collector reads each process metric from its procfs file", "[process]") {
    FakeProc proc;
    // The command name holds spaces and a ')' on purpose: fields start after the LAST ')'.
    proc.write("self/stat",
               "4242 (my (odd) proc) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 7 0 "
               "1000 123456789 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n");
    proc.write("stat", "cpu  1 2 3 4\nbtime 1700000000\nprocesses 10\n");
    proc.write("self/limits",
               "Limit                     Soft Limit           Hard Limit           Units     \n"
               "Max cpu time              unlimited            unlimited            seconds   \n"
               "Max open files            1024                 524288               files     \n");
    for (const char* fd : {"0", "1", "2"}) proc.write(std::string("self/fd/") + fd, "");

    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    const auto got = values(ProcessCollector(proc.root()));

    CHECK(got.at("process_cpu_seconds_total") == Approx(400 / ticks));
    CHECK(got.at("process_threads") == 7);
    CHECK(got.at("process_start_time_seconds") == Approx(1700000000 + 1000 / ticks));
    CHECK(got.at("process_virtual_memory_bytes") == 123456789);
    CHECK(got.at("process_resident_memory_bytes") == 300 * page);
    CHECK(got.at("process_open_fds") == 3);
    CHECK(got.at("process_max_fds") == 1024);
}

TEST_CASE("A missing or malformed procfs file drops only the metrics read from it", "[process]") {
    FakeProc proc;
    proc.write("self/stat", "4242 (truncated) S 1 2 3\n");
    proc.write("self/limits", "Max open files            2048                 4096                 files\n");
    const auto got = values(ProcessCollector(proc.root()));
    CHECK(got.size() == 2);
    CHECK(got.at("process_max_fds") == 2048);
    CHECK(got.at("process_open_fds") == 0);
}

TEST_CASE("The process collector on the real /proc describes this process", "[process]") {
    const auto got = values(ProcessCollector());
    rlimit limit{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &limit) == 0);
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();

    CHECK(got.at("process_resident_memory_bytes") > 0);
    CHECK(got.at("process_virtual_memory_bytes") >= got.at("process_resident_memory_bytes"));
    CHECK(got.at("process_open_fds") >= 3);
    CHECK(got.at("process_max_fds") == static_cast<double>(limit.rlim_cur));
    CHECK(got.at("process_threads") >= 1);
    CHECK(got.at("process_cpu_seconds_total") >= 0);
    CHECK(got.at("process_start_time_seconds") <= now + 1);
    CHECK(got.at("process_start_time_seconds") > now - 3600);
}

}  // namespace autoscrape::agent::test
