// The Docker Engine objects discovery works with, and their parsing from Engine API JSON.
//
// Parsing is pure (no I/O) so unit tests and the fuzzer feed it JSON directly. Docker JSON is
// untrusted input: every parser validates types, bounds sizes and returns an Error, never throws.
// Containers use the shape of `GET /containers/json` (not inspect), the shape Prometheus'
// docker_sd builds its targets from, so our labels match its labels field for field.
#pragma once

#include "discovery/result.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace autoscrape::discovery {

using LabelMap = std::map<std::string, std::string>;

struct PortBinding {
    std::string ip;  // host address of a published port, empty if not published
    std::uint16_t private_port = 0;
    std::uint16_t public_port = 0;
    std::string type;  // tcp, udp, sctp
    bool operator==(const PortBinding&) const = default;
};

struct Endpoint {
    std::string network_id;
    std::string ip_address;
    bool operator==(const Endpoint&) const = default;
};

struct Container {
    std::string id;
    std::vector<std::string> names;  // with the leading '/', as Docker reports them
    std::string image;
    std::string state;
    std::string network_mode;  // HostConfig.NetworkMode: bridge, host, none, container:<id>, <network>
    LabelMap labels;
    std::vector<PortBinding> ports;
    std::map<std::string, Endpoint> networks;  // by network name
    bool operator==(const Container&) const = default;
};

struct Network {
    std::string id;
    std::string name;
    std::string scope;
    std::string driver;
    bool internal = false;
    bool ingress = false;
    LabelMap labels;
    bool operator==(const Network&) const = default;
};

struct Event {
    std::string type;    // container, network, ...
    std::string action;  // start, die, connect, "health_status: healthy", ...
    std::string actor_id;
    LabelMap attributes;  // container events: labels + name + image; network events: container, name
    bool operator==(const Event&) const = default;
};

struct VersionInfo {
    std::string version;
    std::string api_version;
    std::string min_api_version;
};

// Limits on untrusted input; beyond them an object is rejected rather than half-kept.
inline constexpr std::size_t kMaxLabelsPerObject = 4096;
inline constexpr std::size_t kMaxPortsPerContainer = 65536;
inline constexpr std::size_t kMaxNetworksPerContainer = 1024;
// Docker itself accepts any size; a value this big is a mistake or an attack, and it would ride
// along in every target label set.
inline constexpr std::size_t kMaxLabelValueBytes = 64ULL << 10;

// A container beyond a per-container limit (kMaxLabelValueBytes) is left out of the list rather
// than failing it, so one odd container cannot blind discovery to all the others; why it was left
// out is appended to `rejected` when given.
Result<std::vector<Container>> parse_container_list(std::string_view json,
                                                    std::vector<std::string>* rejected = nullptr);
Result<std::vector<Network>> parse_network_list(std::string_view json);
Result<Event> parse_event(std::string_view json);
Result<VersionInfo> parse_version(std::string_view json);

}  // namespace autoscrape::discovery
