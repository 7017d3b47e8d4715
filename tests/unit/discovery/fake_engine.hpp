// A fake Docker engine on a unix socket in a temp dir, for the failure modes a real dockerd will
// not produce on demand: garbage, truncated or cut-off responses, streams closed by the engine,
// oversize events. Answers /version, /networks, /containers/json and /events (chunked, held open);
// runs its own io_context thread. Setters are safe from the test thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace autoscrape::discovery::test {

class FakeEngine {
public:
    // How /networks and /containers/json are answered (/version and /events always work).
    enum class Mode {
        Healthy,         // 200 with the configured JSON
        Garbage,         // 200 with a body that is not JSON
        TruncatedJson,   // 200 with the first half of the JSON, Content-Length matching it
        CutOff,          // Content-Length of the whole JSON, half of it sent, then the connection closed
        NotHttp,         // bytes that are not an HTTP response
    };

    FakeEngine();
    ~FakeEngine();
    FakeEngine(const FakeEngine&) = delete;
    FakeEngine& operator=(const FakeEngine&) = delete;

    std::string url() const { return "unix://" + socket_path_; }
    void set_mode(Mode mode) { mode_ = mode; }
    void set_containers(std::string json);
    void set_networks(std::string json);
    // Writes one line to every open event stream.
    void push_event(std::string line);
    // Ends every open event stream, as a restarting engine does.
    void close_event_streams();
    int event_subscriptions() const { return subscriptions_; }

private:
    struct Stream;
    void serve(boost::asio::local::stream_protocol::socket socket);
    std::string list_answer(const std::string& json) const;

    std::string dir_;
    std::string socket_path_;
    boost::asio::io_context io_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::atomic<Mode> mode_{Mode::Healthy};
    std::atomic<int> subscriptions_{0};
    mutable std::mutex mutex_;
    std::string containers_ = "[]";
    std::string networks_ = "[]";
    std::vector<std::shared_ptr<Stream>> streams_;  // io thread only
    std::thread thread_;
};

// The 64-character id of container i in container_list_json: "c" and i zero-padded.
std::string container_id(int i);

// One network and `count` containers on it, in the shape of GET /networks and /containers/json;
// container i has id container_id(i) and IP 10.<i/65536>.<i/256%256>.<i%256>.
std::string network_list_json(const std::string& network);
std::string container_list_json(const std::string& network, int count, std::size_t label_value_bytes = 0);

}  // namespace autoscrape::discovery::test
