// Typed, position-aware reading of a yaml-cpp node tree, shared by the section decoders.
//
// Reader converts scalars (after ${VAR} expansion) and records a Diagnostic for every problem
// instead of throwing, so one pass reports all errors of a document. Map walks one YAML mapping:
// each key a decoder asks for becomes a known key; finish() reports every other key as unknown,
// with a did-you-mean hint drawn from exactly the keys valid at that place.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/diagnostic.hpp"
#include "config/env.hpp"

namespace autoscrape::config {

class Reader {
public:
    Reader(std::string source, EnvLookup env);

    // `path: message` at the node's position (the fallback's when the node has none).
    void error(const YAML::Node& at, const std::string& path, const std::string& message,
               const YAML::Node& fallback = {});
    void error(const YAML::Mark& at, const std::string& message);
    bool has_errors() const { return !diagnostics_.empty(); }
    std::size_t error_count() const { return diagnostics_.size(); }
    std::vector<Diagnostic> take_diagnostics() { return std::move(diagnostics_); }

    // Each returns nullopt after recording an error. Scalars are ${VAR}-expanded first.
    std::optional<std::string> string(const YAML::Node& n, const std::string& path);
    std::optional<Duration> duration(const YAML::Node& n, const std::string& path);
    std::optional<std::uint64_t> size(const YAML::Node& n, const std::string& path);
    std::optional<bool> boolean(const YAML::Node& n, const std::string& path);
    std::optional<double> number(const YAML::Node& n, const std::string& path);
    std::optional<std::int64_t> integer(const YAML::Node& n, const std::string& path, std::int64_t min,
                                        std::int64_t max);
    std::optional<std::vector<std::string>> string_list(const YAML::Node& n, const std::string& path);
    std::optional<Labels> string_map(const YAML::Node& n, const std::string& path);

    // Calls `item` for each element of a list; false (after an error) when the node is not a list.
    bool each(const YAML::Node& n, const std::string& path,
              const std::function<void(const YAML::Node&, const std::string&)>& item);

    // Contents of a `*_file` secret, trailing newlines trimmed; the error names file, never content.
    std::optional<std::string> read_secret_file(const YAML::Node& n, const std::string& path,
                                                const std::string& file);

private:
    bool expect_scalar(const YAML::Node& n, const std::string& path);

    std::string source_;
    EnvLookup env_;
    std::vector<Diagnostic> diagnostics_;
};

// `expected a mapping, got a list`-style description of a node's kind.
std::string kind_name(const YAML::Node& n);

class Map {
public:
    // A null or absent node reads as an empty mapping (every field keeps its default).
    Map(Reader& reader, const YAML::Node& node, std::string path);

    // The value for `key`, or an undefined node when absent or null. Marks `key` as valid here.
    YAML::Node get(const std::string& key);
    bool has(const std::string& key) { return get(key).IsDefined(); }
    std::string path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
    const std::string& path() const { return path_; }
    const YAML::Node& node() const { return node_; }
    Reader& reader() { return reader_; }

    void field(const std::string& key, std::string& out);
    void field(const std::string& key, Duration& out);
    void field(const std::string& key, bool& out);
    void field(const std::string& key, std::uint64_t& out);
    void field(const std::string& key, std::uint32_t& out);
    void field(const std::string& key, std::uint16_t& out);
    void field(const std::string& key, std::vector<std::string>& out);
    void field(const std::string& key, Labels& out);
    void field(const std::string& key, std::map<std::string, double>& out);
    void size_field(const std::string& key, std::uint64_t& out);

    // One of `choices` (`mode: label`); the error lists them all.
    template <class E>
    void enum_field(const std::string& key, E& out, const std::vector<std::pair<std::string, E>>& choices) {
        const auto n = get(key);
        if (!n.IsDefined()) return;
        const auto text = reader_.string(n, path(key));
        if (!text) return;
        std::string names;
        for (const auto& [name, value] : choices) {
            if (name == *text) {
                out = value;
                return;
            }
            names += names.empty() ? name : ", " + name;
        }
        reader_.error(n, path(key), "expected one of " + names + "; got '" + text->substr(0, 60) + "'");
    }

    // `key` or `key_file`, exactly one when `required`, at most one otherwise. True when set.
    bool secret_field(const std::string& key, Secret& out, bool required);

    // For free-form mappings (labels, headers): every key is valid, each visited once.
    void each_entry(const std::function<void(const std::string&, const YAML::Node&)>& fn);

    // Reports the keys no decoder asked for.
    void finish();

private:
    struct Entry {
        std::string key;
        YAML::Node key_node;
        YAML::Node value;
    };

    Reader& reader_;
    YAML::Node node_;
    std::string path_;
    std::vector<Entry> entries_;
    std::vector<std::string> known_;
};

}  // namespace autoscrape::config
