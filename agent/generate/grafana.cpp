#include "agent/generate/grafana.hpp"

namespace autoscrape::generate {

std::vector<GeneratedFile> grafana_provisioning(const config::Config&) {
    return {};
}

}  // namespace autoscrape::generate
