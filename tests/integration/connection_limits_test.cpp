// Caps on what clients can hold, against the real binary: connections per
// client address, live-update streams per store and in total (503 with
// Retry-After and the envelope), the stream lifetime, the open-file limit,
// and a health check that still answers at the caps. Every wait is for a
// condition, with a generous deadline.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/raw_connection.hpp"
#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = 20s;
// Between attempts while waiting for the server to notice a close.
constexpr auto kPollInterval = 20ms;

std::string BodyAfterHeader(const std::string& reply) {
  auto at = reply.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : reply.substr(at + 4);
}

// Sends a stream request; returns the connection once the response header
// is in. With "Connection: close" a refusal ends the connection, so its
// body can be read to the end.
std::unique_ptr<RawConnection> OpenStream(const ServerProcess& server, const std::string& store) {
  auto connection = std::make_unique<RawConnection>(server.port());
  if (!connection->connected()) return connection;
  connection->Send(
      "GET /api/events/stream?token=" + server.admin_token() + "&store=" + store +
      " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n");
  connection->ReadUntil("\r\n\r\n");
  return connection;
}

bool IsOpenStream(const RawConnection& connection) {
  return connection.received().rfind("HTTP/1.1 200 ", 0) == 0;
}

// Expects a refused stream: 503, Retry-After and the envelope.
void ExpectStreamRefused(RawConnection& connection, const std::string& what) {
  ASSERT_TRUE(connection.ReadUntilClosed()) << what << ": " << connection.received();
  const std::string& reply = connection.received();
  EXPECT_EQ(reply.rfind("HTTP/1.1 503 ", 0), 0u) << what << ": " << reply;
  EXPECT_NE(reply.find("\r\nRetry-After: 5\r\n"), std::string::npos) << what << ": " << reply;
  std::string body = BodyAfterHeader(reply);
  std::string why;
  EXPECT_TRUE(IsErrorEnvelope(body, &why)) << what << ": " << why << ": " << body;
  EXPECT_EQ(ErrorCodeOf(body), "unavailable") << what << ": " << body;
}

// GET /healthz on a connection of its own (from `source`, "" for the
// default address); the whole reply, and how long it took.
std::string HealthCheck(unsigned short port, const std::string& source,
                        std::chrono::milliseconds& took) {
  auto started = Clock::now();
  RawConnection connection(port, source);
  if (!connection.connected()) return "(cannot connect)";
  connection.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  connection.ReadUntilClosed();
  took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return connection.received();
}

TEST(StreamCapsTest, RefusedWith503BeyondTheCapsWhileHealthAnswers) {
  ServerProcess server(
      {.extra_args = {"--sse-max-streams", "4", "--sse-max-streams-per-store", "2"}});
  std::vector<std::unique_ptr<RawConnection>> open;
  for (int i = 0; i < 2; ++i) {
    open.push_back(OpenStream(server, "X"));
    ASSERT_TRUE(IsOpenStream(*open.back())) << open.back()->received();
  }
  auto third_of_x = OpenStream(server, "X");
  ExpectStreamRefused(*third_of_x, "a third stream of store X (2 per store)");

  for (int i = 0; i < 2; ++i) {
    open.push_back(OpenStream(server, "Y"));
    ASSERT_TRUE(IsOpenStream(*open.back())) << open.back()->received();
  }
  auto fifth = OpenStream(server, "Z");
  ExpectStreamRefused(*fifth, "a fifth stream (4 in total)");

  std::chrono::milliseconds took{};
  std::string health = HealthCheck(server.port(), "", took);
  EXPECT_EQ(health.rfind("HTTP/1.1 200 ", 0), 0u) << health;
  std::printf("[ info ] /healthz at the stream caps answered in %lld ms\n",
              static_cast<long long>(took.count()));

  // A stream that ends gives its place back.
  open.front()->Close();
  std::unique_ptr<RawConnection> again;
  for (auto deadline = Clock::now() + kDeadline; Clock::now() < deadline;) {
    again = OpenStream(server, "X");
    if (IsOpenStream(*again)) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  ASSERT_TRUE(IsOpenStream(*again)) << "no stream place came free: " << again->received();
}

TEST(StreamCapsTest, StreamEndsCleanlyAfterItsLifetime) {
  ServerProcess server({.extra_args = {"--sse-lifetime", "1"}});
  auto stream = OpenStream(server, "X");
  ASSERT_TRUE(IsOpenStream(*stream)) << stream->received();
  ASSERT_TRUE(stream->ReadUntilClosed()) << "the stream did not end: " << stream->received();
  const std::string& bytes = stream->received();
  EXPECT_NE(bytes.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << bytes;
  // The last chunk: the response is complete, not cut off.
  ASSERT_GE(bytes.size(), 5u);
  EXPECT_EQ(bytes.substr(bytes.size() - 5), "0\r\n\r\n") << bytes;
  EXPECT_NE(bytes.find("retry: 3000\n\n"), std::string::npos) << bytes;

  auto reconnected = OpenStream(server, "X");
  EXPECT_TRUE(IsOpenStream(*reconnected)) << reconnected->received();
}

std::string HealthRequest() { return "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"; }

TEST(ConnectionCapTest, PerAddressCapRefusesTheExtraConnectionUntilOneCloses) {
  ServerProcess server({.extra_args = {"--max-connections-per-address", "3"}});
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawConnection>(server.port()));
    ASSERT_TRUE(held.back()->connected());
    ASSERT_TRUE(held.back()->Send(HealthRequest()));
    // Answered, so the server counts the connection.
    ASSERT_TRUE(held.back()->ReadUntil(R"("status":"ok")")) << held.back()->received();
  }

  // The fourth sends nothing, so the refusal is read whole, then the close.
  RawConnection extra(server.port());
  ASSERT_TRUE(extra.connected());
  ASSERT_TRUE(extra.ReadUntilClosed()) << extra.received();
  EXPECT_EQ(extra.received().rfind("HTTP/1.1 503 ", 0), 0u) << extra.received();
  EXPECT_NE(extra.received().find("\r\nRetry-After: 1\r\n"), std::string::npos) << extra.received();
  EXPECT_EQ(ErrorCodeOf(BodyAfterHeader(extra.received())), "unavailable") << extra.received();

  // Another client address is not affected: the health check answers.
  std::chrono::milliseconds took{};
  std::string health = HealthCheck(server.port(), "127.0.0.2", took);
  EXPECT_EQ(health.rfind("HTTP/1.1 200 ", 0), 0u) << health;
  std::printf("[ info ] /healthz from another address at the cap answered in %lld ms\n",
              static_cast<long long>(took.count()));

  // The held connections are still served.
  ASSERT_TRUE(
      held[1]->Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: still-served\r\n\r\n"));
  EXPECT_TRUE(held[1]->ReadUntil("X-Request-Id: still-served")) << held[1]->received();

  held.front()->Close();
  std::string reply;
  for (auto deadline = Clock::now() + kDeadline; Clock::now() < deadline;) {
    RawConnection next(server.port());
    if (next.connected() &&
        next.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) {
      next.ReadUntilClosed();
      reply = next.received();
      if (reply.rfind("HTTP/1.1 200 ", 0) == 0) break;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 ", 0), 0u) << "no place came free: " << reply;
}

// The soft and hard "Max open files" of a process, from /proc.
std::pair<std::string, std::string> OpenFileLimits(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Max open files", 0) != 0) continue;
    std::istringstream fields(line.substr(std::string("Max open files").size()));
    std::string soft, hard;
    fields >> soft >> hard;
    return {soft, hard};
  }
  return {};
}

TEST(OpenFileLimitTest, ServeRaisesTheSoftLimitToTheHardOne) {
  rlimit original{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original), 0);
  // The server inherits a soft limit below the hard one, so raising it is
  // something it must do.
  rlimit lowered = original;
  bool can_lower = original.rlim_max != RLIM_INFINITY && original.rlim_max >= 256;
  if (can_lower) lowered.rlim_cur = original.rlim_max / 2;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  std::unique_ptr<ServerProcess> server;
  try {
    server = std::make_unique<ServerProcess>();
  } catch (...) {
    setrlimit(RLIMIT_NOFILE, &original);
    throw;
  }
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &original), 0);
  if (!can_lower) GTEST_SKIP() << "the hard open-file limit is too low to lower the soft one";

  auto [soft, hard] = OpenFileLimits(server->pid());
  ASSERT_FALSE(hard.empty()) << "no Max open files in /proc/" << server->pid() << "/limits";
  EXPECT_EQ(hard, std::to_string(original.rlim_max));
  EXPECT_EQ(soft, hard) << "started with a soft limit of " << lowered.rlim_cur;
}

}  // namespace
}  // namespace orderflow::testing
