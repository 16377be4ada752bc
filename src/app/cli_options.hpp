#pragma once
// The command line of `orderflow` (CLI11), declared in one place:
// - the options every database command takes (--db, --log-format,
//   --log-level) and the options of `serve`, each with its ORDERFLOW_*
//   environment variable;
// - value checks with one clear message ("must be from 0 to 10");
// - options given before the subcommand's name (`orderflow --db X serve`)
//   handed over to the subcommand, so that old scripts keep working while
//   `serve --help` lists what serve takes;
// - the one-line message for a command line that does not parse.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "app/config.hpp"

namespace orderflow::app {

// --db, --log-format and --log-level: every command that opens the database.
void AddDatabaseOptions(CLI::App& app, Config& config);

// The options of `orderflow serve` (beside AddDatabaseOptions). New serve
// flags go at the end of this function, after --web-root, in the same style:
// a Config field, ->envname("ORDERFLOW_..."), a check in config.cpp.
void AddServeOptions(CLI::App& app, Config& config);

// Declares on `sub` the options `add` declares, and lets them also be given
// before the subcommand's name, as in `orderflow --db X serve`: `root` gets a
// hidden copy of each (no environment variable, no check), and when `sub`
// starts parsing, what the copies received moves to sub's own options. So
// sub's checks apply, the command line beats the environment, and a later
// value beats an earlier one. Once per subcommand (it sets sub's pre-parse
// and parse-complete callbacks); its own options are declared as usual.
void AddSharedOptions(CLI::App& root, CLI::App& sub, const std::function<void(CLI::App&)>& add);

// Checks that a number lies in [lo, hi]: "must be from 1 to 256, got 0".
CLI::Validator Between(double lo, double hi);
// Checks that lo < number <= hi: "must be more than 0 and at most 86400".
CLI::Validator Above(double lo, double hi);

// The one line that explains why `error` was raised by `app.parse`: an
// unknown command names the word and the closest command ("unknown command
// 'serv'; did you mean 'serve'?"), a missing one lists them.
std::string ParseErrorMessage(const CLI::App& app, const CLI::ParseError& error);

}  // namespace orderflow::app
