#include "probes/tcp_probe.hpp"

#include "probes/target.hpp"
#include "probes/tls.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <fmt/format.h>

namespace autoscrape::probes {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::awaitable;
using asio::ip::tcp;

namespace {

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

// Parses host:port, resolves and connects, recording the chooseProtocol gauges.
awaitable<bool> dial(const std::string& target, Clock::time_point deadline, ProbeResult& result,
                     beast::tcp_stream& stream) {
    HostPort hp;
    std::string error;
    if (!parse_host_port(target, hp, error)) {
        result.set_error(error);
        co_return false;
    }
    tcp::endpoint endpoint;
    double lookup = 0;
    if (!co_await choose_address(hp.host, hp.port, deadline, result, endpoint, lookup)) co_return false;
    if (!co_await connect_by(stream, endpoint, deadline, error)) {
        result.set_error(error);
        co_return false;
    }
    co_return true;
}

// Writes `request` and reads exactly reply.size() bytes, all by the deadline.
template <std::size_t N, std::size_t M>
awaitable<bool> exchange(beast::tcp_stream& stream, const std::array<std::uint8_t, N>& request,
                         std::array<std::uint8_t, M>& reply, Clock::time_point deadline, ProbeResult& result) {
    stream.expires_at(deadline);
    auto [wec, written] = co_await asio::async_write(stream, asio::buffer(request), kAsTuple);
    if (wec) {
        result.set_error(io_error(wec, "sending the handshake"));
        co_return false;
    }
    auto [rec, read] = co_await asio::async_read(stream, asio::buffer(reply), kAsTuple);
    if (rec) {
        result.set_error(io_error(rec, "reading the handshake reply"));
        co_return false;
    }
    co_return true;
}

}  // namespace

awaitable<bool> TcpProbe::run(std::string target, Clock::time_point deadline, ProbeResult& result) {
    result.set("probe_failed_due_to_regex", "Indicates if probe failed due to regex", 0);
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    if (!co_await dial(target, deadline, result, stream)) co_return false;
    if (!config_.tls) co_return true;

    asio::ssl::context context(asio::ssl::context::tls_client);
    std::string error;
    if (!make_tls_context(config_.tls_config, context, error)) {
        result.set_error(error);
        co_return false;
    }
    beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), context);
    bool verify = !(config_.tls_config && config_.tls_config->insecure_skip_verify);
    std::string name = config_.tls_config ? config_.tls_config->server_name : std::string();
    if (name.empty()) {
        HostPort hp;
        parse_host_port(target, hp, error);
        name = hp.host;
    }
    if (!co_await handshake(tls, name, verify, deadline, result)) co_return false;
    record_tls_state(tls.native_handle(), verify, result);
    co_return true;
}

awaitable<bool> PostgresProbe::run(std::string target, Clock::time_point deadline, ProbeResult& result) {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    if (!co_await dial(target, deadline, result, stream)) co_return false;
    std::array<std::uint8_t, 1> reply{};
    if (!co_await exchange(stream, kPostgresSslRequest, reply, deadline, result)) co_return false;
    if (reply[0] != 'S' && reply[0] != 'N') {
        result.set_error(fmt::format("not a PostgreSQL server: SSLRequest answered with byte 0x{:02x}", reply[0]));
        co_return false;
    }
    co_return true;
}

bool bolt_version_offered(const std::array<std::uint8_t, 4>& reply) {
    if (reply[0] != 0 || reply[1] != 0) return false;
    for (std::size_t slot = 4; slot < kBoltHandshake.size(); slot += 4) {
        int range = kBoltHandshake[slot + 1], minor = kBoltHandshake[slot + 2], major = kBoltHandshake[slot + 3];
        if (reply[3] == major && reply[2] <= minor && reply[2] >= minor - range) return true;
    }
    return false;
}

awaitable<bool> BoltProbe::run(std::string target, Clock::time_point deadline, ProbeResult& result) {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    if (!co_await dial(target, deadline, result, stream)) co_return false;
    std::array<std::uint8_t, 4> reply{};
    if (!co_await exchange(stream, kBoltHandshake, reply, deadline, result)) co_return false;
    if (reply == std::array<std::uint8_t, 4>{0, 0, 0, 0}) {
        result.set_error("the Bolt server supports none of the proposed versions");
        co_return false;
    }
    if (!bolt_version_offered(reply)) {
        result.set_error(fmt::format("not a Bolt server: handshake answered {:02x} {:02x} {:02x} {:02x}", reply[0],
                                     reply[1], reply[2], reply[3]));
        co_return false;
    }
    co_return true;
}

}  // namespace autoscrape::probes
