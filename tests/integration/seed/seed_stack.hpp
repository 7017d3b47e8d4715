// The emulated seed stack on a network of its own, and the agent watching that network with zero
// config apart from where to listen and write. tests/lib/seed_stack.sh builds the images and runs
// the containers; this side owns their lifetime: whatever the test does, the destructors remove
// the containers, the upstream tags and the network (only this run's objects).
#pragma once

#include <memory>
#include <string>

#include "tests/integration/support/docker_fixture.hpp"
#include "tests/integration/support/process.hpp"

namespace autoscrape::testing {

// `seed_stack.sh down SUFFIX` on destruction: removes the run's containers, then the tags.
class SeedRunGuard {
public:
    explicit SeedRunGuard(std::string suffix) : suffix_(std::move(suffix)) {}
    ~SeedRunGuard();
    SeedRunGuard(const SeedRunGuard&) = delete;
    SeedRunGuard& operator=(const SeedRunGuard&) = delete;

private:
    std::string suffix_;
};

class SeedStack {
public:
    // Builds the images if needed (minutes the first time), then runs the stack until it answers.
    SeedStack();

    const std::string& network() const { return network_; }
    // A seed container's name in this run: postgre -> postgre-seed<pid>.
    std::string name(const std::string& service) const { return service + "-" + suffix_; }
    const std::string& suffix() const { return suffix_; }
    // The container's IP on the stack's network.
    std::string ip(const std::string& service);

private:
    DockerFixture docker_;
    std::string suffix_;
    std::string network_;
    SeedRunGuard guard_;
};

// `autoscrape run` on a config naming only the network, a free loopback web port, the
// remote-write URL and a temp WAL dir; stopped with SIGTERM and its dir removed on destruction.
class SeedAgent {
public:
    SeedAgent(const std::string& network, const std::string& remote_write_url);
    ~SeedAgent();
    SeedAgent(const SeedAgent&) = delete;
    SeedAgent& operator=(const SeedAgent&) = delete;

    // Whether /-/ready answered 200 within 60 s of the start.
    bool ready() const { return ready_; }
    unsigned short port() const { return port_; }
    std::string logs() const { return process_->err() + process_->out(); }

private:
    std::string dir_;
    unsigned short port_;
    bool ready_ = false;
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace autoscrape::testing
