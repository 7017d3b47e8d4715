// Probers over a plain TCP connection: tcp (connect, optionally a TLS handshake, like
// blackbox_exporter's tcp prober), postgres (the SSLRequest handshake) and bolt (Neo4j's version
// handshake). The last two prove the server speaks its protocol without ever authenticating, so
// they need no credentials and leave no session behind.
#pragma once

#include "config/config.hpp"
#include "probes/probe.hpp"

#include <array>
#include <cstdint>

namespace autoscrape::probes {

class TcpProbe : public Probe {
public:
    explicit TcpProbe(config::TcpProbeConfig config) : config_(std::move(config)) {}
    boost::asio::awaitable<bool> run(std::string target, Clock::time_point deadline, ProbeResult& result) override;

private:
    config::TcpProbeConfig config_;
};

// PostgreSQL's SSLRequest: length 8, code 80877103. A live server answers one byte, 'S' or 'N'.
inline constexpr std::array<std::uint8_t, 8> kPostgresSslRequest{0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f};

class PostgresProbe : public Probe {
public:
    boost::asio::awaitable<bool> run(std::string target, Clock::time_point deadline, ProbeResult& result) override;
};

// Bolt: the magic preamble 0x6060B017, then four big-endian proposals [0, range, minor, major]:
// 5.4 down to 5.0, 4.4 down to 4.2, 4.1 down to 4.0, and 3.0. The server answers the version it
// picked as [0, 0, minor, major], or 00 00 00 00 when it supports none of them.
inline constexpr std::array<std::uint8_t, 20> kBoltHandshake{
    0x60, 0x60, 0xb0, 0x17,  //
    0x00, 0x04, 0x04, 0x05,  // 5.4 .. 5.0
    0x00, 0x02, 0x04, 0x04,  // 4.4 .. 4.2
    0x00, 0x01, 0x01, 0x04,  // 4.1 .. 4.0
    0x00, 0x00, 0x00, 0x03,  // 3.0
};

// True when `reply` names a version inside one of kBoltHandshake's proposals.
bool bolt_version_offered(const std::array<std::uint8_t, 4>& reply);

class BoltProbe : public Probe {
public:
    boost::asio::awaitable<bool> run(std::string target, Clock::time_point deadline, ProbeResult& result) override;
};

}  // namespace autoscrape::probes
