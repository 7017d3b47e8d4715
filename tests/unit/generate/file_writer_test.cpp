// The atomic file-set writer: creation, no rewrite of unchanged content, replacement by rename,
// and failures that leave the previous files intact and no temp files behind.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

#include "tests/unit/generate/temp_dir.hpp"
#include "agent/generate/file_writer.hpp"

using namespace autoscrape::generate;
namespace fs = std::filesystem;

using autoscrape::generate::testing::slurp;
using autoscrape::generate::testing::TempDir;

namespace {

struct stat stat_of(const fs::path& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st;
}

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

TEST_CASE("write_files creates the files and their directories with mode 0644") {
    TempDir dir;
    const auto result = write_files(dir.path / "out", {{"prometheus.yml", "a: 1\n"}, {"file_sd/web.json", "[]\n"}});
    CHECK(result.written == std::vector<std::string>{"prometheus.yml", "file_sd/web.json"});
    CHECK(result.unchanged.empty());
    CHECK(slurp(dir.path / "out/prometheus.yml") == "a: 1\n");
    CHECK(slurp(dir.path / "out/file_sd/web.json") == "[]\n");
    CHECK((stat_of(dir.path / "out/prometheus.yml").st_mode & 0777) == 0644);
}

TEST_CASE("a file that holds an inline secret is written 0640, not world-readable") {
    TempDir dir;
    write_files(dir.path, {{"alertmanager/alertmanager.yml", "api_url: https://hooks.example/x\n", true}});
    CHECK((stat_of(dir.path / "alertmanager/alertmanager.yml").st_mode & 0777) == 0640);
}

TEST_CASE("write_files leaves a file with unchanged content alone: same inode, same mtime") {
    TempDir dir;
    write_files(dir.path, {{"prometheus.yml", "a: 1\n"}});
    const auto before = stat_of(dir.path / "prometheus.yml");
    const auto result = write_files(dir.path, {{"prometheus.yml", "a: 1\n"}});
    const auto after = stat_of(dir.path / "prometheus.yml");
    CHECK(result.written.empty());
    CHECK(result.unchanged == std::vector<std::string>{"prometheus.yml"});
    CHECK(after.st_ino == before.st_ino);
    CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
    CHECK(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
}

TEST_CASE("write_files replaces changed content by rename, leaving no temp file") {
    TempDir dir;
    write_files(dir.path, {{"prometheus.yml", "a: 1\n"}});
    const auto before = stat_of(dir.path / "prometheus.yml");
    const auto result = write_files(dir.path, {{"prometheus.yml", "a: 2\n"}});
    CHECK(result.written == std::vector<std::string>{"prometheus.yml"});
    CHECK(slurp(dir.path / "prometheus.yml") == "a: 2\n");
    CHECK(stat_of(dir.path / "prometheus.yml").st_ino != before.st_ino);
    CHECK(names_in(dir.path) == std::vector<std::string>{"prometheus.yml"});
}

TEST_CASE("a file that cannot be written names its path and the error, and nothing is replaced") {
    TempDir dir;
    write_files(dir.path, {{"prometheus.yml", "old\n"}, {"rules/alert_rules.yml", "old rules\n"}});
    // A regular file where the writer needs a directory: fails even for root, unlike chmod.
    std::ofstream(dir.path / "file_sd") << "not a directory";
    try {
        write_files(dir.path, {{"prometheus.yml", "new\n"}, {"rules/alert_rules.yml", "new rules\n"},
                               {"file_sd/web.json", "[]\n"}});
        FAIL("write_files did not throw");
    } catch (const WriteError& e) {
        const std::string what = e.what();
        CHECK_THAT(what, Catch::Contains((dir.path / "file_sd").string()));
        CHECK_THAT(what, Catch::Contains("exists") || Catch::Contains("Not a directory"));
    }
    CHECK(slurp(dir.path / "prometheus.yml") == "old\n");
    CHECK(slurp(dir.path / "rules/alert_rules.yml") == "old rules\n");
    CHECK(names_in(dir.path) == std::vector<std::string>{"file_sd", "prometheus.yml", "rules"});
    CHECK(names_in(dir.path / "rules") == std::vector<std::string>{"alert_rules.yml"});
}

TEST_CASE("an output dir below a regular file is an error naming the path") {
    TempDir dir;
    std::ofstream(dir.path / "plain") << "x";
    CHECK_THROWS_WITH(write_files(dir.path / "plain/out", {{"prometheus.yml", "a\n"}}),
                      Catch::Contains((dir.path / "plain/out").string()));
}

TEST_CASE("relative paths that are absolute, empty or climb out are refused before anything is written") {
    TempDir dir;
    CHECK_THROWS_AS(write_files(dir.path, {{"ok.yml", "a"}, {"../escape.yml", "a"}}), std::invalid_argument);
    CHECK_THROWS_AS(write_files(dir.path, {{"/etc/escape.yml", "a"}}), std::invalid_argument);
    CHECK_THROWS_AS(write_files(dir.path, {{"", "a"}}), std::invalid_argument);
    CHECK(names_in(dir.path).empty());
}

TEST_CASE("remove_other_files removes only the stale files with the extension") {
    TempDir dir;
    write_files(dir.path, {{"web.json", "[]"}, {"gone.json", "[]"}, {"notes.txt", "x"}});
    CHECK(remove_other_files(dir.path, ".json", {"web.json"}) == std::vector<std::string>{"gone.json"});
    CHECK(names_in(dir.path) == std::vector<std::string>{"notes.txt", "web.json"});
    CHECK(remove_other_files(dir.path / "missing", ".json", {}).empty());
}
