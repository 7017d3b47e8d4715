// libFuzzer target for the exposition parser. The first byte picks the format (bit 0), whether the
// rest is first inflated as gzip (bit 1), and how many lines go in a piece when the body is parsed
// again in pieces, as a body streaming in arrives (bits 2-7, plus one); the rest is the body. The
// whole and the pieces must parse alike. The body and each piece are heap buffers of exactly their
// size, so any read past one is an ASan report.
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/scrape/gzip.hpp"
#include "agent/scrape/text_parser.hpp"

using namespace autoscrape::scrape;

namespace {

// What a parse gave: entries, a checksum of what they held, and the error.
struct Summary {
    std::size_t entries = 0;
    std::size_t checksum = 0;
    std::string error;
    bool operator==(const Summary&) const = default;
};

std::size_t checksum_of(const TextParser& parser, Entry e, std::string_view piece) {
    std::size_t checksum = parser.metric_name().size() + static_cast<std::size_t>(e);
    if (e != Entry::Series) {
        for (const char c : parser.help()) checksum += static_cast<unsigned char>(c);
        return checksum;
    }
    const std::string_view series = parser.series();
    if (series.data() < piece.data() || series.data() + series.size() > piece.data() + piece.size()) std::abort();
    for (std::size_t l = 0; l < parser.label_count(); ++l) {
        const LabelView label = parser.label(l);
        checksum += label.name.size() + label.value.size();
        for (const char c : label.value) checksum += static_cast<unsigned char>(c);
    }
    checksum += static_cast<std::size_t>(parser.timestamp_ms().value_or(0));
    return checksum + std::bit_cast<std::uint64_t>(parser.value());
}

Summary parse_pieces(const std::vector<std::string_view>& pieces, Format format, std::size_t body_size) {
    Summary out;
    TextParser parser;
    parser.reset(pieces.front(), format, pieces.size() == 1);
    std::size_t given = 1;
    // A body of n bytes has at most n + 1 lines, each piece ends one: this bound never cuts a
    // valid run short.
    for (std::size_t i = 0; i <= body_size + pieces.size() + 1; ++i) {
        const Entry e = parser.next();
        if (e == Entry::More || (e == Entry::Eof && given < pieces.size())) {
            if (given == pieces.size()) std::abort();  // More after the last piece
            parser.continue_with(pieces[given], given + 1 == pieces.size());
            ++given;
            continue;
        }
        if (e == Entry::Eof) return out;
        if (e == Entry::Error) {
            if (parser.error().line == 0 || parser.error().column == 0 || parser.error().message.empty()) std::abort();
            out.error = parser.error().to_string();
            return out;
        }
        ++out.entries;
        out.checksum += checksum_of(parser, e, pieces[given - 1]);
    }
    std::abort();  // more entries than lines: the parser is not advancing
}

void parse_everything(std::string_view body, Format format, std::size_t lines_per_piece) {
    const Summary whole = parse_pieces({body}, format, body.size());
    std::vector<std::unique_ptr<char[]>> copies;
    std::vector<std::string_view> pieces;
    const auto cut = [&](std::size_t from, std::size_t to) {
        copies.push_back(std::make_unique<char[]>(to - from));
        if (to > from) std::memcpy(copies.back().get(), body.data() + from, to - from);
        pieces.emplace_back(copies.back().get(), to - from);
    };
    std::size_t start = 0;
    std::size_t lines = 0;
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] != '\n' || ++lines % lines_per_piece != 0) continue;
        cut(start, i + 1);
        start = i + 1;
    }
    cut(start, body.size());
    if (!(parse_pieces(pieces, format, body.size()) == whole)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const Format format = (data[0] & 1) != 0 ? Format::OpenMetrics : Format::PrometheusText;
    const bool gzipped = (data[0] & 2) != 0;
    const std::size_t lines_per_piece = (data[0] >> 2) + 1;
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    if (gzipped) {
        const Decompressed out = decompress_gzip(rest, 1 << 20);
        if (out.ok()) parse_everything(out.body, format, lines_per_piece);
        return 0;
    }
    parse_everything(rest, format, lines_per_piece);
    return 0;
}
