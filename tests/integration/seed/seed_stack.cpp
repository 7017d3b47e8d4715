#include "tests/integration/seed/seed_stack.hpp"

#include <csignal>
#include <cstdlib>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include "tests/integration/support/http_get.hpp"

namespace autoscrape::testing {

namespace {

using namespace std::chrono_literals;

// The first debootstrap downloads and installs about 200 packages; later runs find the image.
constexpr auto kBuildTimeout = std::chrono::minutes(30);
// The script's own readiness wait is 60 s; this adds room for starting nine containers.
constexpr auto kUpTimeout = 120s;
constexpr auto kDownTimeout = 60s;

std::string seed_script() {
    const char* root = std::getenv("AUTOSCRAPE_ROOT");
    return std::string(root != nullptr && *root != '\0' ? root : AUTOSCRAPE_SOURCE_ROOT) + "/tests/lib/seed_stack.sh";
}

void run_script(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    std::vector<std::string> argv{"/bin/bash", seed_script()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_process(argv, timeout);
    if (r.exit_code != 0) {
        std::string cmd;
        for (const auto& a : args) cmd += " " + a;
        throw std::runtime_error(fmt::format("seed_stack.sh{} failed (exit {}, signal {}):\n{}{}", cmd, r.exit_code,
                                             r.signal, r.err, r.out));
    }
}

}  // namespace

SeedRunGuard::~SeedRunGuard() {
    try {
        run_script({"down", suffix_}, kDownTimeout);
    } catch (const std::exception& e) {
        fmt::print(stderr, "seed stack cleanup: {}\n", e.what());
    }
}

SeedStack::SeedStack()
    : suffix_(fmt::format("seed{}", ::getpid())), network_(docker_.create_network("seed")), guard_(suffix_) {
    run_script({"build"}, kBuildTimeout);
    run_script({"up", network_, suffix_}, kUpTimeout);
}

std::string SeedStack::ip(const std::string& service) {
    return docker_.docker(
        {"inspect", "--format", fmt::format("{{{{(index .NetworkSettings.Networks \"{}\").IPAddress}}}}", network_),
         name(service)});
}

SeedAgent::SeedAgent(const std::string& network, const std::string& remote_write_url)
    : dir_(make_temp_dir()), port_(free_port()) {
    write_file(dir_ + "/autoscrape.yml", fmt::format("docker:\n  networks: [{}]\n"
                                                     "web:\n  listen_address: 127.0.0.1:{}\n"
                                                     "remote_write:\n  - url: {}\n"
                                                     "wal:\n  dir: {}/wal\n",
                                                     network, port_, remote_write_url, dir_));
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{autoscrape_binary(), "run", "--config.file=" + dir_ + "/autoscrape.yml"});
    ready_ = wait_for_status("127.0.0.1", port_, "/-/ready", 200, 60s);
}

SeedAgent::~SeedAgent() {
    process_->signal(SIGTERM);
    if (!process_->wait_for(20s)) process_->signal(SIGKILL);
    process_->wait_for(5s);
    remove_tree(dir_);
}

}  // namespace autoscrape::testing
