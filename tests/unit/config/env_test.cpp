#include <catch2/catch.hpp>

#include <map>

#include "config/env.hpp"

using namespace autoscrape::config;

namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

}  // namespace

TEST_CASE("Set variables are substituted wherever they appear", "[env]") {
    const auto env = fake_env({{"HOST", "vm"}, {"PORT", "8428"}, {"EMPTY", ""}});
    CHECK(expand_env("http://${HOST}:${PORT}/write", env).value == "http://vm:8428/write");
    CHECK(expand_env("${EMPTY}x", env).value == "x");
}

TEST_CASE("A doubled dollar is a literal dollar", "[env]") {
    const auto env = fake_env({{"HOST", "vm"}});
    CHECK(expand_env("a$$b", env).value == "a$b");
    CHECK(expand_env("$${HOST}", env).value == "${HOST}");
    CHECK(expand_env("$$$$", env).value == "$$");
}

TEST_CASE("A dollar that starts no variable reference is kept as written", "[env]") {
    const auto env = fake_env({});
    for (const char* text : {"$1", "${1}", "$", "cost: 5$", "${unterminated", "${}", "${a-b}", "$HOME"}) {
        INFO(text);
        const auto e = expand_env(text, env);
        CHECK(e.unset_variable.empty());
        CHECK(e.value == text);
    }
}

TEST_CASE("An unset variable is reported by name", "[env]") {
    const auto e = expand_env("x${MISSING_VAR}y", fake_env({}));
    CHECK(e.unset_variable == "MISSING_VAR");
}

TEST_CASE("Escaping for a dump makes expansion give back the original text", "[env]") {
    const auto env = fake_env({{"HOME", "/root"}});
    for (const char* text : {"${HOME}", "$$", "$1", "a$", "${1}", "$$$", "plain"}) {
        INFO(text);
        CHECK(expand_env(escape_env(text), env).value == text);
    }
}
