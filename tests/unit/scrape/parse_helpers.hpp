// Test helpers: run a TextParser over a whole body and collect what it returned.
#pragma once

#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "agent/scrape/text_parser.hpp"

namespace autoscrape::scrape::testing {

struct Parsed {
    Entry kind = Entry::Eof;
    std::string name;
    std::string series;
    std::vector<std::pair<std::string, std::string>> labels;
    double value = 0;
    std::optional<std::int64_t> timestamp;
    std::string text;
    MetricType type = MetricType::Unknown;
};

struct Outcome {
    std::vector<Parsed> entries;  // without the final Eof / Error
    std::string error;            // ParseError::to_string(), empty when the body parsed

    std::vector<Parsed> series() const {
        std::vector<Parsed> out;
        for (const Parsed& p : entries) {
            if (p.kind == Entry::Series) out.push_back(p);
        }
        return out;
    }
};

inline Outcome parse_all(std::string_view body, Format format) {
    Outcome outcome;
    TextParser parser(body, format);
    for (int guard = 0; guard < 1'000'000; ++guard) {
        const Entry kind = parser.next();
        if (kind == Entry::Eof) return outcome;
        if (kind == Entry::Error) {
            outcome.error = parser.error().to_string();
            return outcome;
        }
        Parsed p;
        p.kind = kind;
        p.name = parser.metric_name();
        p.series = parser.series();
        for (std::size_t i = 0; i < parser.label_count(); ++i) {
            p.labels.emplace_back(parser.label(i).name, parser.label(i).value);
        }
        p.value = parser.value();
        p.timestamp = parser.timestamp_ms();
        p.text = kind == Entry::Series ? "" : std::string(parser.help());
        p.type = parser.type();
        outcome.entries.push_back(std::move(p));
    }
    outcome.error = "parser did not finish";
    return outcome;
}

inline std::string read_data(const std::string& name) {
    std::ifstream in(std::string(AUTOSCRAPE_TEST_DATA) + "/exposition/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace autoscrape::scrape::testing
