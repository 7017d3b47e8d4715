// libFuzzer target for the relabeller: the input chooses up to four rules (action, source labels,
// separator, regex, modulus, target, replacement) and a label set, then checks that applying the
// rules keeps the set sorted, free of empty values, and never crashes on bad regexes.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#include "agent/scrape/relabel.hpp"

using namespace autoscrape::scrape;
using autoscrape::config::RelabelAction;
using autoscrape::config::RelabelConfig;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    std::vector<RelabelConfig> rules(in.ConsumeIntegralInRange<std::size_t>(1, 4));
    for (RelabelConfig& rule : rules) {
        rule.action = static_cast<RelabelAction>(
            in.ConsumeIntegralInRange<int>(0, static_cast<int>(RelabelAction::Uppercase)));
        rule.source_labels.resize(in.ConsumeIntegralInRange<std::size_t>(0, 3));
        for (std::string& name : rule.source_labels) name = in.ConsumeRandomLengthString(16);
        if (in.ConsumeBool()) rule.separator = in.ConsumeRandomLengthString(4);
        if (in.ConsumeBool()) rule.regex = in.ConsumeRandomLengthString(32);
        rule.modulus = in.ConsumeIntegral<std::uint8_t>();
        rule.target_label = in.ConsumeRandomLengthString(16);
        if (in.ConsumeBool()) rule.replacement = in.ConsumeRandomLengthString(32);
    }
    LabelSet labels;
    while (in.remaining_bytes() > 0 && labels.size() < 16) {
        const std::string name = in.ConsumeRandomLengthString(16);
        labels.set(name, in.ConsumeRandomLengthString(32));
    }
    try {
        const Relabeler relabeler(rules);
        if (!relabeler.apply(labels)) return 0;
    } catch (const std::invalid_argument&) {
        return 0;
    }
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i].value.empty()) std::abort();
        if (i > 0 && !(labels[i - 1].name < labels[i].name)) std::abort();
    }
    return 0;
}
