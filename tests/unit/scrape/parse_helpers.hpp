// Test helpers: run a TextParser over a body, whole or in pieces, and collect what it returned.
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

// Parses a body given in pieces (reset() with the first, continue_with() with the others), as a
// body streaming in arrives; pieces_of() cuts them.
inline Outcome parse_pieces(const std::vector<std::string_view>& pieces, Format format) {
    Outcome outcome;
    TextParser parser;
    parser.reset(pieces.front(), format, pieces.size() == 1);
    std::size_t given = 1;
    for (int guard = 0; guard < 1'000'000; ++guard) {
        const Entry kind = parser.next();
        if (kind == Entry::More || (kind == Entry::Eof && given < pieces.size())) {
            if (given == pieces.size()) {
                outcome.error = "More after the last piece";
                return outcome;
            }
            parser.continue_with(pieces[given], given + 1 == pieces.size());
            ++given;
            continue;
        }
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

inline Outcome parse_all(std::string_view body, Format format) { return parse_pieces({body}, format); }

// The body cut after every `lines`-th line break (the last piece holds the rest, maybe nothing).
inline std::vector<std::string_view> pieces_of(std::string_view body, std::size_t lines) {
    std::vector<std::string_view> pieces;
    std::size_t start = 0;
    std::size_t seen = 0;
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] != '\n' || ++seen % lines != 0) continue;
        pieces.push_back(body.substr(start, i + 1 - start));
        start = i + 1;
    }
    pieces.push_back(body.substr(start));
    return pieces;
}

inline std::string read_data(const std::string& name) {
    std::ifstream in(std::string(AUTOSCRAPE_TEST_DATA) + "/exposition/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace autoscrape::scrape::testing
