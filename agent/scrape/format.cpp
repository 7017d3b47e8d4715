#include "agent/scrape/format.hpp"

#include <algorithm>
#include <cctype>

namespace autoscrape::scrape {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

Format format_from_content_type(std::string_view content_type) {
    const std::string_view media_type = trim(content_type.substr(0, content_type.find(';')));
    return iequals(media_type, "application/openmetrics-text") ? Format::OpenMetrics
                                                                : Format::PrometheusText;
}

}  // namespace autoscrape::scrape
