// `orderflow load` against the real server: a run where requests fail exits
// 1 and counts the failures by status in the progress line and the summary;
// a clean run exits 0 and its percentiles never exceed the maximum.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <string>

#include "integration/cli_helpers.hpp"
#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

using cli::Binary;
using cli::Contains;

struct LoadRun {
  int code = -1;
  std::string out;  // the summary
  std::string err;  // progress lines and the failure line
};

LoadRun RunLoad(const std::string& args) {
  TempDir dir;
  const std::string out = dir.File("out"), err = dir.File("err");
  LoadRun run;
  // Braces: RunCommand's own 2>&1 then applies to the group, not the binary.
  run.code =
      RunCommand("{ timeout 120 " + Binary() + " load " + args + " >" + out + " 2>" + err + "; }")
          .first;
  run.out = cli::ReadText(out);
  run.err = cli::ReadText(err);
  return run;
}

std::string Target(const ServerProcess& server) {
  return " --target 127.0.0.1:" + std::to_string(server.port());
}

// Every request 401: it used to say "errors 0" and exit 0.
TEST(CliLoad, UnauthorizedRequestsFailTheRun) {
  // No limit on wrong credentials, so that every answer is a 401 (not 429).
  ServerProcess server({.extra_args = {"--auth-failure-limit", "0"}});
  LoadRun run = RunLoad(Target(server) + " --token not-a-valid-token --count 20 -c 2");
  EXPECT_EQ(run.code, 1) << run.out << run.err;
  EXPECT_TRUE(Contains(run.out, "failed: 20 of 20 requests (401 x20)")) << run.out;
  EXPECT_TRUE(Contains(run.err, "failed 20")) << run.err;
  EXPECT_TRUE(Contains(run.err, "(401 x20)")) << "progress line: " << run.err;
  EXPECT_TRUE(Contains(run.err, "orderflow load: 20 of 20 requests failed (401 x20)")) << run.err;
}

// Orders the server refuses (an unknown product: 422) fail the run too.
TEST(CliLoad, RefusedOrdersFailTheRun) {
  ServerProcess server;
  LoadRun run = RunLoad(Target(server) + " --token " + server.admin_token() +
                        " --product 'No Such Product' --count 10 -c 2");
  EXPECT_EQ(run.code, 1) << run.out << run.err;
  EXPECT_TRUE(Contains(run.out, "failed: 10 of 10 requests (422 x10)")) << run.out;
  EXPECT_TRUE(Contains(run.err, "(422 x10)")) << run.err;
}

// Nothing listens on a bound port that never listened: every connection is
// refused; the run says where it tried and exits non-zero.
TEST(CliLoad, NoServerFailsTheRun) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  LoadRun run = RunLoad("--target 127.0.0.1:" + port + " --token t --count 5 -c 1");
  ::close(fd);
  EXPECT_EQ(run.code, 2) << run.out << run.err;
  EXPECT_TRUE(Contains(run.err, "127.0.0.1:" + port)) << run.err;
  EXPECT_TRUE(Contains(run.err, "connection errors")) << run.err;
}

// A clean run exits 0, reports no failure, and p50 <= p90 <= p99 <= max.
TEST(CliLoad, CleanRunExitsZeroWithOrderedPercentiles) {
  ServerProcess server;
  LoadRun run = RunLoad(Target(server) + " --token " + server.admin_token() +
                        " --count 40 -c 4 --restock 100");
  EXPECT_EQ(run.code, 0) << run.out << run.err;
  EXPECT_TRUE(Contains(run.out, "intake: 40 orders")) << run.out;
  EXPECT_TRUE(Contains(run.out, "failed: 0 of 40 requests (none)")) << run.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      run.out, m, std::regex(R"(p50 ([0-9.]+)  p90 ([0-9.]+)  p99 ([0-9.]+)  max ([0-9.]+))")))
      << run.out;
  double p50 = std::stod(m[1]), p90 = std::stod(m[2]), p99 = std::stod(m[3]), max = std::stod(m[4]);
  EXPECT_LE(p50, p90);
  EXPECT_LE(p90, p99);
  EXPECT_LE(p99, max);
  EXPECT_GT(max, 0);
}

}  // namespace
}  // namespace orderflow::testing
