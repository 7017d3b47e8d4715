#include "tests/integration/support/docker_fixture.hpp"

#include "tests/integration/support/process.hpp"

#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>

#include <unistd.h>

namespace autoscrape::testing {

namespace {

constexpr auto kDockerTimeout = std::chrono::seconds(60);
const std::string kDocker = "/usr/bin/docker";

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

ProcessResult docker_cmd(std::vector<std::string> args) {
    args.insert(args.begin(), kDocker);
    return run_process(args, kDockerTimeout);
}

}  // namespace

bool docker_available() { return docker_cmd({"info", "--format", "{{.ServerVersion}}"}).exit_code == 0; }

void ensure_busybox_image() {
    if (docker_cmd({"image", "inspect", kBusyboxImage}).exit_code == 0) return;
    const std::string root = make_temp_dir();
    namespace fs = std::filesystem;
    for (const char* dir : {"bin", "tmp", "etc", "proc", "sys", "dev", "var/www"}) fs::create_directories(fs::path(root) / dir);
    fs::copy_file("/bin/busybox", fs::path(root) / "bin/busybox");
    for (const char* applet : {"sh", "sleep", "httpd", "nc", "cat", "echo", "ls", "wget"})
        fs::create_symlink("busybox", fs::path(root) / "bin" / applet);
    auto r = run_process({"/bin/sh", "-c",
                          fmt::format("tar -C '{}' -c . | {} import -c 'CMD [\"/bin/sh\"]' - {}", root, kDocker,
                                      kBusyboxImage)},
                         kDockerTimeout);
    remove_tree(root);
    // Another test binary may have imported it concurrently; what matters is that it exists now.
    if (r.exit_code != 0 && docker_cmd({"image", "inspect", kBusyboxImage}).exit_code != 0)
        throw std::runtime_error("cannot import " + std::string(kBusyboxImage) + ": " + r.err);
}

DockerFixture::DockerFixture() {
    static std::atomic<int> instances{0};
    prefix_ = fmt::format("astest-{}-{}", ::getpid(), instances++);
    ensure_busybox_image();
}

DockerFixture::~DockerFixture() {
    for (auto it = containers_.rbegin(); it != containers_.rend(); ++it) docker_cmd({"rm", "-f", *it});
    for (auto it = networks_.rbegin(); it != networks_.rend(); ++it) docker_cmd({"network", "rm", *it});
}

std::string DockerFixture::docker(const std::vector<std::string>& args) {
    auto r = docker_cmd(args);
    if (r.exit_code != 0) {
        std::string cmd;
        for (const auto& a : args) cmd += " " + a;
        throw std::runtime_error(fmt::format("docker{} failed: {}", cmd, r.err));
    }
    return trim(r.out);
}

std::string DockerFixture::unique(const std::string& suffix) { return fmt::format("{}-{}-{}", prefix_, counter_++, suffix); }

std::string DockerFixture::create_network(const std::string& suffix) {
    const auto name = unique(suffix);
    docker({"network", "create", "--label", "autoscrape.test=1", name});
    networks_.push_back(name);
    return name;
}

std::string DockerFixture::run_container(const std::string& name, const std::vector<std::string>& options) {
    std::vector<std::string> args{"run", "-d", "--name", name, "--label", "autoscrape.test=1"};
    args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(), {kBusyboxImage, "sleep", "600"});
    containers_.push_back(name);  // removed by name if the run half-failed; by id once we have it
    containers_.back() = docker(args);
    return containers_.back();
}

}  // namespace autoscrape::testing
