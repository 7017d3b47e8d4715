// What one probe found, as the gauges blackbox_exporter's /probe answers with, and their rendering
// in the Prometheus text format.
//
// A probe fills a ProbeResult as it goes, so whatever it learnt before failing is still reported
// (a refused connection still has its DNS time), exactly like blackbox_exporter's registry per
// probe. Names and HELP strings are blackbox_exporter 0.23's, so dashboards and alerts written for
// it work unchanged.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autoscrape::probes {

using SampleLabels = std::vector<std::pair<std::string, std::string>>;

struct ProbeSample {
    SampleLabels labels;
    double value = 0;
};

// Every blackbox metric is a gauge, so a family needs no type field.
struct ProbeFamily {
    std::string name;
    std::string help;
    std::vector<ProbeSample> samples;
};

class ProbeResult {
public:
    // Sets the unlabelled gauge `name` (creating the family with `help` the first time).
    void set(std::string_view name, std::string_view help, double value);
    // Sets the sample with these labels in family `name`.
    void set(std::string_view name, std::string_view help, SampleLabels labels, double value);
    // Adds to a sample (phases summed over redirects); creates it at 0 first.
    void add(std::string_view name, std::string_view help, SampleLabels labels, double value);

    const ProbeFamily* find(std::string_view name) const;
    // The value of the sample with exactly these labels, or NaN when absent.
    double value(std::string_view name, const SampleLabels& labels = {}) const;
    bool has(std::string_view name) const { return find(name) != nullptr; }

    const std::vector<ProbeFamily>& families() const { return families_; }

    bool success() const { return value("probe_success") == 1; }
    // Why the probe failed, for logs and debugging; empty on success.
    const std::string& error() const { return error_; }
    void set_error(std::string error) { error_ = std::move(error); }

private:
    ProbeSample& sample(std::string_view name, std::string_view help, SampleLabels labels);

    std::vector<ProbeFamily> families_;
    std::string error_;
};

// The text format 0.0.4 body of a /probe answer: families sorted by name, samples by labels.
std::string render_probe_result(const ProbeResult& result);

// The Content-Type blackbox_exporter answers /probe with.
inline constexpr const char* kProbeContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace autoscrape::probes
