#include "discovery/discover_once.hpp"

#include "discovery/docker_discovery.hpp"
#include "discovery/target_set.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

namespace autoscrape::discovery {

namespace asio = boost::asio;

namespace {

std::string label(const Target& t, const std::string& name) {
    auto it = t.labels.find(name);
    return it == t.labels.end() ? std::string("-") : it->second;
}

}  // namespace

void print_target_groups(const std::vector<TargetGroup>& groups, std::ostream& out, OutputFormat format) {
    if (format == OutputFormat::Json) {
        boost::json::array arr;
        for (const auto& g : groups) {
            boost::json::array targets;
            for (const auto& t : g.targets) {
                boost::json::object labels;
                for (const auto& [k, v] : t.labels) labels[k] = v;
                targets.emplace_back(boost::json::object{{"labels", std::move(labels)}});
            }
            arr.emplace_back(boost::json::object{{"source", g.source}, {"targets", std::move(targets)}});
        }
        out << boost::json::serialize(arr) << '\n';
        return;
    }
    out << fmt::format("{:<24} {:<32} {:<20} {}\n", "ADDRESS", "CONTAINER", "NETWORK", "CONTAINER ID");
    for (const auto& g : groups) {
        for (const auto& t : g.targets) {
            out << fmt::format("{:<24} {:<32} {:<20} {:.12}\n", label(t, "__address__"),
                               label(t, "__meta_docker_container_name"), label(t, "__meta_docker_network_name"),
                               g.source);
            for (const auto& [k, v] : t.labels) out << fmt::format("    {}=\"{}\"\n", k, v);
        }
    }
}

Result<std::vector<TargetGroup>> discover_once(const config::Config& config, std::vector<std::string>& rejected) {
    auto host = resolve_docker_host(config.docker, [](const char* name) { return std::getenv(name); });
    if (!host) return host.error();
    const ServiceProfiles profiles(config);
    asio::io_context io;
    DockerClient client(io.get_executor(), host.value(), config.docker.timeout);
    Result<EngineState> state = Error{"not synced"};
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        auto version = co_await client.negotiate();
        if (!version) {
            state = version.error();
            co_return;
        }
        state = co_await fetch_engine_state(client, rejected);
        if (!state) co_return;
        std::map<std::string, std::string> known;
        std::vector<std::string> unpaired;
        co_await pair_exporters(client, state.value(), profiles, known, unpaired);
        for (const auto& why : unpaired) spdlog::warn("{}; the exporter stays unpaired", why);
    }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    io.run();
    if (!state) return Error{"cannot read Docker at " + host.value().url + ": " + state.error().message};
    TargetSet targets(config.docker, profiles);
    targets.replace_all(state.value());
    return targets.snapshot();
}

int run_discover_once(const config::Config& config, std::ostream& out, OutputFormat format) {
    std::vector<std::string> rejected;
    const auto groups = discover_once(config, rejected);
    if (!groups) {
        std::cerr << "autoscrape discover: " << groups.error().message << '\n';
        return 1;
    }
    for (const auto& why : rejected) std::cerr << "autoscrape discover: leaving a container out: " << why << '\n';
    print_target_groups(groups.value(), out, format);
    return 0;
}

}  // namespace autoscrape::discovery
