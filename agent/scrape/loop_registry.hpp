// What the scrape and probe managers share when a discovery group is updated: the loops of its
// previous targets that the update no longer lists are stopped (each writes its stale markers)
// and forgotten.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace autoscrape::scrape {

template <typename Loop>
void stop_loops_not_kept(std::map<std::string, std::shared_ptr<Loop>>& loops,
                         const std::vector<std::string>& previous_keys, const std::vector<std::string>& kept_keys) {
    const std::set<std::string> keep(kept_keys.begin(), kept_keys.end());
    for (const auto& key : previous_keys) {
        if (keep.contains(key)) continue;
        if (const auto it = loops.find(key); it != loops.end()) {
            it->second->stop();
            loops.erase(it);
        }
    }
}

}  // namespace autoscrape::scrape
