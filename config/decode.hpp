// Section decoders: YAML node tree -> Config, with every check that needs a source position.
//
// Internal to the loader; split by concept so each file stays small: decode.cpp (top level and
// the small sections), decode_relabel.cpp (relabel rules and label-name rules), decode_remote.cpp
// (remote_write and the HTTP client blocks it shares), decode_probes.cpp (probe modules, profiles).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/reader.hpp"

namespace autoscrape::config {

Config decode_config(Reader& r, const YAML::Node& root);

void decode_relabel_configs(Reader& r, const YAML::Node& n, const std::string& path,
                            std::vector<RelabelConfig>& out);
void decode_remote_write(Reader& r, const YAML::Node& n, std::vector<RemoteWriteConfig>& out);
void decode_probes(Reader& r, const YAML::Node& n, ProbesConfig& out);
void decode_profiles(Reader& r, const YAML::Node& n, const ProbesConfig& probes, std::vector<Profile>& out);
std::optional<TlsConfig> decode_tls(Reader& r, const YAML::Node& n, const std::string& path);

// The lowercase Prometheus name (`labeldrop`), as written in YAML.
std::string relabel_action_name(RelabelAction action);

// Records `path.key: message` at the key's value, or at the mapping when the key is absent.
void report(Map& m, const std::string& key, const std::string& message);

// Label names are [a-zA-Z_][a-zA-Z0-9_]*; label values must be valid UTF-8.
bool valid_label_name(std::string_view name);
bool valid_utf8(std::string_view text);
void check_labels(Map& m, const std::string& key, const Labels& labels);

// Empty when `pattern` compiles with RE2, else RE2's message.
std::string regex_error(const std::string& pattern);

// Empty when `url` is http(s) with a host and no credentials, else why not. The message quotes the
// URL except when it embeds credentials (user:password@host), which must not reach a log.
std::string url_error(std::string_view url);

// Empty when `address` is host:port (host may be empty or a [v6] literal), else why not.
std::string host_port_error(std::string_view address);

}  // namespace autoscrape::config
