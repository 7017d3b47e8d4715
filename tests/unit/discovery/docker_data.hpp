// Reads the Docker API responses captured from a real dockerd into tests/data/docker/.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace autoscrape::discovery::test {

inline std::string docker_data(const std::string& name) {
    std::ifstream in(std::string(AUTOSCRAPE_DOCKER_DATA) + "/" + name, std::ios::binary);
    if (!in) throw std::runtime_error("missing test data " + name);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::vector<std::string> docker_data_lines(const std::string& name) {
    std::istringstream in(docker_data(name));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

}  // namespace autoscrape::discovery::test
