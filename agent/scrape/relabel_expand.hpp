// Go's regexp.Expand for RE2 matches: the `$1`, `${1}`, `$name`, `${name}` and `$$` references
// that Prometheus' replacement and target_label fields use, with Go's exact rules, so a rule
// written for Prometheus expands the same here.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include <re2/re2.h>

namespace autoscrape::scrape {

// Appends `tmpl` to `out` with references replaced by the capture groups of one match
// (`groups[0]` is the whole match; an unmatched group has a null data pointer). As in Go:
// `$name` takes the longest run of letters, digits and '_' (so `$1x` is the group named "1x");
// a number with a leading zero is a name; unknown names and out-of-range numbers expand to
// nothing; `$$` is a literal '$'; a '$' that starts no valid reference is kept as written.
void expand_template(std::string_view tmpl, std::span<const re2::StringPiece> groups,
                     const std::map<std::string, int>& named_groups, std::string& out);

}  // namespace autoscrape::scrape
