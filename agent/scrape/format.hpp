// Which exposition format a scrape body is in, and how we ask a target for one.
//
// The choice follows Prometheus' scraper: we offer OpenMetrics first and the classic text format
// 0.0.4 second, and read the answer's Content-Type the way Prometheus does, so an exporter sees
// the same negotiation it already serves to Prometheus.
#pragma once

#include <string_view>

namespace autoscrape::scrape {

enum class Format { PrometheusText, OpenMetrics };

// The Accept header Prometheus 2.49+ sends with its default scrape protocols
// (OpenMetricsText1.0.0, OpenMetricsText0.0.1, PrometheusText0.0.4).
inline constexpr std::string_view kAcceptHeader =
    "application/openmetrics-text;version=1.0.0;q=0.4,"
    "application/openmetrics-text;version=0.0.1;q=0.3,"
    "text/plain;version=0.0.4;q=0.2,*/*;q=0.1";

// OpenMetrics for `application/openmetrics-text` (any version, any parameters, any case);
// everything else, including a missing or malformed header, is the classic text format, as in
// Prometheus.
Format format_from_content_type(std::string_view content_type);

}  // namespace autoscrape::scrape
