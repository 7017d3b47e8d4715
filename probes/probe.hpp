// The probers (tcp, http, postgres, bolt) behind one small interface, and run_probe, which gives a
// probe its module's deadline and the gauges blackbox_exporter's handler adds to every answer
// (probe_success, probe_duration_seconds).
//
// Probes are coroutines on the caller's executor: nothing blocks a thread, and the deadline is
// enforced by the sockets' own expiry (Beast closes a socket whose deadline passed), so a hung
// peer costs a timer, not a thread.
#pragma once

#include "config/config.hpp"
#include "probes/dial.hpp"
#include "probes/probe_result.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <string>

namespace autoscrape::probes {

class Probe {
public:
    virtual ~Probe() = default;
    // Probes `target` until `deadline`, recording into `result`; true on success. Never throws.
    // The caller keeps the Probe alive until the coroutine finishes.
    virtual boost::asio::awaitable<bool> run(std::string target, Clock::time_point deadline, ProbeResult& result) = 0;
};

// The prober for a module. Regexes are compiled here; an invalid one makes every run fail with
// the reason in ProbeResult::error (config validation should have caught it first).
std::unique_ptr<Probe> make_probe(const config::ProbeModule& module);

// Runs `module` against `target` under module.timeout and adds probe_success and
// probe_duration_seconds.
boost::asio::awaitable<ProbeResult> run_probe(config::ProbeModule module, std::string target);

// The same for callers outside coroutines: spawns on `executor` (use a strand when several
// threads run the io_context) and calls `on_done` there with the result.
void spawn_probe(boost::asio::any_io_executor executor, config::ProbeModule module, std::string target,
                 std::function<void(ProbeResult)> on_done);

}  // namespace autoscrape::probes
