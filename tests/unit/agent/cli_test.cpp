#include <catch2/catch.hpp>

#include "agent/cli.hpp"

using namespace autoscrape::agent;

TEST_CASE("a command word selects the command and flags take = or a separate value") {
    const auto options = parse_command_line({"run", "--config.file=/etc/a.yml", "--log.level", "debug"});
    CHECK(options.command == Command::Run);
    REQUIRE(options.config_file);
    CHECK(*options.config_file == "/etc/a.yml");
    REQUIRE(options.log_level);
    CHECK(*options.log_level == "debug");
}

TEST_CASE("no arguments mean help without the --help flag") {
    const auto options = parse_command_line({});
    CHECK(options.command == Command::Help);
    CHECK_FALSE(options.help);
}

TEST_CASE("the help word and --help both ask for help") {
    CHECK(parse_command_line({"help"}).help);
    const auto options = parse_command_line({"discover", "--help"});
    CHECK(options.command == Command::Discover);
    CHECK(options.help);
}

TEST_CASE("a flag that belongs to another command is a usage error naming both") {
    CHECK_THROWS_WITH(parse_command_line({"version", "--config.file=x"}), "version does not take --config.file");
    CHECK_THROWS_WITH(parse_command_line({"run", "--output=json"}), "run does not take --output");
}

TEST_CASE("a flag without its value is a usage error") {
    CHECK_THROWS_WITH(parse_command_line({"run", "--config.file"}), "--config.file needs a value");
}

TEST_CASE("bad log level, log format and output values are rejected with the valid ones listed") {
    CHECK_THROWS_WITH(parse_command_line({"run", "--log.level=loud"}),
                      Catch::Contains("expected trace, debug, info, warn or error"));
    CHECK_THROWS_WITH(parse_command_line({"run", "--log.format=xml"}), Catch::Contains("expected logfmt or json"));
    CHECK_THROWS_WITH(parse_command_line({"discover", "--output=yaml"}), Catch::Contains("expected table or json"));
}

TEST_CASE("generate requires an output directory unless help is asked") {
    CHECK_THROWS_AS(parse_command_line({"generate"}), UsageError);
    CHECK(parse_command_line({"generate", "--output-dir=/tmp/x"}).output_dir == "/tmp/x");
    CHECK(parse_command_line({"generate", "--help"}).help);
}

TEST_CASE("check-config takes --print") {
    CHECK(parse_command_line({"check-config", "--print"}).print);
}

TEST_CASE("every command has a help text that starts with its usage line") {
    for (auto command : {Command::Run, Command::CheckConfig, Command::Discover, Command::Generate, Command::Version}) {
        CHECK_THAT(help_text(command), Catch::StartsWith("usage: autoscrape " + command_name(command)));
    }
    CHECK_THAT(help_text(Command::Help), Catch::StartsWith("usage: autoscrape COMMAND"));
}
