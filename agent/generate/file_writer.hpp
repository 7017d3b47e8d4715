// Atomic replacement of a set of generated files under one output directory.
//
// Prometheus, Alertmanager and Grafana re-read these files on their own schedule, so they must
// never see a half-written file: each file goes to a temp file in its own directory, is fsynced,
// then renamed over the old one, and the directory is fsynced. All temps are written before the
// first rename, so a failure while writing (full disk, unwritable directory) leaves every previous
// file as it was. A file whose content is unchanged is not touched (same inode, same mtime), so
// file watchers see nothing when nothing changed.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/generate/generated_file.hpp"

namespace autoscrape::generate {

// A file could not be written; what() names the path and the system's error text.
class WriteError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct WriteResult {
    std::vector<std::string> written;    // relative paths replaced or created
    std::vector<std::string> unchanged;  // relative paths already holding this content
};

// Writes `files` below `dir` (created if missing). Throws WriteError on an I/O failure and
// std::invalid_argument for a relative path that is absolute, empty or climbs out with "..".
WriteResult write_files(const std::filesystem::path& dir, const std::vector<GeneratedFile>& files);

// Removes the regular files in `dir` whose names end in `extension` and are not in `keep` (file
// names, not paths): target files of jobs that disappeared. Returns the names removed; a missing
// `dir` is not an error. Throws WriteError when a removal fails.
std::vector<std::string> remove_other_files(const std::filesystem::path& dir, const std::string& extension,
                                            const std::vector<std::string>& keep);

}  // namespace autoscrape::generate
