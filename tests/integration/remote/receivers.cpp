#include "tests/integration/remote/receivers.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include <boost/json.hpp>

#include "tests/integration/support/http_get.hpp"

namespace autoscrape::testing {

std::unique_ptr<Receiver> Receiver::shared(Kind kind, const char* env_var)
{
    const char* url = std::getenv(env_var);
    if (url != nullptr && *url != '\0') {
        return std::unique_ptr<Receiver>(new Receiver(kind, url));
    }
    auto own = std::make_unique<Receiver>(kind);
    own->start();
    return own;
}

Receiver::Receiver(Kind kind, std::string base) : kind_(kind), base_(std::move(base))
{
    // base is http://host:port
    const auto colon = base_.rfind(':');
    host_ = base_.substr(7, colon - 7);
    port_ = static_cast<unsigned short>(std::stoi(base_.substr(colon + 1)));
}

Receiver::Receiver(Kind kind) : kind_(kind), port_(free_port()), dir_(make_temp_dir())
{
    base_ = "http://127.0.0.1:" + std::to_string(port_);
}

Receiver::~Receiver()
{
    stop();
    if (!dir_.empty()) {
        remove_tree(dir_);
    }
}

void Receiver::start()
{
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    std::string ready;
    if (kind_ == Kind::VictoriaMetrics) {
        process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
            "/usr/bin/victoria-metrics", "-httpListenAddr", listen, "-storageDataPath", dir_ + "/vm",
            "-retentionPeriod", "1d", "-search.latencyOffset", "0s", "-search.disableCache"});
        ready = "/health";
    } else {
        write_file(dir_ + "/prometheus.yml", "global:\n  scrape_interval: 15s\n");
        process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
            "/usr/bin/prometheus", "--config.file", dir_ + "/prometheus.yml", "--storage.tsdb.path",
            dir_ + "/prom", "--web.listen-address", listen, "--web.enable-remote-write-receiver"});
        ready = "/-/ready";
    }
    if (!wait_for_status(host_, port_, ready, 200, std::chrono::seconds(30))) {
        throw std::runtime_error("receiver did not become ready: " + process_->err());
    }
}

void Receiver::stop()
{
    if (!process_) {
        return;
    }
    process_->signal(SIGTERM);
    if (!process_->wait_for(std::chrono::seconds(20))) {
        process_->signal(SIGKILL);
        process_->wait_for(std::chrono::seconds(5));
    }
    process_.reset();
}

std::string Receiver::describe()
{
    if (!process_) {
        return "receiver " + base_ + ": not started by this test";
    }
    const auto exited = process_->wait_for(std::chrono::milliseconds(0));
    std::string err = exited ? exited->err : process_->err();
    constexpr std::size_t kTail = 2000;
    if (err.size() > kTail) {
        err = "..." + err.substr(err.size() - kTail);
    }
    const std::string state = exited ? "exited (code " + std::to_string(exited->exit_code) + ", signal " +
                                           std::to_string(exited->signal) + ")"
                                     : "running";
    return "receiver " + base_ + ": " + state + "; stderr tail:\n" + err;
}

std::optional<double> Receiver::query(const std::string& promql, std::optional<std::int64_t> at_ms) const
{
    std::string target = "/api/v1/query?query=" + url_encode(promql);
    if (at_ms) {
        target += "&time=" + std::to_string(*at_ms / 1000) + "." + std::to_string(1000 + *at_ms % 1000).substr(1);
    }
    const auto reply = http_request("GET", host_, port_, target);
    if (reply.status != 200) {
        return std::nullopt;
    }
    boost::system::error_code ec;
    const auto doc = boost::json::parse(reply.body, ec);
    if (ec || !doc.is_object()) {
        return std::nullopt;
    }
    const auto* result = doc.as_object().if_contains("data");
    if (result == nullptr || !result->is_object()) {
        return std::nullopt;
    }
    const auto* rows = result->as_object().if_contains("result");
    if (rows == nullptr || !rows->is_array() || rows->as_array().size() != 1) {
        return std::nullopt;
    }
    const auto& value = rows->as_array()[0].as_object().at("value").as_array();
    return std::stod(std::string(value[1].as_string()));
}

std::optional<double> Receiver::wait_for_value(const std::string& promql, double want,
                                               std::chrono::milliseconds timeout, std::optional<std::int64_t> at_ms) const
{
    const auto until = std::chrono::steady_clock::now() + timeout;
    std::optional<double> last;
    for (;;) {
        last = query(promql, at_ms);
        if ((last && *last == want) || std::chrono::steady_clock::now() >= until) {
            return last;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
}

}  // namespace autoscrape::testing
