// The autoscrape binary as users and service managers meet it: exit codes, check-config messages,
// the self server, reload by SIGHUP and POST /-/reload with good and bad configs, clean shutdown.
#include <csignal>
#include <regex>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/integration/support/http_get.hpp"
#include "tests/integration/support/process.hpp"

using namespace autoscrape::testing;
using namespace std::chrono_literals;

namespace {

ProcessResult run_cli(std::vector<std::string> args) {
    args.insert(args.begin(), autoscrape_binary());
    return run_process(args, 30s);
}

// A temp dir with a config file in it; removed at the end of the test.
struct ConfigDir {
    std::string dir = make_temp_dir();
    std::string path = dir + "/autoscrape.yml";
    explicit ConfigDir(const std::string& yaml) { write_file(path, yaml); }
    ~ConfigDir() { remove_tree(dir); }
    void write(const std::string& yaml) const { write_file(path, yaml); }
};

std::string valid_config(const std::string& dir) {
    return "global:\n  scrape_interval: 30s\nwal:\n  dir: " + dir + "/wal\nremote_write: []\n";
}

// The agent started on an ephemeral port; the port is read from its start-up log line.
struct RunningAgent {
    ChildProcess process;
    unsigned short port = 0;

    explicit RunningAgent(const std::string& config_path, std::vector<std::string> extra = {})
        : process([&] {
              std::vector<std::string> argv{autoscrape_binary(), "run", "--config.file=" + config_path,
                                            "--web.listen-address=127.0.0.1:0"};
              argv.insert(argv.end(), extra.begin(), extra.end());
              return argv;
          }()) {
        const std::regex listening(R"(listening on 127\.0\.0\.1:([0-9]+))");
        for (int i = 0; i < 200 && port == 0; ++i) {
            std::smatch match;
            const std::string err = process.err();
            if (std::regex_search(err, match, listening)) port = static_cast<unsigned short>(std::stoi(match[1]));
            else std::this_thread::sleep_for(25ms);
        }
        REQUIRE(port != 0);
    }

    HttpReply get(const std::string& target) const { return http_request("GET", "127.0.0.1", port, target); }

    // Polls /metrics until the reload gauge reads `value` (bounded).
    bool reload_gauge_is(int value) const {
        const std::string line = "autoscrape_config_last_reload_successful " + std::to_string(value);
        for (int i = 0; i < 100; ++i) {
            if (get("/metrics").body.find(line) != std::string::npos) return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }
};

}  // namespace

TEST_CASE("version prints the version and exits 0") {
    const auto result = run_cli({"version"});
    CHECK(result.exit_code == 0);
    CHECK_THAT(result.out, Catch::StartsWith("autoscrape, version "));
}

TEST_CASE("no command prints the usage and exits 2") {
    const auto result = run_cli({});
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.err, Catch::Contains("usage: autoscrape COMMAND"));
}

TEST_CASE("an unknown command exits 2 and names the command") {
    const auto result = run_cli({"frobnicate"});
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.err, Catch::Contains("unknown command 'frobnicate'"));
}

TEST_CASE("an unknown flag exits 2 and names the flag") {
    const auto result = run_cli({"run", "--scrape.interval=5s"});
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.err, Catch::Contains("unknown argument '--scrape.interval=5s'"));
}

TEST_CASE("every command answers --help with exit 0") {
    for (const char* command : {"run", "check-config", "discover", "generate", "version"}) {
        const auto result = run_cli({command, "--help"});
        INFO(command);
        CHECK(result.exit_code == 0);
        CHECK_THAT(result.out, Catch::StartsWith(std::string("usage: autoscrape ") + command));
    }
}

TEST_CASE("check-config accepts a valid file with exit 0") {
    ConfigDir config("");
    config.write(valid_config(config.dir));
    const auto result = run_cli({"check-config", "--config.file", config.path});
    CHECK(result.exit_code == 0);
    CHECK_THAT(result.out, Catch::Contains("SUCCESS: " + config.path + " is valid"));
}

TEST_CASE("check-config rejects an unknown field with its position and a hint, exit 2") {
    ConfigDir config("global:\n  scrape_intervall: 15s\n");
    const auto result = run_cli({"check-config", "--config.file=" + config.path});
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.err, Catch::Contains(config.path + ":2:3: unknown field 'scrape_intervall' in global; "
                                                         "did you mean 'scrape_interval'?"));
}

TEST_CASE("check-config on a missing file exits 2 and names the file") {
    const auto result = run_cli({"check-config", "--config.file=/nonexistent/autoscrape.yml"});
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.err, Catch::Contains("/nonexistent/autoscrape.yml"));
}

TEST_CASE("check-config --print shows the effective config with secrets redacted") {
    ConfigDir config("remote_write:\n  - url: http://127.0.0.1:1/api/v1/write\n    basic_auth:\n"
                     "      username: agent\n      password: hunter2-very-secret\n");
    const auto result = run_cli({"check-config", "--print", "--config.file=" + config.path});
    CHECK(result.exit_code == 0);
    CHECK_THAT(result.out, Catch::Contains("scrape_interval"));
    CHECK_THAT(result.out, Catch::Contains("<secret>"));
    CHECK(result.out.find("hunter2") == std::string::npos);
}

TEST_CASE("generate without --output-dir is a usage error") {
    const auto result = run_cli({"generate"});
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.err, Catch::Contains("--output-dir is required"));
}

TEST_CASE("run with an invalid config exits 2 before starting anything") {
    ConfigDir config("web:\n  listen_address: 127.0.0.1:0\nlog:\n  level: loud\n");
    const auto result = run_cli({"run", "--config.file=" + config.path});
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.err, Catch::Contains(config.path + ":4:10:"));
}

TEST_CASE("run exits 1 when the listen address is taken") {
    ConfigDir config("");
    config.write(valid_config(config.dir));
    RunningAgent first(config.path);
    const auto result = run_cli({"run", "--config.file=" + config.path,
                                    "--web.listen-address=127.0.0.1:" + std::to_string(first.port)});
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.err, Catch::Contains("127.0.0.1:" + std::to_string(first.port)));
}

TEST_CASE("run serves health, readiness and self metrics, and stops cleanly on SIGTERM") {
    ConfigDir config("");
    config.write(valid_config(config.dir));
    RunningAgent agent(config.path);
    CHECK(agent.get("/-/healthy").status == 200);
    const auto metrics = agent.get("/metrics");
    CHECK(metrics.status == 200);
    CHECK_THAT(metrics.body, Catch::Contains("autoscrape_build_info{"));
    CHECK_THAT(metrics.body, Catch::Contains("process_resident_memory_bytes "));
    CHECK(agent.reload_gauge_is(1));
    agent.process.signal(SIGTERM);
    const auto result = agent.process.wait_for(10s);
    REQUIRE(result);
    CHECK(result->exit_code == 0);
    CHECK_THAT(result->err, Catch::Contains("shutting down"));
}

TEST_CASE("SIGHUP with a bad config keeps the old one running and says so in the reload gauge") {
    ConfigDir config("");
    config.write(valid_config(config.dir));
    RunningAgent agent(config.path);
    REQUIRE(agent.reload_gauge_is(1));

    config.write("global:\n  scrape_interval: soon\n");
    agent.process.signal(SIGHUP);
    CHECK(agent.reload_gauge_is(0));
    CHECK(agent.get("/-/healthy").status == 200);
    CHECK_THAT(agent.process.err(), Catch::Contains("keeping the running config"));

    config.write(valid_config(config.dir));
    agent.process.signal(SIGHUP);
    CHECK(agent.reload_gauge_is(1));
}

TEST_CASE("POST /-/reload answers 500 with the config error, then 200 once the file is fixed") {
    ConfigDir config("");
    config.write(valid_config(config.dir));
    RunningAgent agent(config.path);

    config.write("global:\n  scrape_timeout: 1m\n  scrape_interval: 15s\n");
    const auto failed = http_request("POST", "127.0.0.1", agent.port, "/-/reload");
    CHECK(failed.status == 500);
    CHECK_THAT(failed.body, Catch::Contains(config.path + ":"));
    CHECK(agent.reload_gauge_is(0));

    config.write(valid_config(config.dir));
    CHECK(http_request("POST", "127.0.0.1", agent.port, "/-/reload").status == 200);
    CHECK(agent.reload_gauge_is(1));
}

TEST_CASE("--log.format=json writes one JSON object per log line") {
    ConfigDir config("");
    config.write(valid_config(config.dir));
    RunningAgent agent(config.path, {"--log.format=json"});
    agent.process.signal(SIGTERM);
    const auto result = agent.process.wait_for(10s);
    REQUIRE(result);
    std::istringstream lines(result->err);
    int count = 0;
    for (std::string line; std::getline(lines, line); ++count) {
        CHECK_THAT(line, Catch::StartsWith("{\"ts\":\""));
        CHECK_THAT(line, Catch::EndsWith("}"));
        CHECK_THAT(line, Catch::Contains("\"level\":\"info\""));
    }
    CHECK(count >= 2);
}

TEST_CASE("/probe answers like blackbox_exporter for allowed targets and refuses the others") {
    // The agent probes its own self server: the one loopback target the test knows is there.
    ConfigDir config("");
    config.write(valid_config(config.dir));
    RunningAgent first(config.path);
    const std::string self = "127.0.0.1:" + std::to_string(first.port);
    config.write(valid_config(config.dir) + "probes:\n  allowed_targets: ['" + self + "']\n  modules:\n"
                 "    healthy:\n      prober: http\n      timeout: 2s\n      http:\n        path: /-/healthy\n");
    REQUIRE(http_request("POST", "127.0.0.1", first.port, "/-/reload").status == 200);
    const RunningAgent* agent_ptr = &first;

    const auto ok = agent_ptr->get("/probe?target=" + self + "&module=healthy");
    CHECK(ok.status == 200);
    CHECK_THAT(ok.body, Catch::Contains("probe_success 1"));
    CHECK_THAT(ok.body, Catch::Contains("probe_http_status_code 200"));

    const auto tcp = agent_ptr->get("/probe?target=" + self + "&module=tcp_connect");
    CHECK_THAT(tcp.body, Catch::Contains("probe_success 1"));

    const auto refused = agent_ptr->get("/probe?target=127.0.0.1:1&module=tcp_connect");
    CHECK(refused.status == 403);

    const auto unknown = agent_ptr->get("/probe?target=" + self + "&module=nope");
    CHECK(unknown.status == 400);
    CHECK_THAT(unknown.body, Catch::Contains("Unknown module \"nope\""));
}
