// Streams (Server-Sent Events) of a real Server on loopback: the lifetime
// that ends a stream cleanly, and the budget on bytes queued for all
// streams, which drops the slowest reader and keeps the others.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/request.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "support/raw_connection.hpp"

namespace orderflow::http {
namespace {

using namespace std::chrono_literals;
using orderflow::testing::RawConnection;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = 30s;
constexpr char kStreamRequest[] = "GET /api/stream HTTP/1.1\r\nHost: t\r\n\r\n";

class HttpStreamTest : public ::testing::Test {
 protected:
  HttpStreamTest() {
    router_.Add("GET", "/api/stream", [this](Request&, Respond respond) {
      Response response;
      response.stream = [this](std::shared_ptr<StreamWriter> writer) {
        std::lock_guard<std::mutex> lock(mutex_);
        writers_.push_back(std::move(writer));
      };
      respond(std::move(response));
    });
  }

  ~HttpStreamTest() override {
    if (server_) {
      server_->Stop();
      run_.wait();
    }
  }

  void Start(ServerConfig config) {
    config.host = "127.0.0.1";
    config.port = 0;
    config.threads = 2;
    server_ = std::make_unique<Server>(config, router_);
    run_ = std::async(std::launch::async, [this] { server_->Run(); });
  }

  // The writer of the n-th stream started (0-based), once it exists.
  std::shared_ptr<StreamWriter> WaitForWriter(std::size_t n) {
    for (auto deadline = Clock::now() + kDeadline; Clock::now() < deadline;) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (writers_.size() > n) return writers_[n];
      }
      std::this_thread::sleep_for(5ms);
    }
    return nullptr;
  }

  Router router_;
  std::unique_ptr<Server> server_;
  std::future<void> run_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<StreamWriter>> writers_;  // GUARDED_BY(mutex_)
};

TEST_F(HttpStreamTest, StreamEndsCleanlyAfterItsLifetime) {
  ServerConfig config;
  config.stream_lifetime_seconds = 0.2;
  Start(config);
  RawConnection client(server_->port());
  ASSERT_TRUE(client.Send(kStreamRequest));
  auto writer = WaitForWriter(0);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Send("data: hello\n\n"));

  ASSERT_TRUE(client.ReadUntilClosed()) << client.received();
  const std::string& bytes = client.received();
  EXPECT_EQ(bytes.rfind("HTTP/1.1 200 ", 0), 0u) << bytes;
  EXPECT_NE(bytes.find("data: hello\n\n"), std::string::npos) << bytes;
  ASSERT_GE(bytes.size(), 5u);
  EXPECT_EQ(bytes.substr(bytes.size() - 5), "0\r\n\r\n") << bytes;
  EXPECT_TRUE(writer->Closed());
}

TEST_F(HttpStreamTest, StreamsWithoutLifetimeStayOpen) {
  Start(ServerConfig{});
  RawConnection client(server_->port());
  ASSERT_TRUE(client.Send(kStreamRequest));
  auto writer = WaitForWriter(0);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Send("data: one\n\n"));
  ASSERT_TRUE(client.ReadUntil("data: one\n\n")) << client.received();
  EXPECT_FALSE(writer->Closed());
  EXPECT_FALSE(client.peer_closed());
}

TEST_F(HttpStreamTest, FullStreamBuffersDropTheSlowestReaderOnly) {
  ServerConfig config;
  config.stream_buffer_limit = 1024 * 1024;
  // Far above what is pushed, so only the shared budget can drop anyone.
  config.stream_backlog_limit = std::size_t{1} << 30;
  Start(config);

  RawConnection reader(server_->port());
  ASSERT_TRUE(reader.Send(kStreamRequest));
  auto reader_writer = WaitForWriter(0);
  ASSERT_NE(reader_writer, nullptr);
  RawConnection stalled(server_->port());
  ASSERT_TRUE(stalled.Send(kStreamRequest));
  auto stalled_writer = WaitForWriter(1);
  ASSERT_NE(stalled_writer, nullptr);

  std::atomic<std::size_t> read_bytes{0};
  std::atomic<bool> stop{false};
  std::thread drain([&] {
    while (!stop.load()) read_bytes += reader.Discard(50ms);
  });

  // The reader is kept within 128 KiB of what was pushed, so its queue stays
  // far below the stalled client's once the budget (1 MiB) is reached. The
  // server counts a write as queued until its last byte is accepted, and the
  // client may read up to the slack (and one chunk) during one write, so the
  // reader's count can reach about twice the slack plus two chunks: with
  // 256 KiB that came near the budget, and once both clients were dropped.
  const std::string chunk = "data: " + std::string(64 * 1024, 'x') + "\n\n";
  constexpr std::size_t kReaderSlack = 128 * 1024;
  constexpr std::size_t kGiveUpAfter = std::size_t{512} << 20;
  std::size_t pushed = 0;
  const auto deadline = Clock::now() + kDeadline;
  while (!stalled_writer->Closed() && pushed < kGiveUpAfter && Clock::now() < deadline) {
    reader_writer->Send(chunk);
    stalled_writer->Send(chunk);
    pushed += chunk.size();
    while (read_bytes.load() + kReaderSlack < pushed && !reader_writer->Closed() &&
           Clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
  }
  stop = true;
  drain.join();

  EXPECT_TRUE(stalled_writer->Closed()) << "pushed " << pushed << " bytes";
  EXPECT_FALSE(reader_writer->Closed());
  std::printf("[ info ] the stalled client was dropped after %zu KiB per stream\n", pushed / 1024);
  // The server closed the stalled connection (after what the kernel holds).
  EXPECT_TRUE(stalled.ReadUntilClosed());
}

}  // namespace
}  // namespace orderflow::http
