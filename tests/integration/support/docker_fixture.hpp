// Docker objects for integration tests: a tiny busybox image built from Debian's busybox-static,
// and uniquely named networks and containers labelled autoscrape.test=1 that the fixture removes
// in its destructor. Drives the docker CLI with bounded waits; throws when a command fails.
#pragma once

#include <string>
#include <vector>

namespace autoscrape::testing {

inline constexpr const char* kBusyboxImage = "autoscrape-test/busybox:latest";

// Imports kBusyboxImage from /bin/busybox unless it exists (idempotent, shared by all areas).
void ensure_busybox_image();

// True when `docker info` works, so tests can say why they cannot run.
bool docker_available();

class DockerFixture {
public:
    DockerFixture();
    ~DockerFixture();
    DockerFixture(const DockerFixture&) = delete;
    DockerFixture& operator=(const DockerFixture&) = delete;

    // Runs `docker args...`, returns trimmed stdout; throws with stderr on failure.
    std::string docker(const std::vector<std::string>& args);

    // A unique name with this fixture's prefix (astest-<pid>-<n>-suffix).
    std::string unique(const std::string& suffix);

    // Creates a bridge network, returns its name.
    std::string create_network(const std::string& suffix);

    // `docker run -d` of kBusyboxImage running `sleep 600`; returns the full container id.
    std::string run_container(const std::string& name, const std::vector<std::string>& options);

private:
    std::string prefix_;
    int counter_ = 0;
    std::vector<std::string> containers_;
    std::vector<std::string> networks_;
};

}  // namespace autoscrape::testing
