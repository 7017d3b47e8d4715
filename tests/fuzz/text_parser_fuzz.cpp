// libFuzzer target for the exposition parser. The first byte picks the format (bit 0) and whether
// the rest is first inflated as gzip (bit 1); the rest is the body. The body is a heap buffer of
// exactly its size, so any read past it is an ASan report.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/scrape/gzip.hpp"
#include "agent/scrape/text_parser.hpp"

using namespace autoscrape::scrape;

namespace {

// Keeps the reads of every view from being optimised away.
volatile std::size_t sink = 0;

void parse_everything(std::string_view body, Format format) {
    TextParser parser(body, format);
    std::size_t checksum = 0;
    // A body of n bytes has at most n + 1 lines, so this bound never cuts a valid run short.
    for (std::size_t i = 0; i <= body.size() + 1; ++i) {
        const Entry e = parser.next();
        if (e == Entry::Eof) {
            sink = sink + checksum;
            return;
        }
        if (e == Entry::Error) {
            if (parser.error().line == 0 || parser.error().column == 0 || parser.error().message.empty()) std::abort();
            return;
        }
        if (e == Entry::Series) {
            const std::string_view series = parser.series();
            if (series.data() < body.data() || series.data() + series.size() > body.data() + body.size()) std::abort();
            for (std::size_t l = 0; l < parser.label_count(); ++l) {
                const LabelView label = parser.label(l);
                checksum += label.name.size() + label.value.size();
                for (const char c : label.value) checksum += static_cast<unsigned char>(c);
            }
            checksum += parser.timestamp_ms().value_or(0) != 0 ? 1 : 0;
        } else {
            for (const char c : parser.help()) checksum += static_cast<unsigned char>(c);
        }
        checksum += parser.metric_name().size();
    }
    std::abort();  // more entries than lines: the parser is not advancing
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const Format format = (data[0] & 1) != 0 ? Format::OpenMetrics : Format::PrometheusText;
    const bool gzipped = (data[0] & 2) != 0;
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    if (gzipped) {
        const Decompressed out = decompress_gzip(rest, 1 << 20);
        if (out.ok()) parse_everything(out.body, format);
        return 0;
    }
    parse_everything(rest, format);
    return 0;
}
