#include "dockerd_control.hpp"

#include "tests/integration/support/docker_fixture.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace autoscrape::testing {

namespace {

constexpr const char* kPidFile = "/var/run/docker.pid";
constexpr const char* kDockerd = "/usr/sbin/dockerd";  // absolute: no PATH search after fork

pid_t dockerd_pid() {
    std::ifstream in(kPidFile);
    pid_t pid = -1;
    if (!(in >> pid) || pid <= 1 || ::kill(pid, 0) != 0) return -1;
    return pid;
}

bool wait_for(const auto& done, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return done();
}

}  // namespace

void stop_dockerd(std::chrono::seconds timeout) {
    const pid_t pid = dockerd_pid();
    if (pid < 0) throw std::runtime_error(fmt::format("no running dockerd (pid file {})", kPidFile));
    if (::kill(pid, SIGTERM) != 0) throw std::runtime_error(fmt::format("cannot signal dockerd {}", pid));
    // dockerd is not our child, so poll for its exit rather than wait for it.
    if (!wait_for([pid] { return ::kill(pid, 0) != 0 && errno == ESRCH; }, timeout))
        throw std::runtime_error(fmt::format("dockerd {} still runs {} s after SIGTERM", pid, timeout.count()));
    if (!wait_for([] { return !docker_available(); }, timeout))
        throw std::runtime_error("the docker socket still answers after dockerd exited");
}

void start_dockerd(std::chrono::seconds timeout) {
    const pid_t child = ::fork();
    if (child < 0) throw std::runtime_error("fork failed");
    if (child == 0) {
        // Double fork: the daemon is reparented to init and never becomes our zombie.
        ::setsid();
        if (::fork() != 0) ::_exit(0);
        const int log = ::open(kDockerdLog, O_WRONLY | O_CREAT | O_APPEND, 0644);
        const int null = ::open("/dev/null", O_RDONLY);
        if (log >= 0) {
            ::dup2(log, STDOUT_FILENO);
            ::dup2(log, STDERR_FILENO);
        }
        if (null >= 0) ::dup2(null, STDIN_FILENO);
        for (int fd = 3; fd < 1024; ++fd) ::close(fd);
        ::execl(kDockerd, "dockerd", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!wait_for([] { return docker_available(); }, timeout))
        throw std::runtime_error(fmt::format("dockerd did not answer within {} s (see {})", timeout.count(), kDockerdLog));
}

DockerdRestartGuard::~DockerdRestartGuard() {
    if (docker_available()) return;
    std::cerr << "WARN: the restart test left dockerd down; starting it again\n";
    try {
        if (dockerd_pid() < 0) start_dockerd(std::chrono::seconds(60));
        else if (!wait_for([] { return docker_available(); }, std::chrono::seconds(60)))
            std::cerr << "WARN: dockerd runs but does not answer\n";
    } catch (const std::exception& e) {
        std::cerr << "WARN: " << e.what() << "\n";
    }
}

}  // namespace autoscrape::testing
