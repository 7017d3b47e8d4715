// What the generator tests share: the Prometheus tools they check output with, a temp dir that
// removes itself, and the test data folder.
#pragma once

#include <string>
#include <vector>

#include "tests/integration/support/http_get.hpp"
#include "tests/integration/support/process.hpp"

namespace autoscrape::testing {

// The path of `tool` on PATH; a missing tool fails the test, naming the Debian package to install.
std::string find_tool(const std::string& tool);

// Runs `promtool` or `amtool` with `args`, bounded to 60 s.
ProcessResult run_tool(const std::string& tool, const std::vector<std::string>& args);

// A TCP port on 127.0.0.1 that nothing listened on a moment ago.
unsigned short free_loopback_port();

// POST `body` as application/json to 127.0.0.1:port (Alertmanager's API refuses other types).
HttpReply post_json(unsigned short port, const std::string& target, const std::string& body);

// A tool's exit code and output, for a failed REQUIRE to show what the tool said.
std::string describe(const ProcessResult& result);

// tests/data/generate/<name>
std::string generate_test_data(const std::string& name);

struct TempDir {
    std::string path = make_temp_dir();
    TempDir() = default;
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() { remove_tree(path); }
    std::string file(const std::string& name) const { return path + "/" + name; }
};

}  // namespace autoscrape::testing
