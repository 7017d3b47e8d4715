#include "agent/self_metrics.hpp"

#include <prometheus/family.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <utility>

#include "agent/process_collector.hpp"

namespace autoscrape::agent {

namespace {

std::string compiler_name() {
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#else
    return "unknown";
#endif
}

}  // namespace

BuildInfo build_info() {
    return {AUTOSCRAPE_VERSION, AUTOSCRAPE_REVISION, compiler_name()};
}

SelfMetrics::SelfMetrics()
    : registry_(std::make_shared<prometheus::Registry>()), process_(std::make_shared<ProcessCollector>()) {
    const auto info = build_info();
    prometheus::BuildGauge()
        .Name("autoscrape_build_info")
        .Help("A metric with a constant '1' value labeled by version, revision and compiler of autoscrape.")
        .Register(*registry_)
        .Add({{"version", info.version}, {"revision", info.revision}, {"compiler", info.compiler}})
        .Set(1);
    reload_successful_ = &prometheus::BuildGauge()
                              .Name("autoscrape_config_last_reload_successful")
                              .Help("Whether the last configuration reload attempt was successful.")
                              .Register(*registry_)
                              .Add({});
    reload_success_timestamp_ = &prometheus::BuildGauge()
                                     .Name("autoscrape_config_last_reload_success_timestamp_seconds")
                                     .Help("Timestamp of the last successful configuration reload.")
                                     .Register(*registry_)
                                     .Add({});
}

void SelfMetrics::set_reload_result(bool success, std::chrono::system_clock::time_point at) {
    reload_successful_->Set(success ? 1 : 0);
    if (success) {
        reload_success_timestamp_->Set(std::chrono::duration<double>(at.time_since_epoch()).count());
    }
}

void SelfMetrics::add_collectable(std::weak_ptr<prometheus::Collectable> collectable) {
    const std::lock_guard lock(mutex_);
    collectables_.push_back(std::move(collectable));
}

std::string SelfMetrics::render() const {
    std::vector<std::weak_ptr<prometheus::Collectable>> all{registry_, process_};
    {
        const std::lock_guard lock(mutex_);
        all.insert(all.end(), collectables_.begin(), collectables_.end());
    }
    return render_metrics(all);
}

std::string render_metrics(const std::vector<std::weak_ptr<prometheus::Collectable>>& collectables) {
    std::vector<prometheus::MetricFamily> families;
    for (const auto& weak : collectables) {
        if (const auto collectable = weak.lock()) {
            auto collected = collectable->Collect();
            families.insert(families.end(), std::make_move_iterator(collected.begin()),
                            std::make_move_iterator(collected.end()));
        }
    }
    return prometheus::TextSerializer().Serialize(families);
}

void install_standard_routes(HttpServer& server, SelfMetrics& metrics, std::function<bool()> ready,
                             std::function<ReloadResult()> reload) {
    server.handle_sync(http::verb::get, "/metrics", [&metrics](const Request& request) {
        return make_response(request, http::status::ok, metrics.render(), kMetricsContentType);
    });
    server.handle_sync(http::verb::get, "/-/healthy", [](const Request& request) {
        return make_response(request, http::status::ok, "autoscrape is Healthy.\n");
    });
    server.handle_sync(http::verb::get, "/-/ready", [ready = std::move(ready)](const Request& request) {
        return ready() ? make_response(request, http::status::ok, "autoscrape is Ready.\n")
                       : make_response(request, http::status::service_unavailable, "Service Unavailable\n");
    });
    server.handle_sync(http::verb::post, "/-/reload", [reload = std::move(reload)](const Request& request) {
        const auto result = reload();
        return result.ok ? make_response(request, http::status::ok, "")
                              : make_response(request, http::status::internal_server_error,
                                              "failed to reload config: " + result.error + "\n");
    });
}

}  // namespace autoscrape::agent
