// A read-only Docker Engine API client: HTTP/1.1 with Boost.Beast over the unix socket or over TCP
// (optionally TLS with client certificates), with API version negotiation and the /events stream.
//
// Read-only by construction: the only verb it can send is GET, there is no method parameter.
// Every call has a deadline and a bound on the response size, because the engine is an external
// process that can hang, restart or answer garbage. All calls must run on one strand.
#pragma once

#include "config/config.hpp"
#include "discovery/docker_model.hpp"
#include "discovery/result.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>

namespace autoscrape::discovery {

// Where the engine listens and how to talk to it, after config and environment are applied.
struct DockerHost {
    enum class Kind { Unix, Tcp };
    Kind kind = Kind::Unix;
    std::string url;   // as configured, for log lines
    std::string path;  // unix socket path
    std::string host;  // tcp host
    std::string port;  // tcp port
    bool tls = false;
    bool tls_verify = true;
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
    std::string server_name;
};

using Getenv = std::function<const char*(const char*)>;

// Like the docker CLI: docker.host, else $DOCKER_HOST, else unix:///var/run/docker.sock. TLS from
// docker.tls_config, else $DOCKER_TLS_VERIFY / $DOCKER_TLS with certificates in $DOCKER_CERT_PATH
// (default ~/.docker).
Result<DockerHost> resolve_docker_host(const config::DockerConfig& config, const Getenv& getenv);

// The newest API version this client speaks; negotiation picks min(engine's, ours).
inline constexpr std::string_view kMaxApiVersion = "1.47";
// The oldest it accepts (filters and event shapes it relies on).
inline constexpr std::string_view kMinApiVersion = "1.24";

// The version to use with an engine, or why there is none.
Result<std::string> negotiate_api_version(const VersionInfo& engine);

// Percent-encodes a query parameter value (the JSON `filters` argument).
std::string percent_encode(std::string_view value);

class DockerClient {
public:
    DockerClient(boost::asio::any_io_executor executor, DockerHost host, std::chrono::milliseconds timeout);
    DockerClient(const DockerClient&) = delete;
    DockerClient& operator=(const DockerClient&) = delete;
    ~DockerClient();

    // GET /version (unversioned) and fix the API version prefix of every later call.
    boost::asio::awaitable<Result<VersionInfo>> negotiate();

    // GET /v<version><target>, the body if the status is 200 and it fits in max_body bytes.
    boost::asio::awaitable<Result<std::string>> get(std::string target, std::size_t max_body);

    // GET /v<version>/events<query> and hand each event object to on_event until the stream fails
    // (it never ends successfully). on_subscribed runs once the engine has accepted the request,
    // so a caller can list after it without missing what happens in between.
    boost::asio::awaitable<Result<Ok>> follow_events(std::string query, std::function<void()> on_subscribed,
                                                     std::function<void(std::string_view)> on_event,
                                                     std::size_t max_event_bytes);

    // Aborts every call in flight (they return an Error) and fails later ones.
    void cancel();

    const DockerHost& host() const { return host_; }
    const std::string& api_version() const { return api_version_; }

private:
    class Connection;
    boost::asio::awaitable<Result<std::unique_ptr<Connection>>> connect();

    boost::asio::any_io_executor executor_;
    DockerHost host_;
    std::chrono::milliseconds timeout_;
    std::string api_version_;
    bool cancelled_ = false;
    std::list<Connection*> open_;  // for cancel()
};

}  // namespace autoscrape::discovery
