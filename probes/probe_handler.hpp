// The blackbox_exporter-compatible /probe endpoint, without the HTTP server: parse the query,
// validate module and target like blackbox_exporter (same statuses and messages), check the
// target against the caller's allow-list, run the probe and answer the text format.
//
// /probe makes the agent open connections on a client's behalf, so every target must pass the
// allow predicate first (watched containers, probes.allowed_targets): an open prober is a port
// scanner for anyone who can reach the self server.
#pragma once

#include "config/config.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace autoscrape::probes {

struct ProbeQuery {
    std::string target;  // empty when missing
    std::string module;  // empty when missing
};

// "target" and "module" from a request target such as "/probe?target=a%3A1&module=tcp_connect".
ProbeQuery parse_probe_query(std::string_view request_target);

// Decides whether a "host:port" may be probed (IPv6 hosts in brackets).
using AllowTarget = std::function<bool(const std::string& host_port)>;
// status is 200 (body in kProbeContentType), 400 or 403 (plain text, newline-terminated).
using ProbeReply = std::function<void(int status, std::string body)>;

// The host:port that probing `target` with `module` connects to first; false with `error` when
// the target cannot be parsed for that prober.
bool probe_destination(std::string_view target, const config::ProbeModule& module, std::string& host_port,
                       std::string& error);

// An AllowTarget accepting exactly the listed host:port strings (probes.allowed_targets).
AllowTarget allow_listed_targets(std::vector<std::string> allowed);

// Validates, probes and calls `reply` once: on the calling thread for 400/403, on a strand of
// `ioc` after the probe otherwise. An empty module means http_2xx, as in blackbox_exporter. The
// module is copied, so a config reload during the probe is harmless.
void handle_probe_request(std::string_view target, std::string_view module_name, const config::ProbesConfig& config,
                          const AllowTarget& allowed, boost::asio::io_context& ioc, ProbeReply reply);

}  // namespace autoscrape::probes
