// DockerClient and DockerDiscovery against engines that misbehave: a socket path that is no
// socket, one we may not open, garbage and cut-off answers, event streams that end or overflow,
// oversize labels and very long container lists. Each must give a clear error, count it, keep
// discovery not ready while it lasts, and recover once the engine answers correctly.
#include "fake_engine.hpp"

#include "config/builtin.hpp"
#include "discovery/docker_discovery.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/detached.hpp>

#include <catch2/catch.hpp>

#include <prometheus/registry.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <thread>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace autoscrape::discovery;
using autoscrape::discovery::test::FakeEngine;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

const std::string kNet = "shared-network";

// Runs one client call to completion on a private io_context.
template <class T>
Result<T> run_client(const std::string& url, std::function<asio::awaitable<Result<T>>(DockerClient&)> call) {
    autoscrape::config::DockerConfig cfg;
    cfg.host = url;
    auto host = resolve_docker_host(cfg, [](const char*) -> const char* { return nullptr; });
    if (!host) return host.error();
    asio::io_context io;
    DockerClient client(io.get_executor(), host.value(), 2000ms);
    Result<T> out = Error{"not run"};
    asio::co_spawn(io, [&]() -> asio::awaitable<void> { out = co_await call(client); }, asio::detached);
    io.run_for(10s);
    return out;
}

asio::awaitable<Result<VersionInfo>> negotiate(DockerClient& c) { co_return co_await c.negotiate(); }

// DockerDiscovery on its own thread against the fake engine.
class Running {
public:
    explicit Running(const std::string& url, ServiceProfiles profiles = {})
        : work_(asio::make_work_guard(io_)), discovery_(io_, config(url), registry_, std::move(profiles)) {
        discovery_.start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~Running() {
        discovery_.stop();
        work_.reset();
        thread_.join();
    }

    static autoscrape::config::DockerConfig config(const std::string& url) {
        autoscrape::config::DockerConfig c;
        c.host = url;
        c.networks = {kNet};
        c.timeout = 2000ms;
        return c;
    }

    double counter(const std::string& name) {
        for (const auto& f : registry_.Collect()) {
            if (f.name == name && !f.metric.empty()) return f.metric.front().counter.value;
        }
        return -1;
    }

    // Polls every 5 ms, bounded; how long it took if `pred` came true.
    std::optional<std::chrono::milliseconds> wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
        const auto start = std::chrono::steady_clock::now();
        while (std::chrono::steady_clock::now() - start < timeout) {
            if (pred())
                return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
            std::this_thread::sleep_for(5ms);
        }
        return std::nullopt;
    }

    DockerDiscovery& discovery() { return discovery_; }

private:
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    prometheus::Registry registry_;
    DockerDiscovery discovery_;
    std::thread thread_;
};

constexpr const char* kApiErrors = "autoscrape_discovery_api_errors_total";
constexpr const char* kReconnects = "autoscrape_discovery_reconnects_total";

}  // namespace

TEST_CASE("A socket path that is a regular file gives a connection error naming the path") {
    char templ[] = "/tmp/asnotsock-XXXXXX";
    const int fd = ::mkstemp(templ);
    REQUIRE(fd >= 0);
    ::close(fd);
    auto r = run_client<VersionInfo>(std::string("unix://") + templ, negotiate);
    std::filesystem::remove(templ);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find(std::string("cannot connect to unix://") + templ) != std::string::npos);
}

TEST_CASE("A socket this user may not open is a permission error that says what access is needed") {
    // A bound socket is enough: the permission check comes before any listening engine.
    char dir[] = "/tmp/asperm-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/docker.sock";
    const std::string url = "unix://" + path;
    asio::io_context io;
    asio::local::stream_protocol::acceptor socket(io, asio::local::stream_protocol::endpoint(path));
    REQUIRE(::chmod(path.c_str(), 0) == 0);
    REQUIRE(::chmod(dir, 0755) == 0);
    // Root ignores file modes, so the attempt runs in a child that drops to nobody first.
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(2);
        auto r = run_client<VersionInfo>(url, negotiate);
        const std::string message = r.ok() ? "connected" : r.error().message;
        const auto written = ::write(pipe_fds[1], message.data(), message.size());
        ::_exit(written == static_cast<ssize_t>(message.size()) ? 0 : 3);
    }
    ::close(pipe_fds[1]);
    std::string message;
    char buf[512];
    for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) message.append(buf, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    socket.close();
    std::filesystem::remove_all(dir);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    CHECK(message.find("Permission denied") != std::string::npos);
    CHECK(message.find("docker group") != std::string::npos);
}

TEST_CASE("Unusable list answers keep discovery not ready and count API errors, until the engine answers correctly") {
    const auto mode = GENERATE(FakeEngine::Mode::Garbage, FakeEngine::Mode::TruncatedJson, FakeEngine::Mode::CutOff,
                               FakeEngine::Mode::NotHttp);
    FakeEngine engine;
    engine.set_networks(test::network_list_json(kNet));
    engine.set_containers(test::container_list_json(kNet, 3));
    engine.set_mode(mode);
    Running r(engine.url());
    REQUIRE(r.wait([&] { return r.counter(kApiErrors) >= 2; }, 5s));
    CHECK_FALSE(r.discovery().ready());
    CHECK(r.discovery().snapshot().empty());

    engine.set_mode(FakeEngine::Mode::Healthy);
    // Resync backoff starts at 250 ms and doubles; a few seconds cover several retries.
    CHECK(r.wait([&] { return r.discovery().ready(); }, 10s));
    CHECK(r.discovery().snapshot().size() == 3);
}

TEST_CASE("An event stream ended by the engine is reconnected and followed by a full resync") {
    FakeEngine engine;
    engine.set_networks(test::network_list_json(kNet));
    engine.set_containers(test::container_list_json(kNet, 1));
    Running r(engine.url());
    REQUIRE(r.wait([&] { return r.discovery().ready(); }, 5s));
    REQUIRE(r.discovery().snapshot().size() == 1);

    // Containers that came while the stream was down are found by the resync, not by events.
    engine.set_containers(test::container_list_json(kNet, 2));
    engine.close_event_streams();
    CHECK(r.wait([&] { return r.counter(kReconnects) >= 1; }, 5s));
    // The resync replaces the snapshot a moment before it sets ready: wait for both.
    CHECK(r.wait([&] {
        return engine.event_subscriptions() >= 2 && r.discovery().snapshot().size() == 2 && r.discovery().ready();
    }, 5s));
}

TEST_CASE("An event over the size limit drops the stream, which is reconnected and resynced") {
    FakeEngine engine;
    engine.set_networks(test::network_list_json(kNet));
    engine.set_containers(test::container_list_json(kNet, 1));
    Running r(engine.url());
    REQUIRE(r.wait([&] { return r.discovery().ready(); }, 5s));
    const double errors = r.counter(kApiErrors);

    const std::string huge(kMaxEventBytes + 1024, 'x');
    engine.push_event(R"({"Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"huge":")" + huge +
                      R"("}}})");
    CHECK(r.wait([&] { return r.counter(kReconnects) >= 1; }, 5s));
    CHECK(r.counter(kApiErrors) > errors);
    CHECK(r.wait([&] { return engine.event_subscriptions() >= 2 && r.discovery().ready(); }, 5s));
    CHECK(r.discovery().snapshot().size() == 1);
}

TEST_CASE("A container with a 1 MiB label value is left out and counted while the others are discovered") {
    FakeEngine engine;
    engine.set_networks(test::network_list_json(kNet));
    const auto list = test::container_list_json(kNet, 3, 1 << 20);  // c0 carries the huge label
    engine.set_containers(list);
    Running r(engine.url());
    REQUIRE(r.wait([&] { return r.discovery().ready(); }, 5s));
    const auto groups = r.discovery().snapshot();
    REQUIRE(groups.size() == 2);
    CHECK(groups[0].source == test::container_id(1));
    CHECK(groups[1].source == test::container_id(2));
    CHECK(r.counter(kApiErrors) >= 1);
}

TEST_CASE("10,000 containers in one list are synced in bounded time") {
    FakeEngine engine;
    engine.set_networks(test::network_list_json(kNet));
    engine.set_containers(test::container_list_json(kNet, 10'000));
    Running r(engine.url());
    auto took = r.wait([&] { return r.discovery().ready(); }, 30s);
    REQUIRE(took);
    std::cout << "initial sync of 10,000 fake containers: " << took->count() << " ms\n";
    CHECK(r.discovery().snapshot().size() == 10'000);
    CHECK(r.counter(kApiErrors) == 0);
}

TEST_CASE("A list answer over the size limit is refused with the limit in the error") {
    FakeEngine engine;
    engine.set_containers(test::container_list_json(kNet, 100));
    auto r = run_client<std::string>(engine.url(), [](DockerClient& c) -> asio::awaitable<Result<std::string>> {
        auto v = co_await c.negotiate();
        if (!v) co_return v.error();
        co_return co_await c.get("/containers/json", 4096);
    });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("larger than 4096 bytes") != std::string::npos);
}

TEST_CASE("Discovery against a path that is not a socket stays not ready and counts each failed attempt") {
    char templ[] = "/tmp/asnotsock-XXXXXX";
    const int fd = ::mkstemp(templ);
    REQUIRE(fd >= 0);
    ::close(fd);
    {
        Running r(std::string("unix://") + templ);
        CHECK(r.wait([&] { return r.counter(kApiErrors) >= 2 && r.counter(kReconnects) >= 1; }, 5s));
        CHECK_FALSE(r.discovery().ready());
        CHECK(r.discovery().snapshot().empty());
    }
    std::filesystem::remove(templ);
}

TEST_CASE("An exporter whose inspect fails stays discovered, unpaired, and the failure is counted") {
    test::FakeEngine engine;  // answers inspect with the container list: not an inspect object
    engine.set_networks(test::network_list_json(kNet));
    auto containers = test::container_list_json(kNet, 2);
    containers.replace(containers.find("autoscrape-test/busybox:latest"), 30, "prometheuscommunity/postgres-exporter");
    engine.set_containers(containers);
    Running r(engine.url(), ServiceProfiles(autoscrape::config::builtin_profiles(), {}));
    REQUIRE(r.wait([&] { return r.discovery().snapshot().size() == 2; }, 5s));
    CHECK(r.counter(kApiErrors) >= 1);
    for (const auto& g : r.discovery().snapshot()) {
        const auto& labels = g.targets.at(0).labels;
        const bool exporter = g.source == test::container_id(0);
        CHECK(labels.at("__meta_autoscrape_profile") == (exporter ? "postgres_exporter" : ""));
        CHECK_FALSE(labels.contains("__meta_autoscrape_exported_container"));
    }
}
