#include <catch2/catch.hpp>

#include <chrono>

#include "agent/remote/remote_write_stage.hpp"
#include "tests/unit/remote/queue_test_support.hpp"
#include "tests/unit/remote/test_receiver.hpp"

using namespace autoscrape;
using remote::RemoteWriteStage;
using remote::test::endpoint;
using remote::test::eventually;
using remote::test::metric;
using remote::test::TempDir;
using remote::test::TestReceiver;
using namespace std::chrono_literals;

namespace {

config::Config config_with(const TempDir& dir, std::vector<config::RemoteWriteConfig> endpoints)
{
    config::Config c;
    c.wal = storage::test::wal_config(dir);
    c.remote_write = std::move(endpoints);
    return c;
}

void append(storage::Appender& app, const std::string& name, std::int64_t t)
{
    app.append(app.series({{"__name__", name}}), t, 1);
    app.commit();
}

}  // namespace

TEST_CASE("Samples appended through the stage reach every configured endpoint")
{
    TempDir dir;
    prometheus::Registry registry;
    TestReceiver a, b;
    RemoteWriteStage stage(config_with(dir, {endpoint("a", a.url()), endpoint("b", b.url())}), registry);
    stage.start();
    auto app = stage.appender();
    for (int i = 0; i < 10; ++i) {
        append(*app, "m", 1000 + i);
    }
    CHECK(a.wait_for_samples(10, 5s));
    CHECK(b.wait_for_samples(10, 5s));
    stage.stop(1s);
}

TEST_CASE("Appenders from several threads commit concurrently")
{
    TempDir dir;
    prometheus::Registry registry;
    TestReceiver rx;
    RemoteWriteStage stage(config_with(dir, {endpoint("a", rx.url())}), registry);
    stage.start();
    std::vector<std::thread> producers;
    for (int p = 0; p < 4; ++p) {
        producers.emplace_back([&stage, p] {
            auto app = stage.appender();
            for (int i = 0; i < 50; ++i) {
                append(*app, "m" + std::to_string(p), 1000 + i);
            }
        });
    }
    for (auto& t : producers) {
        t.join();
    }
    CHECK(rx.wait_for_samples(200, 5s));
}

TEST_CASE("A reload starts added endpoints and stops removed ones")
{
    TempDir dir;
    prometheus::Registry registry;
    TestReceiver a, b;
    RemoteWriteStage stage(config_with(dir, {endpoint("a", a.url())}), registry);
    stage.start();
    auto app = stage.appender();
    append(*app, "m", 1000);
    REQUIRE(a.wait_for_samples(1, 5s));

    stage.apply(config_with(dir, {endpoint("b", b.url())}));
    append(*app, "m", 2000);
    CHECK(b.wait_for_samples(2, 5s));  // b starts from the oldest data
    std::this_thread::sleep_for(200ms);
    CHECK(a.accepted_samples() == 1);
    CHECK(metric(registry, "autoscrape_remote_storage_samples_total", "a") == -1);
}

TEST_CASE("A reload that removes an endpoint forgets its WAL position, a changed one keeps it")
{
    TempDir dir;
    prometheus::Registry registry;
    TestReceiver a, b;
    RemoteWriteStage stage(config_with(dir, {endpoint("a", a.url()), endpoint("b", b.url())}), registry);
    stage.start();
    auto app = stage.appender();
    append(*app, "m", 1000);
    REQUIRE(a.wait_for_samples(1, 5s));
    REQUIRE(b.wait_for_samples(1, 5s));
    // Acknowledgements are written once a second.
    const auto positions = dir.path() / "positions";
    REQUIRE(eventually([&] { return exists(positions / "a") && exists(positions / "b"); }, 3s));

    TestReceiver b2;
    stage.apply(config_with(dir, {endpoint("b", b2.url())}));
    CHECK_FALSE(exists(positions / "a"));
    CHECK(exists(positions / "b"));
    append(*app, "m", 2000);
    CHECK(b2.wait_for_samples(1, 5s));
}

TEST_CASE("A reload that changes an endpoint restarts it from its acknowledged position")
{
    TempDir dir;
    prometheus::Registry registry;
    TestReceiver old_rx, new_rx;
    RemoteWriteStage stage(config_with(dir, {endpoint("a", old_rx.url())}), registry);
    stage.start();
    auto app = stage.appender();
    append(*app, "m", 1000);
    REQUIRE(old_rx.wait_for_samples(1, 5s));
    // The acknowledgement is written once a second.
    REQUIRE(eventually([&] { return std::filesystem::exists(dir.path() / "positions" / "a"); }, 3s));
    std::this_thread::sleep_for(1100ms);

    stage.apply(config_with(dir, {endpoint("a", new_rx.url())}));
    append(*app, "m", 2000);
    REQUIRE(new_rx.wait_for_samples(1, 5s));
    std::this_thread::sleep_for(200ms);
    CHECK(new_rx.accepted_samples() == 1);
    CHECK(new_rx.received().at(0).request.timeseries(0).samples(0).timestamp() == 2000);
}

TEST_CASE("A reload with an invalid endpoint changes nothing and throws")
{
    TempDir dir;
    prometheus::Registry registry;
    TestReceiver rx;
    RemoteWriteStage stage(config_with(dir, {endpoint("a", rx.url())}), registry);
    stage.start();
    CHECK_THROWS_AS(stage.apply(config_with(dir, {endpoint("b", "gopher://x")})), std::invalid_argument);
    auto app = stage.appender();
    append(*app, "m", 1000);
    CHECK(rx.wait_for_samples(1, 5s));
}
