// Real remote-write receivers for the integration tests: VictoriaMetrics and Prometheus processes
// this test starts (and can stop and restart on the same port and data directory), or the ones
// tests/run_all.sh started (AUTOSCRAPE_TEST_VM_URL / AUTOSCRAPE_TEST_PROMETHEUS_URL); and instant
// queries against their Prometheus-compatible API.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tests/integration/support/http_get.hpp"
#include "tests/integration/support/process.hpp"

namespace autoscrape::testing {

class Receiver {
public:
    enum class Kind { VictoriaMetrics, Prometheus };

    // Uses the service from `env_var` when it is set and non-empty, else starts its own.
    static std::unique_ptr<Receiver> shared(Kind kind, const char* env_var);
    // Always its own process on a fresh port and data directory; not started until start().
    explicit Receiver(Kind kind);
    ~Receiver();
    Receiver(const Receiver&) = delete;
    Receiver& operator=(const Receiver&) = delete;

    // Starts (again, same port and data) and waits until it is ready (bounded, 30 s).
    void start();
    // SIGTERM and wait (bounded); the data directory stays.
    void stop();

    std::string write_url() const { return base_ + "/api/v1/write"; }

    // For a failed check: whether the process this test started still runs, and its stderr's tail.
    std::string describe();

    // The single value of an instant query (at `at_ms` when given, else now), or nullopt when the
    // result is empty or an error.
    std::optional<double> query(const std::string& promql, std::optional<std::int64_t> at_ms = {}) const;

    // Polls query() every 250 ms until it equals `want` or `timeout` passed; the last value seen.
    std::optional<double> wait_for_value(const std::string& promql, double want, std::chrono::milliseconds timeout,
                                         std::optional<std::int64_t> at_ms = {}) const;

private:
    Receiver(Kind kind, std::string base);

    Kind kind_;
    std::string base_;
    std::string host_ = "127.0.0.1";
    unsigned short port_ = 0;
    std::string dir_;
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace autoscrape::testing
