// Child processes for integration tests: run a command to completion with its output captured, or
// start a long-running one (the agent) and signal, wait for or kill it. Every wait is bounded.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace autoscrape::testing {

struct ProcessResult {
    int exit_code = -1;  // -1 when killed by a signal
    int signal = 0;
    std::string out;
    std::string err;
};

// Runs argv[0] (a path) with the given arguments and environment additions ("NAME=value").
ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::vector<std::string>& extra_env = {});

// A started child whose stdout and stderr go to files (read them with out()/err()).
class ChildProcess {
public:
    explicit ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {});
    ~ChildProcess();  // SIGKILLs the child if it still runs
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int signo) const;
    // Waits up to `timeout`; the result once it exited, nullopt while it still runs.
    std::optional<ProcessResult> wait_for(std::chrono::milliseconds timeout);
    std::string out() const;
    std::string err() const;

private:
    pid_t pid_ = -1;
    std::string dir_;
    std::optional<ProcessResult> result_;
};

// The autoscrape binary under test: $AUTOSCRAPE_BIN, else the path meson built it at.
std::string autoscrape_binary();

// A fresh temp directory, removed by the caller with remove_tree.
std::string make_temp_dir();
void remove_tree(const std::string& path);
void write_file(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);

}  // namespace autoscrape::testing
