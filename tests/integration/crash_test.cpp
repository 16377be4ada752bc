// kill -9 under load (SPEC §5, §12): the real server takes orders from four
// threads, is killed twice mid-run and restarted on the same database. Every
// order acknowledged with 2xx must exist and reach a terminal state, stock
// must equal the ledger, nothing may be oversold, no order may be charged
// twice, and no effect may have been applied twice.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/invariants.hpp"
#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::vector<std::string> kProducts = {"Motia Smartwatch V2", "Motia IoT Sensor Kit",
                                            "Motia Pro Headset", "Motia AI Dev Board"};

std::string TextOrEmpty(const json::value& v, const char* key) {
  const json::value* field = v.is_object() ? v.get_object().if_contains(key) : nullptr;
  return field != nullptr && field->is_string() ? std::string(field->get_string()) : "";
}

struct Acknowledged {
  std::mutex mu;
  std::map<std::string, bool> orders;  // order id -> sent with a declined card
  int posted = 0;
};

// Posts orders from `writers` threads and kills the server, under that
// load, once `kill_at` orders in all have been acknowledged (or after two
// minutes, which the caller's check then reports); records every 2xx.
void LoadAndKill(ServerProcess& server, int round, std::size_t kill_at, Acknowledged& acked) {
  constexpr int kWriters = 4;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  const unsigned short port = server.port();
  const std::string token = server.admin_token();
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      StoreApi api(port, token, "X");
      for (int i = 0; !stop; ++i) {
        const bool declined = i % 7 == 3;
        json::object body{
            {"customerName", "Crash R" + std::to_string(round) + " W" + std::to_string(w) + " #" +
                                 std::to_string(i)},
            {"items", json::array{json::object{{"productName", kProducts[(i + w) % 4]},
                                               {"quantity", 1 + i % 2}}}}};
        if (declined) body["payment"] = json::object{{"token", "tok_chargeDeclined"}};
        HttpResult r = api.Post("/api/order", json::serialize(body));
        if (r.status == 0) break;  // the server is gone
        std::lock_guard lock(acked.mu);
        ++acked.posted;
        if (r.status / 100 != 2) {
          ADD_FAILURE() << "order refused with " << r.status << ": " << r.body;
          continue;
        }
        std::string id = TextOrEmpty(ParseJson(r.body), "orderId");
        if (id.empty()) {
          ADD_FAILURE() << "no orderId in " << r.body;
          continue;
        }
        acked.orders[id] = declined;
      }
    });
  }
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (std::chrono::steady_clock::now() < give_up) {
    {
      std::lock_guard lock(acked.mu);
      if (acked.orders.size() >= kill_at) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server.Kill9();
  stop = true;
  for (auto& t : writers) t.join();
}

TEST(CrashTest, KillNineTwiceUnderLoadLosesNothingAndDoublesNothing) {
  ServerProcess server;
  {
    StoreApi api(server.port(), server.admin_token(), "X");
    HttpResult list = api.Get("/api/products");
    ASSERT_EQ(list.status, 200) << list.body;
    const json::value products = ParseJson(list.body);
    ASSERT_TRUE(products.is_object() && products.as_object().contains("items")) << list.body;
    for (const auto& p : products.at("items").as_array()) {
      HttpResult r =
          api.Patch("/api/products/" + TextOrEmpty(p, "productId"), R"({"restock":1000000})");
      ASSERT_EQ(r.status, 200) << r.body;
    }
  }

  Acknowledged acked;
  std::int64_t unfinished_at_kill = 0;
  for (int round = 1; round <= 2; ++round) {
    const std::size_t before = acked.orders.size();
    LoadAndKill(server, round, before + 60, acked);
    ASSERT_GT(acked.orders.size(), before + 20) << "round " << round << " made too little load";
    {
      // What the crash left for recovery: work the engine had not finished.
      std::int64_t pending = server.QueryInt("SELECT COUNT(*) FROM deliveries WHERE state = 0");
      std::int64_t open = server.QueryInt(
          "SELECT COUNT(*) FROM orders WHERE status NOT IN ('delivered', 'failed', 'cancelled')");
      std::printf("[          ] kill %d: %lld pending deliveries, %lld unfinished orders\n", round,
                  static_cast<long long>(pending), static_cast<long long>(open));
      unfinished_at_kill += std::max<std::int64_t>(0, pending);
    }
    server.Restart();
  }
  EXPECT_GT(unfinished_at_kill, 0) << "the kills did not interrupt any work";
  std::printf("[          ] %zu orders acknowledged of %d posted across two kill -9\n",
              acked.orders.size(), acked.posted);

  // Every acknowledged order exists and reaches a terminal state.
  StoreApi api(server.port(), server.admin_token(), "X");
  std::map<std::string, std::string> final_status;
  std::set<std::string> waiting;
  for (const auto& [id, declined] : acked.orders) waiting.insert(id);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  int passes = 0;
  while (!waiting.empty() && std::chrono::steady_clock::now() < deadline) {
    for (auto it = waiting.begin(); it != waiting.end();) {
      HttpResult r = api.Get("/api/orders/" + *it);
      if (r.status == 404) {
        ADD_FAILURE() << "acknowledged order " << *it << " was lost";
        it = waiting.erase(it);
        continue;
      }
      json::value o = ParseJson(r.body);
      std::string status = TextOrEmpty(o, "status");
      if (r.status == 200 && (status == "delivered" || status == "failed")) {
        final_status[*it] =
            status + "/" + TextOrEmpty(o, "paymentStatus") + "/" + TextOrEmpty(o, "failureReason");
        it = waiting.erase(it);
      } else {
        ++it;
      }
    }
    if (++passes == 1) {
      std::printf("[          ] %zu orders not yet terminal right after the restart\n",
                  waiting.size());
    }
    if (!waiting.empty()) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(waiting.empty()) << waiting.size()
                               << " acknowledged orders never reached a terminal state";
  for (const auto& [id, declined] : acked.orders) {
    auto it = final_status.find(id);
    if (it == final_status.end()) continue;
    const std::string want = declined ? "failed/failed/payment_declined" : "delivered/paid/";
    EXPECT_EQ(it->second, want) << id;
  }
  EXPECT_GE(api.OrderCount(), static_cast<long long>(acked.orders.size()));

  // Let the engine drain what follows the terminal states (notifications).
  const auto drain_deadline = std::chrono::steady_clock::now() + 20s;
  while (server.QueryInt("SELECT COUNT(*) FROM deliveries WHERE state = 0") != 0 &&
         std::chrono::steady_clock::now() < drain_deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(server.Terminate(), 0) << server.Output();

  ExpectFlowInvariants([&](const std::string& sql) { return server.QueryInt(sql); }, "X");
  EXPECT_GE(server.QueryInt("SELECT COUNT(*) FROM orders WHERE store_id = 'X'"),
            static_cast<std::int64_t>(acked.orders.size()));
}

}  // namespace
}  // namespace orderflow::testing
