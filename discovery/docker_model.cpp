#include "discovery/docker_model.hpp"

#include <boost/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <utility>

namespace autoscrape::discovery {
namespace json = boost::json;

namespace {

// Walks untrusted JSON: a missing field reads as its default (Docker omits empty ones across API
// versions), a field of the wrong type is an error naming the field.
class Reader {
public:
    const json::object* object(const json::value& v, std::string_view what) {
        if (const auto* o = v.if_object()) return o;
        fail(fmt::format("{} is not an object", what));
        return nullptr;
    }

    std::string string(const json::object& o, std::string_view key) {
        const auto* v = o.if_contains(key);
        if (v == nullptr || v->is_null()) return {};
        if (const auto* s = v->if_string()) return std::string(*s);
        fail(fmt::format("field {} is not a string", key));
        return {};
    }

    bool boolean(const json::object& o, std::string_view key) {
        const auto* v = o.if_contains(key);
        if (v == nullptr || v->is_null()) return false;
        if (const auto* b = v->if_bool()) return *b;
        fail(fmt::format("field {} is not a boolean", key));
        return false;
    }

    std::uint16_t port(const json::object& o, std::string_view key) {
        const auto* v = o.if_contains(key);
        if (v == nullptr || v->is_null()) return 0;
        std::int64_t n = -1;
        if (const auto* i = v->if_int64()) n = *i;
        else if (const auto* u = v->if_uint64(); u != nullptr && *u <= 65535) n = static_cast<std::int64_t>(*u);
        if (n < 0 || n > 65535) {
            fail(fmt::format("field {} is not a port number", key));
            return 0;
        }
        return static_cast<std::uint16_t>(n);
    }

    LabelMap labels(const json::object& o, std::string_view key) {
        LabelMap out;
        const auto* v = o.if_contains(key);
        if (v == nullptr || v->is_null()) return out;
        const auto* m = v->if_object();
        if (m == nullptr) {
            fail(fmt::format("field {} is not an object", key));
            return out;
        }
        if (m->size() > kMaxLabelsPerObject) {
            fail(fmt::format("field {} has {} entries, more than {}", key, m->size(), kMaxLabelsPerObject));
            return out;
        }
        for (const auto& [k, val] : *m) {
            const auto* s = val.if_string();
            if (s == nullptr) {
                fail(fmt::format("{} value of {} is not a string", key, std::string_view(k)));
                return out;
            }
            out.emplace(std::string(k), std::string(*s));
        }
        return out;
    }

    void fail(std::string message) {
        if (error_.empty()) error_ = std::move(message);
    }
    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }

    // A well-formed object beyond a per-object limit: the list stays usable without it.
    void reject(std::string message) {
        if (rejection_.empty()) rejection_ = std::move(message);
    }
    std::string take_rejection() { return std::exchange(rejection_, {}); }

private:
    std::string error_;
    std::string rejection_;
};

Result<json::value> parse_json(std::string_view text) {
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = 64;
    json::value v = json::parse(text, ec, {}, opts);
    if (ec) return Error{fmt::format("invalid JSON: {}", ec.message())};
    return v;
}

Container read_container(Reader& r, const json::object& o) {
    Container c;
    c.id = r.string(o, "Id");
    if (c.id.empty()) r.fail("container without Id");
    if (const auto* names = o.if_contains("Names"); names != nullptr && !names->is_null()) {
        const auto* arr = names->if_array();
        if (arr == nullptr) {
            r.fail("field Names is not an array");
            return c;
        }
        for (const auto& n : *arr) {
            const auto* s = n.if_string();
            if (s == nullptr) {
                r.fail("field Names holds a non-string");
                return c;
            }
            c.names.emplace_back(*s);
        }
    }
    c.image = r.string(o, "Image");
    c.state = r.string(o, "State");
    c.labels = r.labels(o, "Labels");
    for (const auto& [key, value] : c.labels) {
        if (value.size() > kMaxLabelValueBytes) {
            r.reject(fmt::format("container {}: label {} has a value of {} bytes, more than {}", c.id, key,
                                 value.size(), kMaxLabelValueBytes));
            break;
        }
    }
    if (const auto* hc = o.if_contains("HostConfig"); hc != nullptr && !hc->is_null()) {
        if (const auto* hco = r.object(*hc, "HostConfig")) c.network_mode = r.string(*hco, "NetworkMode");
    }
    if (const auto* ports = o.if_contains("Ports"); ports != nullptr && !ports->is_null()) {
        const auto* arr = ports->if_array();
        if (arr == nullptr || arr->size() > kMaxPortsPerContainer) {
            r.fail("field Ports is not an array of bounded size");
            return c;
        }
        c.ports.reserve(arr->size());
        for (const auto& p : *arr) {
            const auto* po = r.object(p, "port");
            if (po == nullptr) return c;
            c.ports.push_back({r.string(*po, "IP"), r.port(*po, "PrivatePort"), r.port(*po, "PublicPort"),
                               r.string(*po, "Type")});
        }
        // The engine lists ports in map order, which changes between calls; sorted, an unchanged
        // container compares equal and is not reported as changed on every re-list.
        std::sort(c.ports.begin(), c.ports.end(), [](const PortBinding& a, const PortBinding& b) {
            return std::tie(a.private_port, a.type, a.ip, a.public_port) <
                   std::tie(b.private_port, b.type, b.ip, b.public_port);
        });
    }
    if (const auto* ns = o.if_contains("NetworkSettings"); ns != nullptr && !ns->is_null()) {
        const auto* nso = r.object(*ns, "NetworkSettings");
        if (nso == nullptr) return c;
        if (const auto* nets = nso->if_contains("Networks"); nets != nullptr && !nets->is_null()) {
            const auto* no = r.object(*nets, "Networks");
            if (no == nullptr) return c;
            if (no->size() > kMaxNetworksPerContainer) {
                r.fail("field Networks has too many entries");
                return c;
            }
            for (const auto& [name, ep] : *no) {
                // docker_sd skips null endpoints; so do we.
                if (ep.is_null()) continue;
                const auto* epo = r.object(ep, "network endpoint");
                if (epo == nullptr) return c;
                c.networks.emplace(std::string(name),
                                   Endpoint{r.string(*epo, "NetworkID"), r.string(*epo, "IPAddress")});
            }
        }
    }
    return c;
}

template <class T, class ReadOne>
Result<std::vector<T>> parse_array(std::string_view text, std::string_view what, ReadOne read_one,
                                   std::vector<std::string>* rejected) {
    auto parsed = parse_json(text);
    if (!parsed) return parsed.error();
    const auto* arr = parsed.value().if_array();
    if (arr == nullptr) return Error{fmt::format("{} is not a JSON array", what)};
    Reader r;
    std::vector<T> out;
    out.reserve(arr->size());
    for (const auto& element : *arr) {
        const auto* o = r.object(element, what);
        if (o == nullptr) break;
        T item = read_one(r, *o);
        if (r.failed()) break;
        if (auto why = r.take_rejection(); !why.empty()) {
            if (rejected != nullptr) rejected->push_back(std::move(why));
            continue;
        }
        out.push_back(std::move(item));
    }
    if (r.failed()) return Error{fmt::format("{}: {}", what, r.error())};
    return out;
}

}  // namespace

Result<std::vector<Container>> parse_container_list(std::string_view text, std::vector<std::string>* rejected) {
    return parse_array<Container>(text, "container list", read_container, rejected);
}

Result<std::vector<Network>> parse_network_list(std::string_view text) {
    return parse_array<Network>(text, "network list", [](Reader& r, const json::object& o) {
        Network n;
        n.id = r.string(o, "Id");
        if (n.id.empty()) r.fail("network without Id");
        n.name = r.string(o, "Name");
        n.scope = r.string(o, "Scope");
        n.driver = r.string(o, "Driver");
        n.internal = r.boolean(o, "Internal");
        n.ingress = r.boolean(o, "Ingress");
        n.labels = r.labels(o, "Labels");
        return n;
    }, nullptr);
}

Result<Event> parse_event(std::string_view text) {
    auto parsed = parse_json(text);
    if (!parsed) return parsed.error();
    Reader r;
    const auto* o = r.object(parsed.value(), "event");
    if (o == nullptr) return Error{r.error()};
    Event e;
    e.type = r.string(*o, "Type");
    e.action = r.string(*o, "Action");
    if (const auto* actor = o->if_contains("Actor"); actor != nullptr && !actor->is_null()) {
        if (const auto* ao = r.object(*actor, "Actor")) {
            e.actor_id = r.string(*ao, "ID");
            e.attributes = r.labels(*ao, "Attributes");
        }
    }
    if (!r.failed() && (e.type.empty() || e.action.empty())) r.fail("event without Type or Action");
    if (r.failed()) return Error{fmt::format("event: {}", r.error())};
    return e;
}

Result<VersionInfo> parse_version(std::string_view text) {
    auto parsed = parse_json(text);
    if (!parsed) return parsed.error();
    Reader r;
    const auto* o = r.object(parsed.value(), "version");
    if (o == nullptr) return Error{r.error()};
    VersionInfo v{r.string(*o, "Version"), r.string(*o, "ApiVersion"), r.string(*o, "MinAPIVersion")};
    if (!r.failed() && v.api_version.empty()) r.fail("no ApiVersion");
    if (r.failed()) return Error{fmt::format("version: {}", r.error())};
    return v;
}

}  // namespace autoscrape::discovery
