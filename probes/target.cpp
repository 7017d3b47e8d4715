#include "probes/target.hpp"

#include <algorithm>
#include <charconv>

namespace autoscrape::probes {
namespace {

bool valid_port(std::string_view port) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    return !port.empty() && ec == std::errc{} && ptr == port.data() + port.size() && value > 0 && value <= 65535;
}

// Splits an authority ("host", "host:port", "[v6]", "[v6]:port"); port may come back empty.
bool split_authority(std::string_view authority, std::string& host, std::string& port, std::string& error) {
    if (authority.empty()) {
        error = "empty host";
        return false;
    }
    if (authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "missing ']' in address";
            return false;
        }
        host = authority.substr(1, close - 1);
        auto rest = authority.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') {
            error = "garbage after ']' in address";
            return false;
        }
        port = rest.empty() ? std::string() : std::string(rest.substr(1));
    } else {
        auto colon = authority.rfind(':');
        if (colon != std::string_view::npos && authority.find(':') != colon) {
            error = "too many colons in address";
            return false;
        }
        host = authority.substr(0, colon);
        port = colon == std::string_view::npos ? std::string() : std::string(authority.substr(colon + 1));
    }
    if (host.empty()) {
        error = "empty host";
        return false;
    }
    return true;
}

}  // namespace

std::string join_host_port(std::string_view host, std::string_view port) {
    std::string out;
    bool v6 = host.find(':') != std::string_view::npos;
    if (v6) out += '[';
    out += host;
    if (v6) out += ']';
    out += ':';
    out += port;
    return out;
}

bool parse_host_port(std::string_view target, HostPort& out, std::string& error) {
    if (!split_authority(target, out.host, out.port, error)) return false;
    if (out.port.empty()) {
        error = "missing port in address";
        return false;
    }
    if (!valid_port(out.port)) {
        error = "invalid port \"" + out.port + "\"";
        return false;
    }
    return true;
}

bool parse_http_url(std::string_view url, HttpUrl& out, std::string& error) {
    std::string_view rest;
    if (url.starts_with("http://")) {
        out.tls = false;
        rest = url.substr(7);
    } else if (url.starts_with("https://")) {
        out.tls = true;
        rest = url.substr(8);
    } else {
        error = "unsupported scheme in URL";
        return false;
    }
    if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    auto path_start = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, path_start);
    if (authority.find('@') != std::string_view::npos) {
        error = "user info in URL is not supported";
        return false;
    }
    if (!split_authority(authority, out.host, out.port, error)) return false;
    if (out.port.empty()) out.port = out.tls ? "443" : "80";
    else if (!valid_port(out.port)) {
        error = "invalid port \"" + out.port + "\"";
        return false;
    }
    out.authority = authority;
    out.path_query = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
    if (out.path_query.front() == '?') out.path_query.insert(0, "/");
    if (std::any_of(out.path_query.begin(), out.path_query.end(), [](char c) { return c <= ' ' || c == 0x7f; })) {
        error = "control characters or spaces in URL";
        return false;
    }
    return true;
}

bool parse_http_target(std::string_view target, std::string_view module_path, HttpUrl& out, std::string& error) {
    std::string url(target);
    if (!target.starts_with("http://") && !target.starts_with("https://")) {
        if (target.find("://") != std::string_view::npos) {
            error = "unsupported scheme in URL";
            return false;
        }
        url = "http://" + url;
    }
    if (!parse_http_url(url, out, error)) return false;
    auto after_scheme = url.find("//") + 2;
    bool has_path = url.find_first_of("/?", after_scheme) != std::string::npos;
    if (!has_path && !module_path.empty()) {
        out.path_query = module_path.starts_with('/') ? std::string(module_path) : "/" + std::string(module_path);
    }
    return true;
}

bool resolve_location(const HttpUrl& base, std::string_view location, HttpUrl& out, std::string& error) {
    if (location.starts_with("http://") || location.starts_with("https://")) {
        return parse_http_url(location, out, error);
    }
    std::string scheme = base.tls ? "https:" : "http:";
    if (location.starts_with("//")) return parse_http_url(scheme + std::string(location), out, error);
    std::string path;
    if (location.starts_with('/')) {
        path = location;
    } else {
        // A view of the member, not of a temporary substring (ASan: stack-use-after-scope).
        const std::string_view base_path = std::string_view(base.path_query).substr(0, base.path_query.find('?'));
        if (location.empty() || location.front() == '?') path = std::string(base_path) + std::string(location);
        else path = std::string(base_path.substr(0, base_path.rfind('/') + 1)) + std::string(location);
    }
    return parse_http_url(scheme + "//" + base.authority + path, out, error);
}

}  // namespace autoscrape::probes
