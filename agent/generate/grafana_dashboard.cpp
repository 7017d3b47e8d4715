#include "agent/generate/grafana_dashboard.hpp"

namespace autoscrape::generate {
namespace {

constexpr int kColumns = 24;
constexpr int kSchemaVersion = 39;

boost::json::object datasource() {
    return {{"type", "prometheus"}, {"uid", kGrafanaDatasourceUid}};
}

boost::json::array targets(const std::vector<PanelQuery>& queries) {
    boost::json::array out;
    char ref = 'A';
    for (const auto& q : queries) {
        out.push_back(boost::json::object{{"refId", std::string(1, ref++)},
                                          {"datasource", datasource()},
                                          {"expr", q.expr},
                                          {"legendFormat", q.legend.empty() ? "__auto" : q.legend}});
    }
    return out;
}

boost::json::object thresholds(Bad bad, double bad_from) {
    boost::json::array steps;
    if (bad == Bad::High) {
        steps.push_back({{"color", "green"}, {"value", nullptr}});
        steps.push_back({{"color", "red"}, {"value", bad_from}});
    } else {
        steps.push_back({{"color", "red"}, {"value", nullptr}});
        steps.push_back({{"color", "green"}, {"value", bad_from}});
    }
    return {{"mode", "absolute"}, {"steps", std::move(steps)}};
}

}  // namespace

DashboardBuilder::DashboardBuilder(std::string uid, std::string title, std::string description)
    : uid_(std::move(uid)), title_(std::move(title)), description_(std::move(description)) {}

boost::json::object DashboardBuilder::panel(const std::string& type, const std::string& title,
                                            const std::string& description, int width, int height) {
    if (x_ + width > kColumns) {
        x_ = 0;
        y_ += line_height_;
        line_height_ = 0;
    }
    boost::json::object p{{"id", next_id_++},
                          {"type", type},
                          {"title", title},
                          {"description", description},
                          {"datasource", datasource()},
                          {"gridPos", {{"h", height}, {"w", width}, {"x", x_}, {"y", y_}}}};
    x_ += width;
    line_height_ = std::max(line_height_, height);
    return p;
}

void DashboardBuilder::stat(const std::string& title, const std::string& description, const std::string& expr,
                            Bad bad, double bad_from) {
    auto p = panel("stat", title, description, 6, 4);
    p["targets"] = targets({{expr, ""}});
    p["fieldConfig"] = {{"defaults", {{"thresholds", thresholds(bad, bad_from)}, {"unit", "short"}}},
                        {"overrides", boost::json::array{}}};
    p["options"] = {{"colorMode", "background"},
                    {"graphMode", "none"},
                    {"reduceOptions", {{"calcs", {"lastNotNull"}}, {"fields", ""}, {"values", false}}}};
    panels_.push_back(std::move(p));
}

void DashboardBuilder::timeseries(const std::string& title, const std::string& description,
                                  std::vector<PanelQuery> queries, const std::string& unit, bool full_width) {
    auto p = panel("timeseries", title, description, full_width ? kColumns : kColumns / 2, 8);
    p["targets"] = targets(queries);
    p["fieldConfig"] = {{"defaults", {{"unit", unit}}}, {"overrides", boost::json::array{}}};
    p["options"] = {{"legend", {{"displayMode", "list"}, {"placement", "bottom"}, {"showLegend", true}}},
                    {"tooltip", {{"mode", "multi"}, {"sort", "desc"}}}};
    panels_.push_back(std::move(p));
}

boost::json::object DashboardBuilder::build() const {
    return {{"id", nullptr},
            {"uid", uid_},
            {"title", title_},
            {"description", description_},
            {"tags", {"autoscrape"}},
            {"schemaVersion", kSchemaVersion},
            {"version", 1},
            {"editable", false},
            {"graphTooltip", 1},
            {"refresh", "30s"},
            {"time", {{"from", "now-6h"}, {"to", "now"}}},
            {"timezone", "browser"},
            {"templating", {{"list", boost::json::array{}}}},
            {"annotations", {{"list", boost::json::array{}}}},
            {"panels", panels_}};
}

}  // namespace autoscrape::generate
