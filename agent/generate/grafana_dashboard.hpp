// A small builder for Grafana dashboard JSON (schemaVersion 39): it numbers the panels, lays them
// out left to right on the 24-column grid and points every panel and query at the provisioned
// Prometheus datasource by uid. Built with Boost.JSON, so titles and PromQL are escaped correctly.
#pragma once

#include <string>
#include <vector>

#include <boost/json.hpp>

namespace autoscrape::generate {

// The uid of the datasource grafana_provisioning() provisions; dashboards reference it.
inline constexpr const char* kGrafanaDatasourceUid = "autoscrape-prometheus";

struct PanelQuery {
    std::string expr;    // PromQL; may use Grafana's $__rate_interval
    std::string legend;  // legendFormat, e.g. "{{job}} {{instance}}"
};

// Which end of a stat's value is the bad one, for its colour.
enum class Bad { High, Low };

class DashboardBuilder {
public:
    DashboardBuilder(std::string uid, std::string title, std::string description);

    // A single-value panel, 6 columns wide; red once the value passes `bad_from` in the `bad` direction.
    void stat(const std::string& title, const std::string& description, const std::string& expr, Bad bad,
              double bad_from);
    // A graph, 12 columns wide (24 with `full_width`). `unit` is a Grafana unit id (bytes, s, percentunit, ...).
    void timeseries(const std::string& title, const std::string& description, std::vector<PanelQuery> queries,
                    const std::string& unit, bool full_width = false);

    boost::json::object build() const;

private:
    boost::json::object panel(const std::string& type, const std::string& title, const std::string& description,
                              int width, int height);

    std::string uid_;
    std::string title_;
    std::string description_;
    boost::json::array panels_;
    int next_id_ = 1;
    int x_ = 0;
    int y_ = 0;
    int line_height_ = 0;
};

}  // namespace autoscrape::generate
