// What the generator tests share: the Prometheus tools they check output with, a temp dir that
// removes itself, and the test data folder.
#pragma once

#include <string>
#include <vector>

#include "tests/integration/support/process.hpp"

namespace autoscrape::testing {

// Runs `promtool` or `amtool` (found on PATH; a missing tool fails the test with its package
// name) with `args`, bounded to 60 s.
ProcessResult run_tool(const std::string& tool, const std::vector<std::string>& args);

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
