// One file the generators produce: a path relative to the output directory and its full content.
// The writer (genconfig's part) places it atomically; the generators themselves never touch disk,
// so they stay pure functions of the configuration and are tested without a file system.
#pragma once

#include <string>

namespace autoscrape::generate {

struct GeneratedFile {
    std::string relative_path;
    std::string content;
    // The content carries a secret given inline in the agent's config: written 0640, not 0644.
    bool holds_secret = false;
    bool operator==(const GeneratedFile&) const = default;
};

}  // namespace autoscrape::generate
