#include "config/remote_headers.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace autoscrape::config {

bool is_reserved_header(std::string_view name)
{
    static constexpr std::array<std::string_view, 12> kReserved{
        "Authorization", "Host", "Content-Encoding", "Content-Length", "Content-Type", "User-Agent",
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Authorization",
        "X-Prometheus-Remote-Write-Version"};
    const auto same = [&](std::string_view reserved) {
        return std::equal(reserved.begin(), reserved.end(), name.begin(), name.end(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        });
    };
    return std::any_of(kReserved.begin(), kReserved.end(), same);
}

bool breaks_header_line(std::string_view name, std::string_view value)
{
    return name.find_first_of("\r\n:") != std::string_view::npos || value.find_first_of("\r\n") != std::string_view::npos;
}

}  // namespace autoscrape::config
