// An exclusive lock on a directory, held for the lifetime of the object: two agents writing the
// same WAL would interleave records and corrupt it, so the second one must refuse to start.
// flock(2) on `<dir>/lock`: released by the kernel when the process dies, even by SIGKILL.
#pragma once

#include <filesystem>

namespace autoscrape::storage {

class DirLock {
public:
    DirLock() = default;
    // Throws std::system_error naming the directory when another process (or another DirLock in
    // this one) holds it.
    explicit DirLock(const std::filesystem::path& dir);
    ~DirLock();
    DirLock(DirLock&& other) noexcept;
    DirLock& operator=(DirLock&& other) noexcept;
    DirLock(const DirLock&) = delete;
    DirLock& operator=(const DirLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace autoscrape::storage
