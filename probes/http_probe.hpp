// The http prober, blackbox_exporter's semantics: method, headers, valid_status_codes (empty =
// 2xx), body regexes, up to 10 redirects unless no_follow_redirects, fail_if_ssl /
// fail_if_not_ssl, TLS per tls_config, and the per-phase timings summed over redirects.
#pragma once

#include "config/config.hpp"
#include "probes/probe.hpp"

#include <re2/re2.h>

#include <cstddef>
#include <memory>
#include <vector>

namespace autoscrape::probes {

// A body beyond this fails the probe: a probe target is untrusted and must not fill our memory.
inline constexpr std::size_t kMaxProbeBodyBytes = 10 << 20;
inline constexpr int kMaxRedirects = 10;

class HttpProbe : public Probe {
public:
    explicit HttpProbe(config::HttpProbeConfig config);
    boost::asio::awaitable<bool> run(std::string target, Clock::time_point deadline, ProbeResult& result) override;

private:
    bool status_valid(int status) const;
    // True when the body passes every fail_if_body_* regex.
    bool body_passes(const std::string& body) const;

    config::HttpProbeConfig config_;
    std::vector<std::unique_ptr<re2::RE2>> fail_if_matches_;
    std::vector<std::unique_ptr<re2::RE2>> fail_if_not_matches_;
    std::string regex_error_;
};

}  // namespace autoscrape::probes
