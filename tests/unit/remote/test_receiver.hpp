// A loopback remote-write receiver for unit tests: answers each request as a script says (status,
// Retry-After, delay, connection reset) and keeps every decoded WriteRequest with its headers.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "remote.pb.h"

namespace autoscrape::remote::test {

struct Reply {
    int status = 200;
    std::string retry_after;
    std::string body;
    std::chrono::milliseconds delay{0};  // before answering
    bool reset = false;                  // close with RST instead of answering
};

struct Received {
    prometheus::WriteRequest request;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::size_t body_bytes = 0;
    int status = 0;  // what the script answered
    std::chrono::steady_clock::time_point at;
};

class TestReceiver {
public:
    // `script(n)` decides the answer to the n-th request (0-based); default: always 200.
    explicit TestReceiver(std::function<Reply(std::size_t)> script = {});
    ~TestReceiver();
    TestReceiver(const TestReceiver&) = delete;
    TestReceiver& operator=(const TestReceiver&) = delete;

    std::string url() const;
    std::vector<Received> received() const;
    std::size_t connections() const;

    // Samples in requests answered 2xx.
    std::size_t accepted_samples() const;
    // Polls until accepted_samples() >= n or `timeout` passed.
    bool wait_for_samples(std::size_t n, std::chrono::milliseconds timeout) const;

private:
    void accept_loop();
    void serve(int fd);

    std::function<Reply(std::size_t)> script_;
    int listen_fd_ = -1;
    unsigned short port_ = 0;
    mutable std::mutex mu_;
    std::vector<Received> received_;
    std::vector<int> fds_;
    std::size_t connections_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

}  // namespace autoscrape::remote::test
