// How a /probe target string becomes something to dial, with blackbox_exporter's rules: an http
// module takes a URL or host[:port] (http:// is prefixed), every other prober takes host:port.
//
// Also the host:port a target reaches, which is what the /probe allow-list is checked against.
#pragma once

#include <string>
#include <string_view>

namespace autoscrape::probes {

struct HostPort {
    std::string host;  // an IPv6 literal without its brackets
    std::string port;
};

struct HttpUrl {
    bool tls = false;
    std::string host;         // without brackets
    std::string port;         // explicit or the scheme's default
    std::string authority;    // host[:port] as written, for the Host header
    std::string path_query;   // "/..." as sent in the request line
};

// "host:port" or "[v6]:port" with a numeric port; false and `error` set otherwise.
bool parse_host_port(std::string_view target, HostPort& out, std::string& error);

// An absolute http:// or https:// URL; a fragment is dropped, an empty path becomes "/".
bool parse_http_url(std::string_view url, HttpUrl& out, std::string& error);

// A /probe target for an http module. A target without a path gets the module's path (our
// modules carry one, blackbox's do not; a target with its own path keeps it).
bool parse_http_target(std::string_view target, std::string_view module_path, HttpUrl& out, std::string& error);

// Where a redirect's Location leads from `base`: absolute, scheme-relative, absolute-path or
// relative-path references (RFC 3986 section 5.2, without dot-segment removal).
bool resolve_location(const HttpUrl& base, std::string_view location, HttpUrl& out, std::string& error);

// "host:port" of a URL or host:port, brackets around IPv6 literals; for allow-lists and logs.
std::string join_host_port(std::string_view host, std::string_view port);

}  // namespace autoscrape::probes
