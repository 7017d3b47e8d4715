// Docker service discovery: follows the engine's /events stream and keeps the target groups of
// the containers on the watched networks current, pushing incremental updates to subscribers.
//
// Start-up subscribes to events first and lists after, so nothing falls in the gap. Events only
// name what changed; the changed containers are then re-listed in one call per coalescing window,
// so a burst of 100 starts costs one request and one diff. A lost stream or a restarted engine
// means reconnect with backoff and a full resync diffed against what we had; a periodic resync
// (docker.refresh_interval) is the safety net.
#pragma once

#include "config/config.hpp"
#include "discovery/docker_client.hpp"
#include "discovery/profile.hpp"
#include "discovery/target_set.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace prometheus {
class Registry;
}

namespace autoscrape::discovery {

// Limits on what the engine may send us.
inline constexpr std::size_t kMaxListBytes = 64ULL << 20;
inline constexpr std::size_t kMaxEventBytes = 1ULL << 20;

// Lists all networks and running containers. Containers beyond a per-container limit are left
// out, with the reason appended to `rejected` (see parse_container_list).
boost::asio::awaitable<Result<EngineState>> fetch_engine_state(DockerClient& client, std::vector<std::string>& rejected);

// Lists the running containers among `ids` (absent ones are stopped or gone), like fetch_engine_state.
boost::asio::awaitable<Result<std::vector<Container>>> fetch_containers(DockerClient& client,
                                                                        const std::set<std::string>& ids,
                                                                        std::vector<std::string>& rejected);

// Fills state.exporter_hosts for the exporters that need their environment (exporter_pairing.hpp):
// from `known` (container id -> host; an environment never changes) or, for new ones, by
// inspecting them. `known` is pruned to the containers in `state`. A failed inspect leaves the
// exporter unpaired (and unknown, to be tried again); its reason is appended to `failures`.
boost::asio::awaitable<void> pair_exporters(DockerClient& client, EngineState& state, const ServiceProfiles& profiles,
                                            std::map<std::string, std::string>& known,
                                            std::vector<std::string>& failures);

class DockerDiscovery {
public:
    using Subscriber = std::function<void(const DiscoveryUpdate&)>;

    // `profiles` add the __meta_autoscrape_* labels (none without them).
    DockerDiscovery(boost::asio::io_context& io, const config::DockerConfig& config, prometheus::Registry& registry,
                    ServiceProfiles profiles = {});
    DockerDiscovery(const DockerDiscovery&) = delete;
    DockerDiscovery& operator=(const DockerDiscovery&) = delete;
    ~DockerDiscovery();

    // Subscribers run on the io_context thread, in subscription order. Subscribe before start():
    // the first update after start() holds every group as added.
    void subscribe(Subscriber subscriber);
    void start();
    void stop();

    // True after a successful sync, false while the engine is unreachable or the stream is lost.
    bool ready() const;
    // The current non-empty target groups; safe from any thread.
    std::vector<TargetGroup> snapshot() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace autoscrape::discovery
