#include "probes/probe_handler.hpp"

#include "probes/probe.hpp"
#include "probes/target.hpp"

#include <boost/asio/strand.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace autoscrape::probes {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Query-string decoding as Go's url.QueryUnescape: %XX and '+' for space; a bad escape is kept.
std::string query_unescape(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

// Go's %q for the names blackbox quotes in its errors.
std::string go_quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

ProbeQuery parse_probe_query(std::string_view request_target) {
    ProbeQuery query;
    auto question = request_target.find('?');
    if (question == std::string_view::npos) return query;
    std::string_view rest = request_target.substr(question + 1);
    bool have_target = false, have_module = false;
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        auto eq = pair.find('=');
        std::string key = query_unescape(pair.substr(0, eq));
        std::string value = eq == std::string_view::npos ? std::string() : query_unescape(pair.substr(eq + 1));
        // Like Go's url.Values.Get, the first occurrence wins.
        if (key == "target" && !have_target) {
            query.target = std::move(value);
            have_target = true;
        } else if (key == "module" && !have_module) {
            query.module = std::move(value);
            have_module = true;
        }
    }
    return query;
}

bool probe_destination(std::string_view target, const config::ProbeModule& module, std::string& host_port,
                       std::string& error) {
    if (module.prober == config::ProbeModule::Prober::Http) {
        HttpUrl url;
        if (!parse_http_target(target, module.http.path, url, error)) return false;
        host_port = join_host_port(url.host, url.port);
        return true;
    }
    HostPort hp;
    if (!parse_host_port(target, hp, error)) return false;
    host_port = join_host_port(hp.host, hp.port);
    return true;
}

AllowTarget allow_listed_targets(std::vector<std::string> allowed) {
    return [allowed = std::move(allowed)](const std::string& host_port) {
        return std::find(allowed.begin(), allowed.end(), host_port) != allowed.end();
    };
}

void handle_probe_request(std::string_view target, std::string_view module_name, const config::ProbesConfig& config,
                          const AllowTarget& allowed, boost::asio::io_context& ioc, ProbeReply reply) {
    std::string name = module_name.empty() ? "http_2xx" : std::string(module_name);
    auto module = config.modules.find(name);
    if (module == config.modules.end()) {
        reply(400, "Unknown module " + go_quote(name) + "\n");
        return;
    }
    if (target.empty()) {
        reply(400, "Target parameter is missing\n");
        return;
    }
    std::string host_port, error;
    if (!probe_destination(target, module->second, host_port, error)) {
        reply(400, "Invalid target " + go_quote(target) + ": " + error + "\n");
        return;
    }
    if (!allowed || !allowed(host_port)) {
        reply(403, "Target " + go_quote(host_port) + " is not allowed\n");
        return;
    }
    spawn_probe(boost::asio::make_strand(ioc), module->second, std::string(target),
                [reply = std::move(reply), name, target = std::string(target)](ProbeResult result) {
                    if (!result.success())
                        spdlog::debug("probe failed: module={} target={} err={:?}", name, target, result.error());
                    reply(200, render_probe_result(result));
                });
}

}  // namespace autoscrape::probes
