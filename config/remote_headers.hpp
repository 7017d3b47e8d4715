// What a remote_write `headers` entry may be: checked at config load (with file:line:column) and
// again by the write client, which formats the request head itself.
#pragma once

#include <string_view>

namespace autoscrape::config {

// Header names users may not set through `headers`: the protocol's own, authentication (use
// basic_auth/authorization) and hop-by-hop ones. Compared case-insensitively.
bool is_reserved_header(std::string_view name);

// A line break would end the header early and let the rest pass for headers of its own; a colon
// would split a name.
bool breaks_header_line(std::string_view name, std::string_view value);

}  // namespace autoscrape::config
