// TLS for probes: a client context from a tls_config, per-connection server name and hostname
// verification, the handshake, and the certificate gauges blackbox_exporter reports after a handshake
// (probe_ssl_earliest_cert_expiry, probe_ssl_last_chain_expiry_timestamp_seconds,
// probe_ssl_last_chain_info, probe_tls_version_info).
#pragma once

#include "config/config.hpp"
#include "probes/dial.hpp"
#include "probes/probe_result.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <optional>
#include <string>

#include <openssl/ssl.h>

namespace autoscrape::probes {

// Verifies against ca_file (else the system store) unless insecure_skip_verify; loads the client
// certificate when cert_file and key_file are set. False with `error` set when a file is unusable.
bool make_tls_context(const std::optional<config::TlsConfig>& tls, boost::asio::ssl::context& context,
                      std::string& error);

// Sets SNI (for names, not IP literals) and, when verifying, the name or IP the certificate must
// carry. `name` is tls_config.server_name, else the target's host.
bool prepare_tls_connection(SSL* ssl, const std::string& name, bool verify, std::string& error);

// Records the certificate and version gauges of an established connection. `verified` says
// whether a chain was verified (blackbox_exporter reports Go's zero time for the last chain
// expiry otherwise, and so do we, so that alerts on the value behave the same).
void record_tls_state(SSL* ssl, bool verified, ProbeResult& result);

// prepare_tls_connection for `name`, then the client handshake by the deadline. False with
// result's error set otherwise.
boost::asio::awaitable<bool> handshake(boost::beast::ssl_stream<boost::beast::tcp_stream>& tls,
                                       const std::string& name, bool verify, Clock::time_point deadline,
                                       ProbeResult& result);

}  // namespace autoscrape::probes
