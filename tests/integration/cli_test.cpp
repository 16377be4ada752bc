// The command line of the real binary: help, --version, unknown commands,
// options before or after the command, environment variables, value checks
// and start-up configuration errors (one clear line, exit 2).

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "integration/cli_helpers.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::testing {
namespace {

using cli::Binary;
using cli::Contains;
using cli::NonEmptyLines;
using cli::RunForStderr;
using cli::RunForStdout;

TEST(Cli, HelpDocumentsTheSubcommands) {
  auto [code, out] = RunCommand(Binary() + " --help");
  EXPECT_EQ(code, 0) << out;
  for (const char* word : {"serve", "migrate", "seed", "stores", "dlq", "export", "load", "--db",
                           "--version", "serve --help"}) {
    EXPECT_TRUE(Contains(out, word)) << word << " missing from:\n" << out;
  }
  // The root takes no option of its own besides these: serve's flags belong
  // to serve (AddServeOptions in src/app/cli_options.cpp), where
  // `serve --help` shows them.
  std::vector<std::string> root_options;
  for (const auto& line : NonEmptyLines(out)) {
    if (line.rfind("  -", 0) == 0) root_options.push_back(line.substr(2, line.find(' ', 2) - 2));
  }
  EXPECT_EQ(root_options, (std::vector<std::string>{"-h,--help", "--version"})) << out;
}

// Every option of `serve`, with its environment variable, in `serve --help`
// (they used to sit on the root, so `serve --help` showed none).
TEST(Cli, ServeHelpListsEveryServeOptionWithItsVariable) {
  auto [code, out] = RunForStdout(Binary() + " serve --help");
  EXPECT_EQ(code, 0) << out;
  for (const char* flag : {"--db",
                           "--listen",
                           "--threads",
                           "--admin-token",
                           "--auth",
                           "--payment-gateway",
                           "--ship-delay",
                           "--deliver-delay",
                           "--payment-decline-rate",
                           "--low-stock-scan",
                           "--claim-lease",
                           "--step-chain",
                           "--webhook-timeout",
                           "--webhook-attempts",
                           "--webhook-retry-delay",
                           "--webhook-disable-after",
                           "--log-format",
                           "--log-level",
                           "--cors-origin",
                           "--rate-limit",
                           "--auth-failure-limit",
                           "--tenant-refresh",
                           "--no-demo",
                           "--web-root"}) {
    std::string env = "ORDERFLOW_" + std::string(flag + 2);
    for (auto& c : env) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
    bool found = false;
    for (const auto& line : NonEmptyLines(out)) {
      if (line.rfind(std::string("  ") + flag + " ", 0) == 0) {
        found = true;
        EXPECT_TRUE(Contains(line, "(Env:" + env + ")")) << line;
      }
    }
    EXPECT_TRUE(found) << flag << " missing from serve --help:\n" << out;
  }
}

// One option line of a --help text: "  -c,--connections INT=64 (Env:...)".
struct HelpOption {
  std::string long_name;  // "--connections"
  std::string env;        // "ORDERFLOW_LOAD_CONNECTIONS", or empty
};

// The options and subcommands a --help text lists.
void ParseHelp(const std::string& help, std::vector<HelpOption>& options,
               std::vector<std::string>& subcommands) {
  std::string section;
  for (const auto& line : NonEmptyLines(help)) {
    if (line.front() != ' ') {
      section = line;
      continue;
    }
    std::string first = line.substr(line.find_first_not_of(' '));
    first = first.substr(0, first.find(' '));
    if (section == "Subcommands:" && line.rfind("  ", 0) == 0 && line[2] != ' ') {
      subcommands.push_back(first);
    } else if (first.front() == '-' && line[2] == '-') {
      HelpOption o;
      for (std::size_t start = 0; start < first.size();) {
        std::size_t comma = first.find(',', start);
        std::string name = first.substr(start, comma - start);
        if (name.rfind("--", 0) == 0) o.long_name = name;
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      auto env = line.find("(Env:");
      if (env != std::string::npos) o.env = line.substr(env + 5, line.find(')', env) - env - 5);
      options.push_back(o);
    }
  }
}

// Every option of every command has an ORDERFLOW_* variable named after the
// command and the flag, except the explicit list below (README.md says the
// same); every variable is in README.md.
TEST(Cli, EveryOptionHasAnEnvironmentVariableOrIsAListedException) {
  // Options of commands that act on one store or event named on the command
  // line: a variable left in the environment would point them elsewhere.
  const std::set<std::string> exceptions = {
      "orderflow --help",
      "orderflow --version",
      "orderflow stores create --name",
      "orderflow stores create --currency",
      "orderflow stores set-rate-limit --burst",
      "orderflow dlq redrive --store",
  };
  // Shared by every command that opens the database.
  const std::set<std::string> shared = {"--db", "--log-format", "--log-level"};
  const std::string readme = cli::ReadText(std::string(ORDERFLOW_SOURCE_DIR) + "/README.md");
  ASSERT_FALSE(readme.empty());

  std::set<std::string> seen_exceptions;
  std::vector<std::string> pending = {""};
  int commands = 0;
  while (!pending.empty()) {
    std::string command = pending.back();
    pending.pop_back();
    ++commands;
    auto [code, help] = RunForStdout(Binary() + " " + command + " --help");
    ASSERT_EQ(code, 0) << command << ":\n" << help;
    std::vector<HelpOption> options;
    std::vector<std::string> subcommands;
    ParseHelp(help, options, subcommands);
    for (const auto& sub : subcommands)
      pending.push_back(command.empty() ? sub : command + " " + sub);
    ASSERT_FALSE(options.empty()) << command << ":\n" << help;
    for (const auto& o : options) {
      std::string where = "orderflow" + (command.empty() ? "" : " " + command) + " " + o.long_name;
      bool helpflag = o.long_name == "--help";
      if (exceptions.count(where) > 0 || (helpflag && exceptions.count("orderflow --help"))) {
        seen_exceptions.insert(helpflag ? "orderflow --help" : where);
        EXPECT_TRUE(o.env.empty()) << where << " has a variable now: drop it from the exceptions";
        continue;
      }
      ASSERT_FALSE(o.env.empty()) << where << " has no ORDERFLOW_* variable:\n" << help;
      // ORDERFLOW_ + the command (not for serve's and the shared options) +
      // the flag, upper case, '-' and ' ' as '_'.
      std::string expected = "ORDERFLOW_";
      if (command != "serve" && shared.count(o.long_name) == 0) {
        for (char c : command) expected += c == ' ' || c == '-' ? '_' : std::toupper(c);
        expected += '_';
      }
      for (char c : o.long_name.substr(2)) expected += c == '-' ? '_' : std::toupper(c);
      EXPECT_EQ(o.env, expected) << where;
      if (command == "serve") {
        EXPECT_TRUE(Contains(readme, "`" + o.long_name + "`"))
            << o.long_name << " is not in README.md's configuration table";
      } else {
        EXPECT_TRUE(Contains(readme, o.env)) << o.env << " (" << where << ") is not in README.md";
      }
    }
  }
  EXPECT_GE(commands, 13) << "root, 7 commands and 5 nested ones";
  EXPECT_EQ(seen_exceptions, exceptions) << "an exception that no longer exists";
}

TEST(Cli, VersionPrintsTheProjectVersion) {
  auto [code, out] = RunForStdout(Binary() + " --version");
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out, std::string("orderflow ") + ORDERFLOW_VERSION + "\n");
}

TEST(Cli, UnknownCommandNamesTheWordAndTheClosestCommand) {
  struct Case {
    const char* args;
    std::vector<const char*> mentions;
  };
  const Case cases[] = {
      {"serv", {"unknown command 'serv'", "did you mean 'serve'?"}},
      {"--db sqlite:/nonexistent/x.db expot", {"'expot'", "'export'"}},
      {"stores creat W --name N", {"orderflow stores", "'creat'", "'create'"}},
      {"dlq lst", {"'lst'", "'list'"}},
      {"frobnicate", {"unknown command 'frobnicate'", "serve, migrate"}},
      {"", {"a command is required", "serve"}},
      {"stores", {"a command is required", "create, rotate-key, set-rate-limit"}},
  };
  for (const auto& c : cases) {
    auto [code, err] = RunForStderr(Binary() + " " + c.args);
    EXPECT_EQ(code, 2) << c.args;
    std::vector<std::string> lines = NonEmptyLines(err);
    ASSERT_EQ(lines.size(), 1u) << c.args << ":\n" << err;
    for (const char* m : c.mentions) EXPECT_TRUE(Contains(lines[0], m)) << c.args << ": " << err;
    EXPECT_FALSE(Contains(err, "A subcommand is required")) << err;
  }
}

struct BadFlag {
  const char* args;  // after the binary
  const char* mentions;
};

// Each refused with exit 2 and one line naming the flag, before anything is
// created: the database directory stays empty.
TEST(Cli, OutOfRangeValuesAreRefusedWithExit2) {
  TempDir dir;
  const std::string db = " --db sqlite:" + dir.File("sub/v.db");
  const BadFlag cases[] = {
      {"seed --orders -5", "--orders"},
      {"seed --orders=-5", "--orders"},
      {"seed --orders abc", "--orders"},
      {"serve --threads 0", "--threads"},
      {"serve --ship-delay -1", "--ship-delay"},
      {"serve --deliver-delay -0.5", "--deliver-delay"},
      {"serve --low-stock-scan 0", "--low-stock-scan"},
      {"serve --webhook-attempts 0", "--webhook-attempts"},
      {"load --connections 0", "--connections"},
      {"load -c -3", "--connections"},
      {"load --client-threads 0", "--client-threads"},
      {"load --rate -1", "--rate"},
      {"load --duration 0", "--duration"},
      {"load --count -1", "--count"},
      {"load --restock -1", "--restock"},
      {"load --decline-fraction 1.5", "--decline-fraction"},
      {"load --target nonsense", "--target"},
      {"load --target 127.0.0.1:0", "--target"},
      {"dlq redrive --store X 0 alerts", "event_id"},
      {"export --format xml", "--format"},
  };
  for (const auto& c : cases) {
    std::string command = "timeout 20 " + Binary() + " " + c.args + db;
    auto [code, err] = RunForStderr(command);
    EXPECT_EQ(code, 2) << c.args << ": " << err;
    std::vector<std::string> lines = NonEmptyLines(err);
    ASSERT_EQ(lines.size(), 1u) << c.args << " wrote:\n" << err;
    EXPECT_TRUE(Contains(lines[0], c.mentions)) << c.args << ": " << lines[0];
    EXPECT_FALSE(std::filesystem::exists(dir.File("sub"))) << c.args << " created the database";
  }
}

TEST(Cli, EachInvalidFlagFailsAtStartWithOneLineOnStderr) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("empty-web"));
  const std::string no_index = "--web-root " + dir.File("empty-web");
  const BadFlag cases[] = {
      {"--listen nonsense", "--listen"},
      {"--listen 127.0.0.1:99999", "--listen"},
      {"--listen 127.0.0.1:", "--listen"},
      {"--listen :8080", "--listen"},
      {"--threads 0", "--threads"},
      {"--threads 100000", "--threads"},
      {"--admin-token short", "--admin-token"},
      {"--auth maybe", "--auth"},
      {"--cors-origin ftp://example.com", "--cors-origin"},
      {"--log-format xml", "--log-format"},
      {"--ship-delay -1", "--ship-delay"},
      {"--payment-decline-rate 2", "--payment-decline-rate"},
      {"--payment-gateway carrier-pigeon", "--payment-gateway"},
      {"--db mysql://nope", "--db"},
      {"--auth-failure-limit -1", "--auth-failure-limit"},
      {"--tenant-refresh 0.01", "--tenant-refresh"},
      {"--tenant-refresh -1", "--tenant-refresh"},
      {"--web-root /nonexistent/orderflow-web", "--web-root"},
      {no_index.c_str(), "--web-root"},
      {"--sqlite-wal-limit 0", "--sqlite-wal-limit"},
  };
  for (const auto& c : cases) {
    // A database in the temporary directory, so that a case that wrongly
    // passes validation does not write into the working directory; `timeout`
    // keeps such a case from hanging the suite.
    std::string args = c.args;
    if (args.find("--db") == std::string::npos) args += " --db sqlite:" + dir.File("cli.db");
    // After the command, and (as scripts have always written it) before.
    for (const std::string& command :
         {Binary() + " serve " + args, Binary() + " " + args + " serve"}) {
      auto [code, err] = RunForStderr("timeout 10 " + command);
      EXPECT_EQ(code, 2) << command;
      std::vector<std::string> lines = NonEmptyLines(err);
      ASSERT_EQ(lines.size(), 1u) << command << " wrote:\n" << err;
      EXPECT_TRUE(Contains(lines[0], c.mentions)) << command << ": " << lines[0];
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir.File("cli.db")));
}

// A dashboard directory that exists is served from.
TEST(Cli, WebRootWithAnIndexIsServed) {
  TempDir web;
  std::ofstream(web.File("index.html")) << "<title>cli web root</title>";
  ServerProcess server({.extra_args = {"--web-root", web.path()}});
  HttpClient client(server.port());
  HttpResult res = client.Request("GET", "/", "", {});
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(Contains(res.body, "cli web root")) << res.body;
}

TEST(Cli, NonNumericThreadsIsRefused) {
  auto [code, err] =
      RunForStderr("timeout 10 " + Binary() + " serve --db sqlite:/nonexistent/x.db --threads abc");
  EXPECT_EQ(code, 2);
  EXPECT_TRUE(Contains(err, "--threads")) << err;
}

TEST(Cli, PortInUseFailsWithAClearLine) {
  ServerProcess server;
  TempDir dir;
  std::string address = "127.0.0.1:" + std::to_string(server.port());
  auto [code, err] = RunForStderr("timeout 10 " + Binary() + " serve --listen " + address +
                                  " --db sqlite:" + dir.File("other.db"));
  EXPECT_NE(code, 0) << err;
  EXPECT_NE(code, 124) << "a second server started on a port that is in use";
  std::vector<std::string> lines = NonEmptyLines(err);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(Contains(lines.back(), address)) << err;
}

// Options before the command reach it; the command line beats the
// environment wherever it is written; a later value beats an earlier one.
TEST(Cli, OptionsBeforeOrAfterTheCommandAndTheirPrecedence) {
  TempDir dir;
  auto migrate = [&](const std::string& env, const std::string& args) {
    auto [code, out] = RunForStdout(env + " " + Binary() + " " + args);
    EXPECT_EQ(code, 0) << args << ":\n" << out;
    return out;
  };
  const std::string a = "sqlite:" + dir.File("a.db"), b = "sqlite:" + dir.File("b.db"),
                    e = "sqlite:" + dir.File("e.db");
  EXPECT_TRUE(Contains(migrate("", "--db " + a + " migrate"), dir.File("a.db")));
  EXPECT_TRUE(Contains(migrate("", "migrate --db " + a), dir.File("a.db")));
  EXPECT_TRUE(Contains(migrate("ORDERFLOW_DB=" + e, "migrate"), dir.File("e.db")));
  EXPECT_TRUE(Contains(migrate("ORDERFLOW_DB=" + e, "--db " + b + " migrate"), dir.File("b.db")));
  EXPECT_TRUE(Contains(migrate("ORDERFLOW_DB=" + e, "migrate --db " + b), dir.File("b.db")));
  EXPECT_TRUE(Contains(migrate("", "--db " + a + " migrate --db " + b), dir.File("b.db")));
  // Serve options given to another command are ignored, as they always were.
  EXPECT_TRUE(Contains(migrate("", "--listen 127.0.0.1:1 migrate --db " + a), dir.File("a.db")));

  // A serve option before `serve` is checked like one after it; the
  // command line wins over a valid or invalid environment value.
  auto [code, err] = RunForStderr("ORDERFLOW_THREADS=4 timeout 10 " + Binary() +
                                  " --threads 0 serve --db sqlite:" + dir.File("s.db"));
  EXPECT_EQ(code, 2);
  EXPECT_TRUE(Contains(err, "--threads")) << err;
  auto [code2, err2] =
      RunForStderr("ORDERFLOW_THREADS=0 timeout 10 " + Binary() +
                   " --threads 2 serve --web-root /nonexistent --db sqlite:" + dir.File("s.db"));
  EXPECT_EQ(code2, 2);
  EXPECT_TRUE(Contains(err2, "--web-root"))
      << "--threads 2 must beat ORDERFLOW_THREADS=0: " << err2;
}

// The variables of subcommand options apply, and are checked like flags.
TEST(Cli, SubcommandOptionsTakeTheirEnvironmentVariables) {
  TempDir dir;
  const std::string db = " --db sqlite:" + dir.File("env.db");
  auto [bad, err] = RunForStderr("ORDERFLOW_SEED_ORDERS=-5 " + Binary() + " seed" + db);
  EXPECT_EQ(bad, 2);
  EXPECT_TRUE(Contains(err, "--orders")) << err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("env.db")));

  auto [seeded, out] =
      RunCommand("ORDERFLOW_SEED_ORDERS=7 ORDERFLOW_SEED_STORE=Y " + Binary() + " seed" + db);
  ASSERT_EQ(seeded, 0) << out;
  auto [c1, count] = RunCommand("sqlite3 " + dir.File("env.db") +
                                " \"SELECT COUNT(*) FROM orders WHERE store_id = 'Y'\"");
  EXPECT_EQ(count, "7\n");

  auto [c2, jsonl] = RunForStdout("ORDERFLOW_EXPORT_FORMAT=jsonl ORDERFLOW_EXPORT_STORE=Y " +
                                  Binary() + " export" + db);
  EXPECT_EQ(c2, 0);
  EXPECT_EQ(NonEmptyLines(jsonl).size(), 7u) << jsonl;
  EXPECT_EQ(jsonl.front(), '{') << jsonl;

  auto [c3, err3] =
      RunForStderr("ORDERFLOW_LOAD_CONNECTIONS=0 " + Binary() + " load --count 1 --token t");
  EXPECT_EQ(c3, 2);
  EXPECT_TRUE(Contains(err3, "--connections")) << err3;
}

TEST(Cli, BadConfigurationFailsWithOneClearLine) {
  auto [code, out] = RunCommand(Binary() + " serve --db mysql://nope");
  EXPECT_EQ(code, 2);
  EXPECT_TRUE(Contains(out, "--db")) << out;
}

TEST(Cli, MigrateCreatesTheSchema) {
  TempDir dir;
  auto [code, out] = RunCommand(Binary() + " migrate --db sqlite:" + dir.File("m.db"));
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(Contains(out, "schema version")) << out;
  auto [c2, out2] = RunCommand("sqlite3 " + dir.File("m.db") + " 'SELECT COUNT(*) FROM orders'");
  EXPECT_EQ(c2, 0) << out2;
  EXPECT_EQ(out2, "0\n");
}

TEST(Cli, StoresSetRateLimitPersistsTheNewLimit) {
  TempDir dir;
  const std::string db = " --db sqlite:" + dir.File("rl.db");
  auto [seed_code, seed_out] = RunCommand(Binary() + db + " seed");
  ASSERT_EQ(seed_code, 0) << seed_out;
  auto query = [&dir](const std::string& sql) {
    return RunCommand("sqlite3 " + dir.File("rl.db") + " \"" + sql + "\"");
  };

  auto [code, out] = RunCommand(Binary() + db + " stores set-rate-limit X 5");
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(Contains(out, "5 requests/s, burst 10")) << out;
  EXPECT_EQ(query("SELECT rate_limit || ' ' || burst FROM stores WHERE store_id = 'X'").second,
            "5.0 10.0\n");

  auto [c2, out2] = RunCommand(Binary() + db + " stores set-rate-limit Y 0.5 --burst 3");
  EXPECT_EQ(c2, 0) << out2;
  EXPECT_EQ(query("SELECT rate_limit || ' ' || burst FROM stores WHERE store_id = 'Y'").second,
            "0.5 3.0\n");

  // Refused with one line on stderr, nothing written.
  for (const char* args : {"X 1e7", "X 5 --burst 0", "NOPE 5"}) {
    auto [bad_code, err] = RunForStderr(Binary() + db + " stores set-rate-limit " + args);
    EXPECT_NE(bad_code, 0) << args;
    EXPECT_EQ(NonEmptyLines(err).size(), 1u) << args << ":\n" << err;
  }
  EXPECT_EQ(query("SELECT rate_limit || ' ' || burst FROM stores WHERE store_id = 'X'").second,
            "5.0 10.0\n");
}

}  // namespace
}  // namespace orderflow::testing
