#include "agent/generate/file_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace autoscrape::generate {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(std::string_view what, const fs::path& path, int error) {
    throw WriteError(fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(error)));
}

// Closes on scope exit; release() for the success path, where close errors matter.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

// True when `path` holds exactly `content`; any failure to read it counts as different.
bool has_content(const fs::path& path, std::string_view content) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<std::size_t>(st.st_size) != content.size()) {
        return false;
    }
    std::string buffer(content.size(), '\0');
    std::size_t done = 0;
    while (done < buffer.size()) {
        const ssize_t n = ::read(fd.get(), buffer.data() + done, buffer.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return buffer == content;
}

void write_all(int fd, std::string_view content, const fs::path& path) {
    while (!content.empty()) {
        const ssize_t n = ::write(fd, content.data(), content.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("write", path, errno);
        content.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Writes `content` to a new temp file beside `target` and fsyncs it; returns the temp's path.
fs::path write_temp(const fs::path& target, std::string_view content, bool holds_secret) {
    std::string name = (target.parent_path() / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
    Fd fd(::mkostemp(name.data(), O_CLOEXEC));
    if (fd.get() < 0) fail("create a file in", target.parent_path(), errno);
    const fs::path temp(name);
    try {
        // mkstemp creates 0600; the reader (Prometheus, Grafana) often runs as another user, in
        // the file's group at least when the file holds a secret.
        if (::fchmod(fd.get(), holds_secret ? 0640 : 0644) != 0) fail("set the mode of", temp, errno);
        write_all(fd.get(), content, temp);
        if (::fsync(fd.get()) != 0) fail("fsync", temp, errno);
        if (::close(fd.release()) != 0) fail("close", temp, errno);
    } catch (...) {
        ::unlink(name.c_str());
        throw;
    }
    return temp;
}

void fsync_dir(const fs::path& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) fail("open directory", dir, errno);
    if (::fsync(fd.get()) != 0) fail("fsync directory", dir, errno);
}

void check_relative(const std::string& relative) {
    const fs::path p(relative);
    const bool climbs = std::any_of(p.begin(), p.end(), [](const fs::path& part) { return part == ".."; });
    if (relative.empty() || p.is_absolute() || climbs || !p.has_filename()) {
        throw std::invalid_argument("generated file path must be relative and inside the output dir: '" + relative + "'");
    }
}

void make_dirs(const fs::path& dir) {
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) fail("create directory", dir, error.value());
}

}  // namespace

WriteResult write_files(const fs::path& dir, const std::vector<GeneratedFile>& files) {
    for (const auto& file : files) check_relative(file.relative_path);
    WriteResult result;
    std::vector<std::pair<fs::path, fs::path>> staged;  // temp -> final
    try {
        for (const auto& file : files) {
            const fs::path target = dir / file.relative_path;
            if (has_content(target, file.content)) {
                result.unchanged.push_back(file.relative_path);
                continue;
            }
            make_dirs(target.parent_path());
            staged.emplace_back(write_temp(target, file.content, file.holds_secret), target);
            result.written.push_back(file.relative_path);
        }
        std::set<fs::path> dirs;
        for (std::size_t i = 0; i < staged.size(); ++i) {
            const auto& [temp, target] = staged[i];
            if (::rename(temp.c_str(), target.c_str()) != 0) {
                const int error = errno;
                staged.erase(staged.begin(), staged.begin() + static_cast<std::ptrdiff_t>(i));
                fail("replace", target, error);
            }
            dirs.insert(target.parent_path());
        }
        staged.clear();
        for (const auto& d : dirs) fsync_dir(d);
    } catch (...) {
        for (const auto& [temp, target] : staged) ::unlink(temp.c_str());
        throw;
    }
    return result;
}

std::vector<std::string> remove_other_files(const fs::path& dir, const std::string& extension,
                                            const std::vector<std::string>& keep) {
    std::vector<std::string> removed;
    std::error_code error;
    fs::directory_iterator it(dir, error);
    if (error == std::errc::no_such_file_or_directory) return removed;
    if (error) fail("list directory", dir, error.value());
    for (const auto& entry : it) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_regular_file(error) || !name.ends_with(extension) || name.starts_with('.') ||
            std::find(keep.begin(), keep.end(), name) != keep.end()) {
            continue;
        }
        if (::unlink(entry.path().c_str()) != 0) fail("remove", entry.path(), errno);
        removed.push_back(name);
    }
    if (!removed.empty()) fsync_dir(dir);
    std::sort(removed.begin(), removed.end());
    return removed;
}

}  // namespace autoscrape::generate
