#include "agent/scrape/target_builder.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "config/units.hpp"

namespace autoscrape::scrape {

namespace {

using config::RelabelAction;
using config::RelabelConfig;

// docker_sd's name for a container label (sanitised: `prometheus.io/scrape` -> `prometheus_io_scrape`).
std::string container_label(std::string_view sanitised) {
    return "__meta_docker_container_label_" + std::string(sanitised);
}

RelabelConfig copy_to(std::string source, std::string target, std::string regex = "(.+)",
                      std::string replacement = "$1") {
    RelabelConfig rule;
    rule.source_labels = {std::move(source)};
    rule.target_label = std::move(target);
    rule.regex = std::move(regex);
    rule.replacement = std::move(replacement);
    return rule;
}

std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
    for (const unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

std::uint16_t private_port(const std::map<std::string, std::string>& labels) {
    const auto it = labels.find("__meta_docker_port_private");
    std::uint16_t port = 0;
    if (it != labels.end()) std::from_chars(it->second.data(), it->second.data() + it->second.size(), port);
    return port;
}

// Sets __address__ to the container's watched-network IP and the port in `port_label`.
void address_from(std::vector<RelabelConfig>& rules, const std::string& port_label) {
    RelabelConfig v4;
    v4.source_labels = {"__meta_docker_network_ip", port_label};
    v4.regex = "([^:]+);([0-9]+)";
    v4.target_label = "__address__";
    v4.replacement = "$1:$2";
    rules.push_back(v4);
    RelabelConfig v6 = v4;
    v6.regex = "(.+:.*);([0-9]+)";
    v6.replacement = "[$1]:$2";
    rules.push_back(v6);
}

}  // namespace

std::string ScrapeTarget::request_target() const {
    std::string out = path.empty() || path.front() != '/' ? "/" + path : path;
    char sep = out.find('?') == std::string::npos ? '?' : '&';
    for (const auto& [name, value] : params) {
        out += sep;
        out += name;
        out += '=';
        out += value;
        sep = '&';
    }
    return out;
}

std::string ScrapeTarget::url() const { return scheme + "://" + address + request_target(); }

std::uint64_t ScrapeTarget::hash() const {
    std::uint64_t h = 14695981039346656037ULL;
    for (const auto& label : labels) {
        h = fnv1a(h, label.name);
        h = fnv1a(h, std::string_view("\xff", 1));
        h = fnv1a(h, label.value);
        h = fnv1a(h, std::string_view("\xff", 1));
    }
    return fnv1a(h, url());
}

std::vector<RelabelConfig> default_relabel_rules(config::DiscoveryConfig::Mode mode) {
    const std::string scrape = container_label("prometheus_io_scrape");
    const std::string enable = container_label("autoscrape_enable");
    const std::string opted_in = "__tmp_autoscrape_opted_in";
    std::vector<RelabelConfig> rules;

    // An explicit opt-out wins in both modes, over a profile too.
    RelabelConfig opt_out;
    opt_out.source_labels = {scrape, enable};
    opt_out.regex = "false;.*|.*;false";
    opt_out.action = RelabelAction::Drop;
    rules.push_back(opt_out);
    rules.push_back(copy_to(scrape, opted_in, "true", "true"));
    rules.push_back(copy_to(enable, opted_in, "true", "true"));
    RelabelConfig opt;
    opt.source_labels = {opted_in, "__meta_autoscrape_profile", "__meta_autoscrape_metrics_port"};
    if (mode == config::DiscoveryConfig::Mode::Label) {
        // Opted in by either label, or matched by a profile that says where the metrics are.
        opt.regex = "true;.*|.*;[0-9]+";
        opt.action = RelabelAction::Keep;
    } else {
        // Everything on a watched network, except a profile's service without metrics (a database
        // port is no metrics endpoint) unless a label opts it in.
        opt.regex = ";.+;";
        opt.action = RelabelAction::Drop;
    }
    rules.push_back(opt);

    // The profile's metrics port, then prometheus.io/port over it, on the container's
    // watched-network IP: every per-port target of the container gets the same address and they
    // collapse into one.
    address_from(rules, "__meta_autoscrape_metrics_port");
    address_from(rules, container_label("prometheus_io_port"));

    // Profile first, container labels over it.
    rules.push_back(copy_to("__meta_autoscrape_metrics_path", "__metrics_path__"));
    rules.push_back(copy_to(container_label("prometheus_io_path"), "__metrics_path__"));
    rules.push_back(copy_to("__meta_autoscrape_metrics_scheme", "__scheme__", "(https?)"));
    rules.push_back(copy_to(container_label("prometheus_io_scheme"), "__scheme__", "(https?)"));
    rules.push_back(copy_to("__meta_autoscrape_job", "job"));
    rules.push_back(copy_to(container_label("autoscrape_job"), "job"));
    rules.push_back(copy_to(container_label("autoscrape_interval"), "__scrape_interval__"));
    rules.push_back(copy_to("__meta_docker_container_name", "container", "/?(.+)"));
    rules.push_back(copy_to("__meta_autoscrape_compose_service", "compose_service"));
    rules.push_back(copy_to("__meta_autoscrape_compose_project", "compose_project"));
    rules.push_back(copy_to("__meta_autoscrape_exported_container", "exported_container"));
    rules.push_back(copy_to("__meta_autoscrape_exported_service", "service"));
    return rules;
}

TargetBuilder::TargetBuilder(const config::Config& config)
    : global_(config.global),
      defaults_on_(config.discovery.default_relabel_rules),
      defaults_(defaults_on_ ? default_relabel_rules(config.discovery.mode) : std::vector<RelabelConfig>{}),
      user_(config.relabel_configs) {}

std::optional<ScrapeTarget> TargetBuilder::build_one(const std::string& source, LabelSet discovered) const {
    // Prometheus presets these before relabelling, so rules can read and override them.
    if (!discovered.has("job")) {
        std::string_view job = discovered.get("__meta_autoscrape_compose_service");
        if (job.empty()) job = discovered.get("__meta_docker_container_name");
        if (!job.empty() && job.front() == '/') job.remove_prefix(1);
        discovered.set("job", job.empty() ? "docker" : job);
    }
    if (!discovered.has("__scheme__")) discovered.set("__scheme__", "http");
    if (!discovered.has("__metrics_path__")) discovered.set("__metrics_path__", "/metrics");
    if (!discovered.has("__scrape_interval__"))
        discovered.set("__scrape_interval__", config::format_duration(global_.scrape_interval));
    if (!discovered.has("__scrape_timeout__"))
        discovered.set("__scrape_timeout__", config::format_duration(global_.scrape_timeout));

    LabelSet labels = discovered;
    if (!defaults_.apply(labels) || !user_.apply(labels)) return std::nullopt;
    if (labels.get("__address__").empty()) return std::nullopt;

    ScrapeTarget target;
    const auto interval = config::parse_duration(labels.get("__scrape_interval__"));
    const auto timeout = config::parse_duration(labels.get("__scrape_timeout__"));
    if (!interval || !timeout || interval->count() <= 0 || timeout->count() <= 0) return std::nullopt;
    target.interval = *interval;
    target.timeout = std::min(*timeout, *interval);
    target.source = source;
    target.scheme = std::string(labels.get("__scheme__"));
    target.address = std::string(labels.get("__address__"));
    target.path = std::string(labels.get("__metrics_path__"));
    if (target.scheme != "http" && target.scheme != "https") return std::nullopt;

    if (!labels.has("instance")) labels.set("instance", target.address);
    for (const auto& label : labels) {
        constexpr std::string_view kParam = "__param_";
        if (label.name.starts_with(kParam))
            target.params.emplace_back(label.name.substr(kParam.size()), label.value);
    }
    labels.del_if([](const Label& l) { return l.name.starts_with("__"); });
    target.labels = std::move(labels);
    target.discovered = std::move(discovered);
    return target;
}

BuiltGroup TargetBuilder::build(const discovery::TargetGroup& group) const {
    // The per-port targets in preference order: the port the labels name first, then ascending.
    std::vector<const discovery::Target*> order;
    for (const auto& t : group.targets) order.push_back(&t);
    const std::string port_label = container_label("prometheus_io_port");
    std::stable_sort(order.begin(), order.end(), [&](const auto* a, const auto* b) {
        // The port prometheus.io/port names, else the profile's metrics port.
        const auto named = [&](const discovery::Target* t) {
            auto it = t->labels.find(port_label);
            if (it == t->labels.end()) it = t->labels.find("__meta_autoscrape_metrics_port");
            return it != t->labels.end() && it->second == std::to_string(private_port(t->labels));
        };
        if (named(a) != named(b)) return named(a);
        return private_port(a->labels) < private_port(b->labels);
    });

    BuiltGroup out;
    std::set<std::string> seen;
    for (const auto* t : order) {
        LabelSet discovered;
        for (const auto& [name, value] : t->labels) discovered.set(name, value);
        auto target = build_one(group.source, discovered);
        if (!target || (defaults_on_ && !out.active.empty()) ||
            !seen.insert(target->address + target->request_target()).second) {
            out.dropped.push_back(target ? std::move(target->discovered) : std::move(discovered));
            continue;
        }
        out.active.push_back(std::move(*target));
    }
    return out;
}

}  // namespace autoscrape::scrape
