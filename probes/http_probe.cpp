#include "probes/http_probe.hpp"

#include "probes/target.hpp"
#include "probes/tls.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <strings.h>

namespace autoscrape::probes {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::ip::tcp;

namespace {

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
constexpr const char* kPhaseHelp = "Duration of http request by phase, summed over all redirects";

void add_phase(ProbeResult& result, const char* phase, double seconds) {
    result.add("probe_http_duration_seconds", kPhaseHelp, {{"phase", phase}}, seconds);
}

bool is_redirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// What one request/response round trip saw, for the checks after the last hop.
struct Hop {
    int status = 0;
    unsigned version = 0;  // 10, 11
    std::optional<std::string> location;
    double content_length = -1;  // -1 when unknown, as Go's resp.ContentLength
    std::string body;
};

// Sends `request` and reads the response. Adds the processing and transfer phases.
template <class Stream>
awaitable<bool> round_trip(Stream& stream, const http::request<http::empty_body>& request, Clock::time_point deadline, Clock::time_point got_conn, Hop& hop, ProbeResult& result) {
    beast::get_lowest_layer(stream).expires_at(deadline);
    auto [wec, written] = co_await http::async_write(stream, request, kAsTuple);
    if (wec) {
        result.set_error(io_error(wec, "sending the request"));
        co_return false;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxProbeBodyBytes);
    if (request.method() == http::verb::head) parser.skip(true);
    auto [hec, header_bytes] = co_await http::async_read_header(stream, buffer, parser, kAsTuple);
    if (hec) {
        result.set_error(io_error(hec, "reading the response header"));
        co_return false;
    }
    auto response_start = Clock::now();
    add_phase(result, "processing", seconds_between(got_conn, response_start));
    const auto& header = parser.get();
    hop.status = static_cast<int>(header.result_int());
    hop.version = header.version();
    if (auto it = header.find(http::field::location); it != header.end()) hop.location = std::string(it->value());
    if (auto length = parser.content_length()) hop.content_length = static_cast<double>(*length);
    auto [bec, body_bytes] = co_await http::async_read(stream, buffer, parser, kAsTuple);
    if (bec) {
        result.set_error(io_error(bec, "reading the response body"));
        co_return false;
    }
    hop.body = std::move(parser.get().body());
    add_phase(result, "transfer", seconds_between(response_start, Clock::now()));
    co_return true;
}

}  // namespace

HttpProbe::HttpProbe(config::HttpProbeConfig config) : config_(std::move(config)) {
    auto compile = [&](const std::vector<std::string>& patterns, std::vector<std::unique_ptr<re2::RE2>>& out) {
        for (const auto& pattern : patterns) {
            auto re = std::make_unique<re2::RE2>(pattern, re2::RE2::Quiet);
            if (!re->ok() && regex_error_.empty())
                regex_error_ = fmt::format("invalid regexp {:?}: {}", pattern, re->error());
            out.push_back(std::move(re));
        }
    };
    compile(config_.fail_if_body_matches_regexp, fail_if_matches_);
    compile(config_.fail_if_body_not_matches_regexp, fail_if_not_matches_);
}

bool HttpProbe::status_valid(int status) const {
    if (config_.valid_status_codes.empty()) return status >= 200 && status < 300;
    return std::find(config_.valid_status_codes.begin(), config_.valid_status_codes.end(), status) !=
           config_.valid_status_codes.end();
}

bool HttpProbe::body_passes(const std::string& body) const {
    for (const auto& re : fail_if_matches_)
        if (re2::RE2::PartialMatch(body, *re)) return false;
    for (const auto& re : fail_if_not_matches_)
        if (!re2::RE2::PartialMatch(body, *re)) return false;
    return true;
}

awaitable<bool> HttpProbe::run(std::string target, Clock::time_point deadline, ProbeResult& result) {
    for (const char* phase : {"resolve", "connect", "tls", "processing", "transfer"}) add_phase(result, phase, 0);
    result.set("probe_http_content_length", "Length of http content response", 0);
    result.set("probe_http_uncompressed_body_length", "Length of uncompressed response body", 0);
    result.set("probe_http_redirects", "The number of redirects", 0);
    result.set("probe_http_ssl", "Indicates if SSL was used for the final redirect", 0);
    result.set("probe_http_status_code", "Response HTTP status code", 0);
    result.set("probe_http_version", "Returns the version of HTTP of the probe response", 0);
    result.set("probe_failed_due_to_regex", "Indicates if probe failed due to regex", 0);

    HttpUrl url;
    std::string error;
    if (!parse_http_target(target, config_.path, url, error)) {
        result.set_error("invalid target: " + error);
        co_return false;
    }
    tcp::endpoint endpoint;
    double lookup = 0;
    if (!co_await choose_address(url.host, url.port, deadline, result, endpoint, lookup)) co_return false;
    add_phase(result, "resolve", lookup);
    if (!regex_error_.empty()) {
        result.set_error(regex_error_);
        co_return false;
    }

    const std::string first_authority = url.authority;
    const bool verify = !(config_.tls_config && config_.tls_config->insecure_skip_verify);
    std::optional<asio::ssl::context> tls_context;
    auto executor = co_await asio::this_coro::executor;
    std::string method = config_.method.empty() ? "GET" : config_.method;
    Hop hop;
    bool tls_used = false;
    int redirects = 0;
    for (int hop_index = 0;; ++hop_index) {
        if (hop_index > 0) {
            auto start = Clock::now();
            bool resolved = co_await resolve_address(url.host, url.port, deadline, endpoint, error);
            add_phase(result, "resolve", seconds_between(start, Clock::now()));
            if (!resolved) {
                result.set_error(error);
                co_return false;
            }
        }
        auto dns_done = Clock::now();
        beast::tcp_stream stream(executor);
        if (!co_await connect_by(stream, endpoint, deadline, error)) {
            result.set_error(error);
            co_return false;
        }
        auto connect_done = Clock::now();

        http::request<http::empty_body> request;
        auto verb = http::string_to_verb(method);
        if (verb == http::verb::unknown) request.method_string(method);
        else request.method(verb);
        request.target(url.path_query);
        request.version(11);
        request.set(http::field::host, url.authority);
        request.set(http::field::user_agent, "autoscrape-probe");
        for (const auto& [name, value] : config_.headers) request.set(name, value);
        if (method != "GET" && method != "HEAD") request.content_length(0);

        hop = Hop{};
        bool ok = false;
        if (!url.tls) {
            add_phase(result, "connect", seconds_between(dns_done, connect_done));
            tls_used = false;
            ok = co_await round_trip(stream, request, deadline, connect_done, hop, result);
        } else {
            if (!tls_context) {
                tls_context.emplace(asio::ssl::context::tls_client);
                if (!make_tls_context(config_.tls_config, *tls_context, error)) {
                    result.set_error(error);
                    co_return false;
                }
            }
            beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), *tls_context);
            // blackbox_exporter sends the configured server_name only to the first host.
            std::string name = config_.tls_config ? config_.tls_config->server_name : std::string();
            if (name.empty() || url.authority != first_authority) name = url.host;
            if (!co_await handshake(tls, name, verify, deadline, result)) co_return false;
            auto got_conn = Clock::now();
            // As blackbox_exporter: over TLS the tls phase runs from the end of DNS, so it
            // includes the connect phase.
            add_phase(result, "connect", seconds_between(dns_done, connect_done));
            add_phase(result, "tls", seconds_between(dns_done, got_conn));
            tls_used = true;
            record_tls_state(tls.native_handle(), verify, result);
            ok = co_await round_trip(tls, request, deadline, got_conn, hop, result);
        }
        if (!ok) co_return false;

        if (!is_redirect(hop.status) || !hop.location) break;
        redirects = hop_index + 1;
        result.set("probe_http_redirects", "The number of redirects", redirects);
        if (config_.no_follow_redirects || redirects > kMaxRedirects) {
            // Go hands back the redirect response itself then, its body unread.
            hop.body.clear();
            break;
        }
        HttpUrl next;
        if (!resolve_location(url, *hop.location, next, error)) {
            result.set_error("invalid redirect location: " + error);
            co_return false;
        }
        url = std::move(next);
        if (hop.status == 303 && method != "HEAD") method = "GET";
        if ((hop.status == 301 || hop.status == 302) && method == "POST") method = "GET";
    }

    bool success = status_valid(hop.status);
    if (!success) result.set_error(fmt::format("invalid HTTP response status code {}", hop.status));
    if (success && (!fail_if_matches_.empty() || !fail_if_not_matches_.empty())) {
        success = body_passes(hop.body);
        result.set("probe_failed_due_to_regex", "Indicates if probe failed due to regex", success ? 0 : 1);
        if (!success) result.set_error("body regexp check failed");
    }
    result.set("probe_http_version", "Returns the version of HTTP of the probe response", hop.version / 10.0);
    if (tls_used) {
        result.set("probe_http_ssl", "Indicates if SSL was used for the final redirect", 1);
        if (config_.fail_if_ssl) {
            success = false;
            result.set_error("final request was over SSL");
        }
    } else if (config_.fail_if_not_ssl) {
        success = false;
        result.set_error("final request was not over SSL");
    }
    result.set("probe_http_status_code", "Response HTTP status code", hop.status);
    result.set("probe_http_content_length", "Length of http content response", hop.content_length);
    result.set("probe_http_uncompressed_body_length", "Length of uncompressed response body",
               static_cast<double>(hop.body.size()));
    co_return success;
}

}  // namespace autoscrape::probes
