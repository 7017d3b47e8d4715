// Asks a Prometheus server to re-read its configuration: POST <url>/-/reload (Prometheus must run
// with --web.enable-lifecycle). Needed only when prometheus.yml changed, i.e. a job appeared or
// went; file_sd changes Prometheus picks up by itself.
#pragma once

#include <chrono>
#include <string>

namespace autoscrape::generate {

// Blocking, bounded by `timeout` (resolve, connect, request and answer together); for the
// OutputKeeper's writer thread. Returns "" on a 2xx answer, else what went wrong. http:// only.
std::string reload_prometheus(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace autoscrape::generate
