#include "tests/integration/generate/tools.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

namespace autoscrape::testing {
namespace {

std::string find_on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return {};
}

}  // namespace

std::string find_tool(const std::string& tool) {
    const std::string path = find_on_path(tool);
    if (path.empty()) {
        FAIL(tool << " not found on PATH; install Debian's "
                  << (tool == "promtool" ? "prometheus" : "prometheus-alertmanager") << " package");
    }
    return path;
}

ProcessResult run_tool(const std::string& tool, const std::vector<std::string>& args) {
    std::vector<std::string> argv{find_tool(tool)};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, std::chrono::seconds(60));
}

unsigned short free_loopback_port() {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

HttpReply post_json(unsigned short port, const std::string& target, const std::string& body) {
    namespace http = boost::beast::http;
    HttpReply reply;
    try {
        boost::asio::io_context ioc;
        boost::beast::tcp_stream stream(ioc);
        stream.expires_after(std::chrono::seconds(5));
        stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
        http::request<http::string_body> request(http::verb::post, target, 11);
        request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
        request.set(http::field::content_type, "application/json");
        request.body() = body;
        request.prepare_payload();
        http::write(stream, request);
        boost::beast::flat_buffer buffer;
        http::response<http::string_body> response;
        http::read(stream, buffer, response);
        reply.status = static_cast<int>(response.result_int());
        reply.body = response.body();
    } catch (const std::exception& e) {
        reply.error = e.what();
    }
    return reply;
}

std::string describe(const ProcessResult& result) {
    return "exit " + std::to_string(result.exit_code) + "\nstdout:\n" + result.out + "\nstderr:\n" + result.err;
}

std::string generate_test_data(const std::string& name) {
    return std::string(AUTOSCRAPE_GENERATE_TEST_DATA) + "/" + name;
}

}  // namespace autoscrape::testing
