// Resolving and connecting for every prober, under the probe's one deadline, recording what
// blackbox_exporter's chooseProtocol records: probe_ip_protocol, probe_ip_addr_hash and
// probe_dns_lookup_time_seconds.
//
// Like blackbox_exporter's default (preferred_ip_protocol ip6 with fallback), a name that has an
// IPv6 address is dialled over IPv6, else over IPv4; only the one chosen address is dialled.
#pragma once

#include "probes/probe_result.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace autoscrape::probes {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point from, Clock::time_point to);

// A failed I/O step as probe errors word it: "timeout" at the deadline, else the error's message,
// then `what` ("in the TLS handshake").
std::string io_error(const boost::system::error_code& ec, std::string_view what);

// Resolves `host` (an IP literal needs no lookup) and records the chooseProtocol gauges; `lookup`
// gets the seconds spent. False with result's error set on failure or at the deadline.
boost::asio::awaitable<bool> choose_address(std::string host, std::string port, Clock::time_point deadline,
                                            ProbeResult& result, boost::asio::ip::tcp::endpoint& out,
                                            double& lookup);

// Resolves without recording anything (redirect hops after the first).
boost::asio::awaitable<bool> resolve_address(std::string host, std::string port, Clock::time_point deadline,
                                             boost::asio::ip::tcp::endpoint& out, std::string& error);

// Connects by the deadline; false with `error` set otherwise.
boost::asio::awaitable<bool> connect_by(boost::beast::tcp_stream& stream, boost::asio::ip::tcp::endpoint endpoint,
                                        Clock::time_point deadline, std::string& error);

}  // namespace autoscrape::probes
