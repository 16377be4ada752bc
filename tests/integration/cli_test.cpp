#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace {

using orderflow::testing::RunCommand;

TEST(Cli, HelpDocumentsTheSubcommands) {
  auto [code, out] = RunCommand(std::string(ORDERFLOW_BINARY) + " --help");
  EXPECT_EQ(code, 0) << out;
  for (const char* word : {"serve", "migrate", "seed", "--db"}) {
    EXPECT_NE(out.find(word), std::string::npos) << word << " missing from:\n" << out;
  }
}

// Runs a command and returns its exit status and its stderr alone.
std::pair<int, std::string> RunForStderr(const std::string& command) {
  std::string output;
  FILE* pipe = popen(("{ " + command + " ; } 2>&1 >/dev/null").c_str(), "r");
  if (pipe == nullptr) return {-1, output};
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe) != nullptr) output += buf.data();
  int status = pclose(pipe);
  return {WEXITSTATUS(status), output};
}

std::vector<std::string> NonEmptyLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

TEST(Cli, HelpDocumentsTheConfigurationFlags) {
  auto [code, out] = RunCommand(std::string(ORDERFLOW_BINARY) + " --help");
  EXPECT_EQ(code, 0) << out;
  for (const char* flag : {"--listen", "--threads", "--admin-token", "--auth", "--ship-delay",
                           "--deliver-delay", "--cors-origin", "--no-demo", "--log-format"}) {
    EXPECT_NE(out.find(flag), std::string::npos) << flag << " missing from:\n" << out;
  }
}

struct BadFlag {
  const char* args;
  const char* mentions;
};

TEST(Cli, EachInvalidFlagFailsAtStartWithOneLineOnStderr) {
  orderflow::testing::TempDir dir;
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
      {"--sqlite-wal-limit 0", "--sqlite-wal-limit"},
  };
  for (const auto& c : cases) {
    // A database in the temporary directory, so that a case that wrongly
    // passes validation does not write into the working directory; `timeout`
    // keeps such a case from hanging the suite.
    std::string args = c.args;
    if (args.find("--db") == std::string::npos) args += " --db sqlite:" + dir.File("cli.db");
    std::string command = "timeout 10 " + std::string(ORDERFLOW_BINARY) + " serve " + args;
    auto [code, err] = RunForStderr(command);
    EXPECT_NE(code, 0) << c.args;
    EXPECT_NE(code, 124) << c.args << ": still running after 10 s";
    std::vector<std::string> lines = NonEmptyLines(err);
    ASSERT_EQ(lines.size(), 1u) << c.args << " wrote:\n" << err;
    EXPECT_NE(lines[0].find(c.mentions), std::string::npos) << c.args << ": " << lines[0];
  }
}

TEST(Cli, NonNumericThreadsIsRefused) {
  auto [code, err] = RunForStderr("timeout 10 " + std::string(ORDERFLOW_BINARY) +
                                  " serve --db sqlite:/nonexistent/x.db --threads abc");
  EXPECT_NE(code, 0);
  EXPECT_NE(code, 124);
  EXPECT_NE(err.find("--threads"), std::string::npos) << err;
}

TEST(Cli, PortInUseFailsWithAClearLine) {
  orderflow::testing::ServerProcess server;
  orderflow::testing::TempDir dir;
  std::string address = "127.0.0.1:" + std::to_string(server.port());
  auto [code, err] =
      RunForStderr("timeout 10 " + std::string(ORDERFLOW_BINARY) + " serve --listen " + address +
                   " --db sqlite:" + dir.File("other.db"));
  EXPECT_NE(code, 0) << err;
  EXPECT_NE(code, 124) << "a second server started on a port that is in use";
  std::vector<std::string> lines = NonEmptyLines(err);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find(address), std::string::npos) << err;
}

TEST(Cli, BadConfigurationFailsWithOneClearLine) {
  auto [code, out] = RunCommand(std::string(ORDERFLOW_BINARY) + " serve --db mysql://nope");
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("--db"), std::string::npos) << out;
}

TEST(Cli, MigrateCreatesTheSchema) {
  std::string dir = "/tmp/orderflow-cli-test-" + std::to_string(::getpid());
  auto [code, out] = RunCommand("mkdir -p " + dir + " && " + std::string(ORDERFLOW_BINARY) +
                                " migrate --db sqlite:" + dir + "/m.db");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("schema version"), std::string::npos) << out;
  auto [c2, out2] = RunCommand("sqlite3 " + dir + "/m.db 'SELECT COUNT(*) FROM orders'");
  EXPECT_EQ(c2, 0) << out2;
  EXPECT_EQ(out2, "0\n");
  (void)RunCommand("rm -rf " + dir);
}

TEST(Cli, StoresSetRateLimitPersistsTheNewLimit) {
  orderflow::testing::TempDir dir;
  const std::string db = " --db sqlite:" + dir.File("rl.db");
  const std::string bin = std::string(ORDERFLOW_BINARY);
  auto [seed_code, seed_out] = RunCommand(bin + db + " seed");
  ASSERT_EQ(seed_code, 0) << seed_out;
  auto query = [&dir](const std::string& sql) {
    return RunCommand("sqlite3 " + dir.File("rl.db") + " \"" + sql + "\"");
  };

  auto [code, out] = RunCommand(bin + db + " stores set-rate-limit X 5");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("5 requests/s, burst 10"), std::string::npos) << out;
  EXPECT_EQ(query("SELECT rate_limit || ' ' || burst FROM stores WHERE store_id = 'X'").second,
            "5.0 10.0\n");

  auto [c2, out2] = RunCommand(bin + db + " stores set-rate-limit Y 0.5 --burst 3");
  EXPECT_EQ(c2, 0) << out2;
  EXPECT_EQ(query("SELECT rate_limit || ' ' || burst FROM stores WHERE store_id = 'Y'").second,
            "0.5 3.0\n");

  // Refused with one line on stderr, nothing written.
  for (const char* args : {"X 1e7", "X 5 --burst 0", "NOPE 5"}) {
    auto [bad_code, err] = RunForStderr(bin + db + " stores set-rate-limit " + args);
    EXPECT_NE(bad_code, 0) << args;
    EXPECT_EQ(NonEmptyLines(err).size(), 1u) << args << ":\n" << err;
  }
  EXPECT_EQ(query("SELECT rate_limit || ' ' || burst FROM stores WHERE store_id = 'X'").second,
            "5.0 10.0\n");
}

}  // namespace

namespace {

// A dead letter made by hand in a migrated database, then listed and
// redriven through the CLI.
TEST(Cli, DeadLettersCanBeListedAndRedriven) {
  std::string dir = "/tmp/orderflow-dlq-test-" + std::to_string(::getpid());
  std::string db = dir + "/d.db";
  std::string bin = ORDERFLOW_BINARY;
  auto [seed_code, seed_out] = RunCommand("rm -rf " + dir + " && mkdir -p " + dir + " && " + bin +
                                          " seed --db sqlite:" + db);
  ASSERT_EQ(seed_code, 0) << seed_out;
  auto [ins_code, ins_out] = RunCommand(
      "sqlite3 " + db +
      " \"INSERT INTO events (id, store_id, order_id, topic, payload, created_at, due_at) VALUES "
      "(77, 'X', '', 'order.created', '{}', 1, 1); INSERT INTO deliveries (event_id, step, state, "
      "attempts, next_at, last_error, updated_at) VALUES (77, 'alerts', 2, 8, 1, 'internal: boom', "
      "2);\"");
  ASSERT_EQ(ins_code, 0) << ins_out;

  auto [list_code, list_out] = RunCommand(bin + " dlq list --db sqlite:" + db);
  EXPECT_EQ(list_code, 0) << list_out;
  EXPECT_NE(list_out.find("internal: boom"), std::string::npos) << list_out;
  EXPECT_NE(list_out.find("1 dead letter(s)"), std::string::npos) << list_out;

  auto [wrong_code, wrong_out] =
      RunCommand(bin + " dlq redrive --store Y 77 alerts --db sqlite:" + db);
  EXPECT_NE(wrong_code, 0) << "another store's dead letter must not be redriven: " << wrong_out;

  auto [redrive_code, redrive_out] =
      RunCommand(bin + " dlq redrive --store X 77 alerts --db sqlite:" + db);
  EXPECT_EQ(redrive_code, 0) << redrive_out;
  auto [state_code, state] =
      RunCommand("sqlite3 " + db + " 'SELECT state, attempts FROM deliveries WHERE event_id = 77'");
  EXPECT_EQ(state, "0|0\n");
  auto [again_code, again_out] = RunCommand(bin + " dlq list --db sqlite:" + db);
  EXPECT_NE(again_out.find("0 dead letter(s)"), std::string::npos) << again_out;
  (void)RunCommand("rm -rf " + dir);
}

}  // namespace
