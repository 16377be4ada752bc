#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

// Runs a shell command, returning its exit status and combined output.
std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, output};
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe) != nullptr) output += buf.data();
  int status = pclose(pipe);
  return {WEXITSTATUS(status), output};
}

TEST(Cli, HelpDocumentsTheSubcommands) {
  auto [code, out] = RunCommand(std::string(ORDERFLOW_BINARY) + " --help");
  EXPECT_EQ(code, 0) << out;
  for (const char* word : {"serve", "migrate", "seed", "--db"}) {
    EXPECT_NE(out.find(word), std::string::npos) << word << " missing from:\n" << out;
  }
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

}  // namespace
