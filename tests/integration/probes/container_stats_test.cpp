// Issue #6 acceptance for container stats: the real agent, a CPU- and memory-hungry busybox
// container on a network the test creates, the agent's remote write into VictoriaMetrics
// ($AUTOSCRAPE_TEST_VM_URL), and the test reading the same cgroup and /proc files itself. The
// values must agree (memory within 5%, CPU between two readings around the query, never
// decreasing), carry cAdvisor's labels, and go stale when the container is removed.
#include <chrono>
#include <cstdlib>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "tests/integration/support/docker_fixture.hpp"
#include "tests/integration/support/http_get.hpp"
#include "tests/integration/support/process.hpp"

using namespace autoscrape;
using namespace std::chrono_literals;
namespace json = boost::json;

using testing::HostPort;
using testing::parse_loopback_url;
using testing::url_encode;
using testing::free_port;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The container's cgroup files as the kernel has them, found independently of the agent's code:
// v1 cgroupfs (this host's dockerd) or v2 with either driver.
struct KernelView {
    std::string id;
    std::string memory_file, cpu_file;
    bool v2 = false;

    explicit KernelView(std::string container_id) : id(std::move(container_id)) {
        namespace fs = std::filesystem;
        v2 = fs::exists("/sys/fs/cgroup/cgroup.controllers");
        for (const std::string rel : {"/docker/" + id, "/system.slice/docker-" + id + ".scope"}) {
            const std::string mem = v2 ? "/sys/fs/cgroup" + rel + "/memory.current"
                                       : "/sys/fs/cgroup/memory" + rel + "/memory.usage_in_bytes";
            if (!fs::exists(mem)) continue;
            memory_file = mem;
            cpu_file = "/sys/fs/cgroup" + rel + "/cpu.stat";
            if (!v2) {
                cpu_file = "/sys/fs/cgroup/cpuacct" + rel + "/cpuacct.usage";
                if (!fs::exists(cpu_file)) cpu_file = "/sys/fs/cgroup/cpu,cpuacct" + rel + "/cpuacct.usage";
            }
        }
    }
    double memory() const { return std::stod(slurp(memory_file)); }
    double cpu_seconds() const {
        const auto text = slurp(cpu_file);
        if (!v2) return std::stod(text) / 1e9;
        const auto at = text.find("usage_usec ");
        return std::stod(text.substr(at + 11)) / 1e6;
    }
};

class Vm {
public:
    explicit Vm(HostPort where) : where_(std::move(where)) {}

    // The instant vector of `query`: (labels, value) pairs.
    std::vector<std::pair<json::object, double>> query(const std::string& q) const {
        const auto reply = testing::http_request("GET", where_.host, where_.port, "/api/v1/query?query=" + url_encode(q));
        std::vector<std::pair<json::object, double>> out;
        if (reply.status != 200) return out;
        const auto doc = json::parse(reply.body);  // kept: the loop walks into it
        for (const auto& r : doc.at("data").at("result").as_array()) {
            out.emplace_back(r.at("metric").as_object(), std::stod(std::string(r.at("value").at(1).as_string())));
        }
        return out;
    }

    // The raw samples of one series over `range` (a range-vector query), oldest first.
    std::vector<double> raw(const std::string& selector, const std::string& range) const {
        const auto reply = testing::http_request("GET", where_.host, where_.port,
                                                 "/api/v1/query?query=" + url_encode(selector + "[" + range + "]"));
        std::vector<double> out;
        last_reply_ = fmt::format("{} {}{}", reply.status, reply.error, reply.body.substr(0, 2000));
        if (reply.status != 200) return out;
        const auto doc = json::parse(reply.body);
        const auto& result = doc.at("data").at("result").as_array();
        if (result.size() != 1) return out;
        for (const auto& v : result[0].at("values").as_array()) out.push_back(std::stod(std::string(v.at(1).as_string())));
        return out;
    }

    // The last raw() answer, for failure messages.
    const std::string& last_reply() const { return last_reply_; }

private:
    HostPort where_;
    mutable std::string last_reply_;
};

std::string text(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(500ms);
    }
    return pred();
}

// The agent with container stats every second on `network`, remote-writing to VictoriaMetrics.
class StatsAgent {
public:
    // `cgroup_root` empty: the host's.
    StatsAgent(const std::string& network, const std::string& vm_url, const std::string& cgroup_root = {})
        : dir_(testing::make_temp_dir()), port_(free_port()) {
        const auto root = cgroup_root.empty() ? std::string() : fmt::format("  cgroup_root: {}\n", cgroup_root);
        testing::write_file(dir_ + "/autoscrape.yml",
                            fmt::format("docker:\n  networks: [{}]\n"
                                        "web:\n  listen_address: 127.0.0.1:{}\n"
                                        "container_stats:\n  interval: 1s\n{}"
                                        "remote_write:\n  - url: {}/api/v1/write\n"
                                        "    queue_config:\n      batch_send_deadline: 500ms\n"
                                        "wal:\n  dir: {}/wal\n",
                                        network, port_, root, vm_url, dir_));
        process_ = std::make_unique<testing::ChildProcess>(
            std::vector<std::string>{testing::autoscrape_binary(), "run", "--config.file=" + dir_ + "/autoscrape.yml"});
        ready_ = testing::wait_for_status("127.0.0.1", port_, "/-/ready", 200, 60s);
    }
    ~StatsAgent() {
        process_->signal(SIGTERM);
        if (!process_->wait_for(20s)) process_->signal(SIGKILL);
        process_->wait_for(5s);
        testing::remove_tree(dir_);
    }
    bool ready() const { return ready_; }
    std::string logs() const { return process_->err() + process_->out(); }

private:
    std::string dir_;
    unsigned short port_;
    std::unique_ptr<testing::ChildProcess> process_;
    bool ready_ = false;
};

}  // namespace

TEST_CASE("The agent's container stats match the cgroup files of a CPU- and memory-hungry container") {
    if (!testing::docker_available()) FAIL("dockerd is not reachable");
    const char* vm_url = std::getenv("AUTOSCRAPE_TEST_VM_URL");
    if (vm_url == nullptr || *vm_url == '\0') FAIL("AUTOSCRAPE_TEST_VM_URL is not set (tests/run_all.sh sets it)");
    const Vm vm(parse_loopback_url(vm_url));

    testing::ensure_busybox_image();
    testing::DockerFixture docker;
    const auto net = docker.create_network("stats");
    const auto name = docker.unique("hungry");
    // One core busy with dd; 48 MiB in the container's /dev/shm (tmpfs, charged to its memory
    // cgroup as shared anonymous memory, so it stays in the working set and does not move).
    const auto id = docker.run_container(name, {"--network", net, "--shm-size", "64m"});
    docker.docker({"exec", "-d", id, "busybox", "dd", "if=/dev/zero", "of=/dev/null"});
    docker.docker({"exec", id, "busybox", "dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1048576", "count=48"});
    const KernelView kernel(id);
    REQUIRE_FALSE(kernel.memory_file.empty());

    StatsAgent agent(net, vm_url);
    INFO("agent log:\n" << agent.logs());
    REQUIRE(agent.ready());

    const std::string selector = fmt::format("{{name=\"{}\"}}", name);
    const bool sampled =
        wait_until([&] { return vm.raw("container_cpu_usage_seconds_total" + selector, "1m").size() >= 5; }, 60s);
    INFO("VictoriaMetrics answered: " << vm.last_reply());
    REQUIRE(sampled);

    {
        const double before = kernel.cpu_seconds();
        std::this_thread::sleep_for(3s);  // at least one pass after `before` has reached VictoriaMetrics
        const auto cpu = vm.query("container_cpu_usage_seconds_total" + selector);
        const double after = kernel.cpu_seconds();
        REQUIRE(cpu.size() == 1);
        CHECK(text(cpu[0].first, "cpu") == "total");
        CHECK(text(cpu[0].first, "id") == (kernel.v2 ? "/system.slice/docker-" + id + ".scope" : "/docker/" + id));
        CHECK(text(cpu[0].first, "image") == testing::kBusyboxImage);
        CHECK(text(cpu[0].first, "container") == name);
        CHECK(cpu[0].second >= before);
        CHECK(cpu[0].second <= after);
        const auto series = vm.raw("container_cpu_usage_seconds_total" + selector, "1m");
        for (std::size_t i = 1; i < series.size(); ++i) CHECK(series[i] >= series[i - 1]);
        CHECK(series.back() - series.front() > 1.0);  // dd keeps a core busy
    }
    {
        const double kernel_memory = kernel.memory();
        const auto usage = vm.query("container_memory_usage_bytes" + selector);
        const auto working_set = vm.query("container_memory_working_set_bytes" + selector);
        REQUIRE(usage.size() == 1);
        REQUIRE(working_set.size() == 1);
        CHECK(usage[0].second == Approx(kernel_memory).epsilon(0.05));
        CHECK(usage[0].second > 48.0 * (1 << 20));
        CHECK(working_set[0].second > 48.0 * (1 << 20));
        CHECK(working_set[0].second <= usage[0].second);
    }
    {
        const auto pid = docker.docker({"inspect", "-f", "{{.State.Pid}}", id});
        const auto rx = vm.query("container_network_receive_bytes_total" + selector);
        REQUIRE(rx.size() == 1);
        CHECK(text(rx[0].first, "interface") == "eth0");
        // Receive bytes only grow: the agent's reading is at most what the kernel says now.
        const auto net_dev = slurp("/proc/" + pid + "/net/dev");
        const auto eth0 = net_dev.find("eth0:");
        REQUIRE(eth0 != std::string::npos);
        CHECK(rx[0].second <= std::stod(net_dev.substr(eth0 + 5)));
        const auto started = vm.query("container_start_time_seconds" + selector);
        REQUIRE(started.size() == 1);
        const auto started_at = docker.docker({"inspect", "-f", "{{.State.StartedAt}}", id});
        const auto unix = testing::run_process({"/bin/date", "-d", started_at, "+%s.%N"}, 5s);
        REQUIRE(unix.exit_code == 0);
        CHECK(started[0].second == Approx(std::stod(unix.out)).margin(0.001));
        CHECK(vm.query("autoscrape_container_restarts_total" + selector).size() == 1);
    }

    docker.docker({"rm", "-f", id});
    // A stale marker ends every series at once: VictoriaMetrics then answers nothing for it.
    CHECK(wait_until([&] { return vm.query("container_memory_usage_bytes" + selector).empty(); }, 30s));
    CHECK(vm.query("{__name__=~\"container_.*\",name=\"" + name + "\"}").empty());
}

TEST_CASE("Without a readable cgroup the agent samples the container through the Docker stats API") {
    if (!testing::docker_available()) FAIL("dockerd is not reachable");
    const char* vm_url = std::getenv("AUTOSCRAPE_TEST_VM_URL");
    if (vm_url == nullptr || *vm_url == '\0') FAIL("AUTOSCRAPE_TEST_VM_URL is not set (tests/run_all.sh sets it)");
    const Vm vm(parse_loopback_url(vm_url));

    testing::ensure_busybox_image();
    testing::DockerFixture docker;
    const auto net = docker.create_network("statsapi");
    const auto name = docker.unique("viaapi");
    const auto id = docker.run_container(name, {"--network", net, "--shm-size", "64m"});
    docker.docker({"exec", id, "busybox", "dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1048576", "count=32"});
    const KernelView kernel(id);
    REQUIRE_FALSE(kernel.memory_file.empty());

    // An empty directory as the cgroup root: what an agent in a container without the mount sees.
    const auto empty_root = testing::make_temp_dir();
    {
        StatsAgent agent(net, vm_url, empty_root);
        INFO("agent log:\n" << agent.logs());
        REQUIRE(agent.ready());
        const std::string selector = fmt::format("{{name=\"{}\"}}", name);
        REQUIRE(wait_until([&] { return vm.query("container_memory_usage_bytes" + selector).size() == 1; }, 60s));
        const auto usage = vm.query("container_memory_usage_bytes" + selector);
        CHECK(usage[0].second == Approx(kernel.memory()).epsilon(0.05));
        CHECK(text(usage[0].first, "id") == "/docker/" + id);
        CHECK(vm.query("container_cpu_usage_seconds_total" + selector).size() == 1);
        CHECK(vm.query("container_network_receive_bytes_total" + selector).size() == 1);
        CHECK(agent.logs().find("using the Docker stats API") != std::string::npos);
    }
    testing::remove_tree(empty_root);
}
