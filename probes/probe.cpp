#include "probes/probe.hpp"

#include "probes/http_probe.hpp"
#include "probes/tcp_probe.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace autoscrape::probes {

namespace asio = boost::asio;

std::unique_ptr<Probe> make_probe(const config::ProbeModule& module) {
    using Prober = config::ProbeModule::Prober;
    switch (module.prober) {
        case Prober::Http: return std::make_unique<HttpProbe>(module.http);
        case Prober::Tcp: return std::make_unique<TcpProbe>(module.tcp);
        case Prober::Postgres: return std::make_unique<PostgresProbe>();
        case Prober::Bolt: return std::make_unique<BoltProbe>();
    }
    return std::make_unique<TcpProbe>(module.tcp);
}

asio::awaitable<ProbeResult> run_probe(config::ProbeModule module, std::string target) {
    ProbeResult result;
    auto start = Clock::now();
    auto probe = make_probe(module);
    bool ok = co_await probe->run(std::move(target), start + module.timeout, result);
    result.set("probe_success", "Displays whether or not the probe was a success", ok ? 1 : 0);
    result.set("probe_duration_seconds", "Returns how long the probe took to complete in seconds",
               seconds_between(start, Clock::now()));
    co_return result;
}

void spawn_probe(asio::any_io_executor executor, config::ProbeModule module, std::string target,
                 std::function<void(ProbeResult)> on_done) {
    asio::co_spawn(
        executor,
        [module = std::move(module), target = std::move(target),
         on_done = std::move(on_done)]() mutable -> asio::awaitable<void> {
            on_done(co_await run_probe(std::move(module), std::move(target)));
        },
        asio::detached);
}

}  // namespace autoscrape::probes
