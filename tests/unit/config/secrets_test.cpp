#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "config/dump.hpp"
#include "helpers.hpp"

using namespace autoscrape::config;
using autoscrape::config::test::data_path;
using autoscrape::config::test::errors_of;

namespace {

// A file with `content` under /tmp, removed when the test ends.
struct TempFile {
    explicit TempFile(const std::string& content) {
        char name[] = "/tmp/autoscrape-secret-XXXXXX";
        const int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        ::close(fd);
        path = name;
        std::ofstream(path) << content;
    }
    ~TempFile() { std::remove(path.c_str()); }
    std::string path;
};

const char* const kSecret = "hunter2-very-secret";

}  // namespace

TEST_CASE("A _file secret is read at load time with trailing newlines trimmed", "[secrets]") {
    const TempFile file(std::string(kSecret) + "\n\n");
    const auto c = load_config_string(
        "remote_write:\n  - url: http://vm/x\n    basic_auth: {username: u, password_file: '" + file.path + "'}\n",
        "test.yaml");
    CHECK(c.remote_write[0].basic_auth->password.reveal() == kSecret);
}

TEST_CASE("An unreadable _file secret names the field and the path", "[secrets]") {
    CHECK(errors_of("remote_write:\n  - url: http://vm/x\n    authorization: {credentials_file: /nonexistent/token}\n") ==
          "test.yaml:3:39: remote_write[0].authorization.credentials_file: cannot read '/nonexistent/token': No such "
          "file or directory");
    CHECK(errors_of("generate:\n  alertmanager:\n    pagerduty: {routing_key_file: /tmp}\n") ==
          "test.yaml:3:35: generate.alertmanager.pagerduty.routing_key_file: cannot read '/tmp': not a regular file");
}

TEST_CASE("Setting both a secret and its _file is a conflict", "[secrets]") {
    CHECK(errors_of("generate:\n  alertmanager:\n    slack: {api_url: x, api_url_file: /y}\n") ==
          "test.yaml:3:39: generate.alertmanager.slack.api_url_file: set either 'api_url' or 'api_url_file', not "
          "both");
}

TEST_CASE("A secret pair with neither set is reported as missing", "[secrets]") {
    CHECK(errors_of("remote_write:\n  - url: http://vm/x\n    basic_auth: {username: u}\n") ==
          "test.yaml:3:17: remote_write[0].basic_auth: missing 'password' or 'password_file'");
}

TEST_CASE("Secrets never appear in a dump", "[secrets]") {
    const TempFile file(kSecret);
    ::setenv("AUTOSCRAPE_TEST_SECRET", kSecret, 1);
    const auto c = load_config_string(
        "remote_write:\n"
        "  - url: http://vm/x\n"
        "    basic_auth: {username: u, password: '${AUTOSCRAPE_TEST_SECRET}'}\n"
        "  - url: http://vm2/x\n"
        "    authorization: {credentials_file: '" + file.path + "'}\n"
        "generate:\n  alertmanager:\n    slack: {api_url: '" + kSecret + "'}\n    pagerduty: {routing_key: '" +
            kSecret + "'}\n",
        "test.yaml");
    const auto text = dump_config(c);
    CHECK(text.find(kSecret) == std::string::npos);
    CHECK(text.find("password: <secret>") != std::string::npos);
    CHECK(text.find("credentials: <secret>") != std::string::npos);
    CHECK(text.find("api_url: <secret>") != std::string::npos);
    CHECK(text.find("routing_key: <secret>") != std::string::npos);
}

TEST_CASE("Secrets never appear in error messages", "[secrets]") {
    const TempFile file(kSecret);
    ::setenv("AUTOSCRAPE_TEST_SECRET", kSecret, 1);
    const std::string yaml =
        "remote_write:\n"
        "  - url: 'http://user:" + std::string(kSecret) + "@vm/x'\n"
        "    basic_auth: {username: '', password: '${AUTOSCRAPE_TEST_SECRET}'}\n"
        "    authorization: {credentials_file: '" + file.path + "', credentials: [" + kSecret + "]}\n"
        "generate:\n  alertmanager:\n    slack: {api_url: {" + kSecret + ": 1}}\n";
    const auto text = errors_of(yaml);
    REQUIRE_FALSE(text.empty());
    CHECK(text.find(kSecret) == std::string::npos);
    CHECK(text.find("must not contain credentials") != std::string::npos);
}
