// Stopping and starting this machine's dockerd from a test, for the restart-survival test.
//
// The engine here was started by hand (no systemd): its pid is in /var/run/docker.pid and it runs
// with the defaults. A test that stops it must bring it back even when it fails half-way, because
// every later test executable needs it: DockerdRestartGuard does that in its destructor.
#pragma once

#include <chrono>
#include <string>

namespace autoscrape::testing {

// SIGTERMs the running dockerd and waits (bounded) until it has exited and the socket no longer
// answers. Throws if there is no dockerd or it does not go away in time.
void stop_dockerd(std::chrono::seconds timeout);

// Starts `dockerd` detached (its own session, so it outlives the test; output appended to
// kDockerdLog) and waits until `docker info` answers. Throws on timeout.
void start_dockerd(std::chrono::seconds timeout);

inline constexpr const char* kDockerdLog = "/tmp/dockerd-restart-test.log";

// Restarts dockerd on scope exit if the test left it down.
class DockerdRestartGuard {
public:
    DockerdRestartGuard() = default;
    ~DockerdRestartGuard();
    DockerdRestartGuard(const DockerdRestartGuard&) = delete;
    DockerdRestartGuard& operator=(const DockerdRestartGuard&) = delete;
};

}  // namespace autoscrape::testing
