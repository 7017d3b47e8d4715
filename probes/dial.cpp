#include "probes/dial.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <optional>

namespace autoscrape::probes {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

// The resolver runs getaddrinfo on a private thread that cancel() cannot interrupt, so the wait is
// on a timer that either the lookup or the deadline ends; a late lookup then finds no one waiting.
struct Lookup {
    explicit Lookup(const asio::any_io_executor& ex) : resolver(ex), timer(ex) {}
    tcp::resolver resolver;
    asio::steady_timer timer;
    bool done = false;
    error_code ec;
    tcp::resolver::results_type results;
};

// FNV-1a over the address bytes, as blackbox_exporter's probe_ip_addr_hash.
double ip_hash(const asio::ip::address& address) {
    std::uint32_t hash = 2166136261u;
    auto mix = [&](const auto& bytes) {
        for (unsigned char b : bytes) hash = (hash ^ b) * 16777619u;
    };
    if (address.is_v4()) mix(address.to_v4().to_bytes());
    else mix(address.to_v6().to_bytes());
    return hash;
}

asio::awaitable<bool> lookup(std::string host, std::string port, Clock::time_point deadline, tcp::endpoint& out,
                             std::string& error) {
    error_code ec;
    auto literal = asio::ip::make_address(host, ec);
    unsigned short port_number = static_cast<unsigned short>(std::stoul(port));
    if (!ec) {
        out = tcp::endpoint(literal, port_number);
        co_return true;
    }
    auto state = std::make_shared<Lookup>(co_await asio::this_coro::executor);
    state->timer.expires_at(deadline);
    state->resolver.async_resolve(host, port, [state](error_code rec, tcp::resolver::results_type results) {
        state->done = true;
        state->ec = rec;
        state->results = std::move(results);
        state->timer.cancel();
    });
    co_await state->timer.async_wait(kAsTuple);
    if (!state->done) {
        state->resolver.cancel();
        error = "timeout resolving " + host;
        co_return false;
    }
    if (state->ec) {
        error = "resolving " + host + ": " + state->ec.message();
        co_return false;
    }
    std::optional<tcp::endpoint> v4;
    for (const auto& entry : state->results) {
        if (entry.endpoint().address().is_v6()) {
            out = entry.endpoint();
            co_return true;
        }
        if (!v4) v4 = entry.endpoint();
    }
    if (!v4) {
        error = "no address for " + host;
        co_return false;
    }
    out = *v4;
    co_return true;
}

}  // namespace

double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

std::string io_error(const boost::system::error_code& ec, std::string_view what) {
    return fmt::format("{} {}", ec == boost::beast::error::timeout ? "timeout" : ec.message(), what);
}

asio::awaitable<bool> choose_address(std::string host, std::string port, Clock::time_point deadline,
                                     ProbeResult& result, tcp::endpoint& out, double& lookup_seconds) {
    result.set("probe_ip_protocol", "Specifies whether probe ip protocol is IP4 or IP6", 0);
    result.set("probe_ip_addr_hash", "Specifies the hash of IP address. It's useful to detect if the IP address changes.", 0);
    auto start = Clock::now();
    std::string error;
    bool ok = co_await lookup(std::move(host), std::move(port), deadline, out, error);
    lookup_seconds = seconds_between(start, Clock::now());
    result.set("probe_dns_lookup_time_seconds", "Returns the time taken for probe dns lookup in seconds", lookup_seconds);
    if (!ok) {
        result.set_error(error);
        co_return false;
    }
    result.set("probe_ip_protocol", "Specifies whether probe ip protocol is IP4 or IP6", out.address().is_v6() ? 6 : 4);
    result.set("probe_ip_addr_hash", "Specifies the hash of IP address. It's useful to detect if the IP address changes.",
               ip_hash(out.address()));
    co_return true;
}

asio::awaitable<bool> resolve_address(std::string host, std::string port, Clock::time_point deadline,
                                      tcp::endpoint& out, std::string& error) {
    co_return co_await lookup(std::move(host), std::move(port), deadline, out, error);
}

asio::awaitable<bool> connect_by(boost::beast::tcp_stream& stream, tcp::endpoint endpoint, Clock::time_point deadline,
                                 std::string& error) {
    stream.expires_at(deadline);
    auto [ec] = co_await stream.async_connect(endpoint, kAsTuple);
    if (ec) {
        error = io_error(ec, fmt::format("connecting to {}:{}", endpoint.address().to_string(), endpoint.port()));
        co_return false;
    }
    co_return true;
}

}  // namespace autoscrape::probes
