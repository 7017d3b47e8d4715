#include "tests/integration/generate/tools.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <unistd.h>

#include <catch2/catch.hpp>

namespace autoscrape::testing {
namespace {

std::string find_on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return {};
}

}  // namespace

ProcessResult run_tool(const std::string& tool, const std::vector<std::string>& args) {
    const std::string path = find_on_path(tool);
    if (path.empty()) {
        FAIL(tool << " not found on PATH; install Debian's "
                  << (tool == "amtool" ? "prometheus-alertmanager" : "prometheus") << " package");
    }
    std::vector<std::string> argv{path};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, std::chrono::seconds(60));
}

std::string describe(const ProcessResult& result) {
    return "exit " + std::to_string(result.exit_code) + "\nstdout:\n" + result.out + "\nstderr:\n" + result.err;
}

std::string generate_test_data(const std::string& name) {
    return std::string(AUTOSCRAPE_GENERATE_TEST_DATA) + "/" + name;
}

}  // namespace autoscrape::testing
