// Probes against real programs: a throwaway PostgreSQL 15 cluster on a loopback port, and
// blackbox_exporter 0.23 probing the same loopback targets as we do, to show that our /probe
// answers carry the same metric names, label sets and probe_success.
#include "probe_test_support.hpp"
#include "probes/probe_result.hpp"
#include "tests/integration/support/http_get.hpp"
#include "tests/integration/support/process.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <csignal>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace autoscrape::probes;
using namespace autoscrape::probes::testing;
namespace support = autoscrape::testing;
using Prober = autoscrape::config::ProbeModule::Prober;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPgBin = "/usr/lib/postgresql/15/bin";
constexpr const char* kBlackbox = "/usr/bin/prometheus-blackbox-exporter";

// A throwaway cluster owned by the postgres user, listening on 127.0.0.1 only; stopped at the end.
class PostgresCluster {
public:
    PostgresCluster() : dir_(support::make_temp_dir()), port_(refused_port()) {
        run({"/usr/bin/chown", "postgres:postgres", dir_});
        run({"/usr/sbin/runuser", "-u", "postgres", "--", std::string(kPgBin) + "/initdb", "-D", dir_ + "/data",
             "-A", "trust"});
        run({"/usr/sbin/runuser", "-u", "postgres", "--", std::string(kPgBin) + "/pg_ctl", "-D", dir_ + "/data", "-w",
             "-t", "30", "-l", dir_ + "/log", "-o", fmt::format("-k {} -p {} -h 127.0.0.1", dir_, port_), "start"});
    }
    ~PostgresCluster() {
        stop();
        support::remove_tree(dir_);
    }
    void stop() {
        if (stopped_) return;
        stopped_ = true;
        support::run_process({"/usr/sbin/runuser", "-u", "postgres", "--", std::string(kPgBin) + "/pg_ctl", "-D",
                              dir_ + "/data", "-m", "immediate", "-w", "stop"},
                             30s);
    }
    std::string address() const { return fmt::format("127.0.0.1:{}", port_); }

private:
    static void run(const std::vector<std::string>& argv) {
        auto r = support::run_process(argv, 60s);
        if (r.exit_code != 0) FAIL(argv[4] + " failed: " + r.err + r.out);
    }
    std::string dir_;
    unsigned short port_;
    bool stopped_ = false;
};

// name -> the set of label sets, from a text-format body; and probe_success.
using Shape = std::map<std::string, std::set<std::string>>;

Shape shape_of(const std::string& body) {
    Shape shape;
    std::istringstream in(body);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto brace = line.find('{');
        auto space = line.rfind(' ');
        std::string name = line.substr(0, std::min(brace, space));
        std::string labels = brace == std::string::npos ? "" : line.substr(brace, line.rfind('}') - brace + 1);
        shape[name].insert(labels);
    }
    return shape;
}

double success_of(const std::string& body) {
    auto at = body.find("\nprobe_success ");
    return at == std::string::npos ? -1 : std::stod(body.substr(at + 15));
}

std::string query_escape(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_') out += static_cast<char>(c);
        else out += fmt::format("%{:02X}", c);
    }
    return out;
}

}  // namespace

TEST_CASE("A postgres probe succeeds against a live PostgreSQL and fails once it stops") {
    REQUIRE(access((std::string(kPgBin) + "/initdb").c_str(), X_OK) == 0);  // Debian package postgresql
    PostgresCluster cluster;
    auto module = tcp_module(Prober::Postgres, 3000);
    auto r = probe_now(module, cluster.address());
    INFO(r.error());
    CHECK(r.success());
    cluster.stop();
    CHECK_FALSE(probe_now(module, cluster.address()).success());
}

TEST_CASE("Our probe answers have blackbox_exporter's metric names, label sets and probe_success") {
    REQUIRE(access(kBlackbox, X_OK) == 0);  // Debian package prometheus-blackbox-exporter
    TestPki pki(3);
    auto respond = [](const std::string& request) {
        if (request.starts_with("GET /fail ")) return http_response(500, "no");
        if (request.starts_with("GET /moved ")) return http_response(302, "", "Location: /ok\r\n");
        return http_response(200, "hello");
    };
    LoopbackServer http(http_session(respond));
    LoopbackServer https(https_session(pki, respond));
    std::string closed = "127.0.0.1:" + std::to_string(refused_port());

    std::string dir = support::make_temp_dir();
    support::write_file(dir + "/blackbox.yml", fmt::format(R"(modules:
  http_2xx: {{prober: http, timeout: 3s}}
  https_ca: {{prober: http, timeout: 3s, http: {{tls_config: {{ca_file: {0}}}}}}}
  tcp_connect: {{prober: tcp, timeout: 3s}}
  tls_ca: {{prober: tcp, timeout: 3s, tcp: {{tls: true, tls_config: {{ca_file: {0}}}}}}}
  tls_insecure: {{prober: tcp, timeout: 3s, tcp: {{tls: true, tls_config: {{insecure_skip_verify: true}}}}}}
)", pki.ca_cert));
    unsigned short bb_port = refused_port();
    support::ChildProcess blackbox({kBlackbox, "--config.file=" + dir + "/blackbox.yml",
                                    fmt::format("--web.listen-address=127.0.0.1:{}", bb_port)});
    REQUIRE(support::wait_for_status("127.0.0.1", bb_port, "/-/healthy", 200, 10s));

    auto ca = tls_with_ca(pki.ca_cert);
    auto http_2xx = http_module(3000);
    auto https_ca = http_module(3000);
    https_ca.http.tls_config = ca;
    auto tcp_connect = tcp_module(Prober::Tcp, 3000);
    auto tls_ca = tcp_connect;
    tls_ca.tcp.tls = true;
    tls_ca.tcp.tls_config = ca;
    auto tls_skip = tls_ca;
    tls_skip.tcp.tls_config = tls_insecure();

    struct Case {
        std::string module_name;
        autoscrape::config::ProbeModule module;
        std::string target;
    };
    std::vector<Case> cases{
        {"http_2xx", http_2xx, "http://" + http.address() + "/ok"},
        {"http_2xx", http_2xx, "http://" + http.address() + "/fail"},
        {"http_2xx", http_2xx, "http://" + http.address() + "/moved"},
        {"http_2xx", http_2xx, "http://" + closed + "/"},
        {"https_ca", https_ca, "https://" + https.address() + "/ok"},
        {"tcp_connect", tcp_connect, http.address()},
        {"tcp_connect", tcp_connect, closed},
        {"tls_ca", tls_ca, https.address()},
        {"tls_insecure", tls_skip, https.address()},
    };
    for (const auto& c : cases) {
        INFO(c.module_name << " " << c.target);
        auto theirs = support::http_request("GET", "127.0.0.1", bb_port,
                                            "/probe?module=" + c.module_name + "&target=" + query_escape(c.target));
        REQUIRE(theirs.status == 200);
        auto ours = render_probe_result(probe_now(c.module, c.target));
        INFO("blackbox:\n" << theirs.body << "ours:\n" << ours);
        CHECK(shape_of(ours) == shape_of(theirs.body));
        CHECK(success_of(ours) == success_of(theirs.body));
    }
    blackbox.signal(SIGTERM);
    blackbox.wait_for(5s);
    support::remove_tree(dir);
}
