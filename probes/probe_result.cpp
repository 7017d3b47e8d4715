#include "probes/probe_result.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace autoscrape::probes {
namespace {

void append_escaped(std::string& out, std::string_view text, bool quote) {
    for (char c : text) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (quote && c == '"') out += "\\\"";
        else out += c;
    }
}

void append_value(std::string& out, double v) {
    if (std::isnan(v)) out += "NaN";
    else if (std::isinf(v)) out += v > 0 ? "+Inf" : "-Inf";
    else fmt::format_to(std::back_inserter(out), "{}", v);
}

}  // namespace

ProbeSample& ProbeResult::sample(std::string_view name, std::string_view help, SampleLabels labels) {
    auto family = std::find_if(families_.begin(), families_.end(), [&](const ProbeFamily& f) { return f.name == name; });
    if (family == families_.end()) {
        families_.push_back(ProbeFamily{std::string(name), std::string(help), {}});
        family = families_.end() - 1;
    }
    auto& samples = family->samples;
    auto it = std::find_if(samples.begin(), samples.end(), [&](const ProbeSample& s) { return s.labels == labels; });
    if (it != samples.end()) return *it;
    samples.push_back(ProbeSample{std::move(labels), 0});
    return samples.back();
}

void ProbeResult::set(std::string_view name, std::string_view help, double value) {
    sample(name, help, {}).value = value;
}

void ProbeResult::set(std::string_view name, std::string_view help, SampleLabels labels, double value) {
    sample(name, help, std::move(labels)).value = value;
}

void ProbeResult::add(std::string_view name, std::string_view help, SampleLabels labels, double value) {
    sample(name, help, std::move(labels)).value += value;
}

const ProbeFamily* ProbeResult::find(std::string_view name) const {
    auto it = std::find_if(families_.begin(), families_.end(), [&](const ProbeFamily& f) { return f.name == name; });
    return it == families_.end() ? nullptr : &*it;
}

double ProbeResult::value(std::string_view name, const SampleLabels& labels) const {
    if (const auto* family = find(name)) {
        for (const auto& s : family->samples)
            if (s.labels == labels) return s.value;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

std::string render_probe_result(const ProbeResult& result) {
    std::vector<const ProbeFamily*> families;
    for (const auto& f : result.families()) families.push_back(&f);
    std::sort(families.begin(), families.end(), [](auto* a, auto* b) { return a->name < b->name; });

    std::string out;
    for (const auto* family : families) {
        out += "# HELP ";
        out += family->name;
        out += ' ';
        append_escaped(out, family->help, false);
        out += "\n# TYPE ";
        out += family->name;
        out += " gauge\n";
        std::vector<const ProbeSample*> samples;
        for (const auto& s : family->samples) samples.push_back(&s);
        std::sort(samples.begin(), samples.end(), [](auto* a, auto* b) { return a->labels < b->labels; });
        for (const auto* s : samples) {
            out += family->name;
            if (!s->labels.empty()) {
                out += '{';
                bool first = true;
                for (const auto& [name, value] : s->labels) {
                    if (!first) out += ',';
                    first = false;
                    out += name;
                    out += "=\"";
                    append_escaped(out, value, true);
                    out += '"';
                }
                out += '}';
            }
            out += ' ';
            append_value(out, s->value);
            out += '\n';
        }
    }
    return out;
}

}  // namespace autoscrape::probes
