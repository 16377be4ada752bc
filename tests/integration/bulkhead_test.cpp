// Bulkheads (issue 12): webhook POSTs run on a pool of their own under a
// per-store cap, so one store's slow endpoints never hold up another
// store's orders. Store A registers 40 endpoints on a receiver that keeps
// every request open until the test releases it; while all of A's sends
// hang, store B's orders (no webhooks) must all reach delivered, A has at
// most its cap of 4 requests open, and A's held-back deliveries spend no
// attempt. B's created->delivered p99 is measured with and without A's
// load and printed.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "support/server_process.hpp"
#include "support/webhook_receiver.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int kEndpoints = 40;
constexpr int kOrders = 20;
constexpr auto kWait = 60s;

// created -> delivered of an order from its history, or -1 when not yet
// delivered.
TimeMs DeliveredAfter(StoreApi& api, const std::string& order_id) {
  json::value v = ParseJson(api.Get("/api/order/tracking/" + order_id).body);
  if (!v.is_object() || Str(v, "status") != "delivered") return -1;
  TimeMs created = -1;
  TimeMs delivered = -1;
  for (const auto& h : v.at("history").as_array()) {
    TimeMs at = 0;
    if (!ParseTime(Str(h, "timestamp"), at)) continue;
    if (Str(h, "status") == "ORDER_CREATED") created = at;
    if (Str(h, "status") == "DELIVERED") delivered = at;
  }
  return created >= 0 && delivered >= 0 ? delivered - created : -1;
}

// Posts kOrders orders and waits until all are delivered; their latencies,
// or an empty vector when they were not all delivered within kWait.
std::vector<TimeMs> RunOrders(StoreApi& api) {
  std::vector<std::string> ids;
  for (int i = 0; i < kOrders; ++i) {
    HttpResult r = api.PostOrder("Customer " + std::to_string(i), "Mug");
    EXPECT_EQ(r.status, 201) << r.body;
    ids.push_back(Str(ParseJson(r.body), "orderId"));
  }
  std::vector<TimeMs> latencies(ids.size(), -1);
  auto deadline = std::chrono::steady_clock::now() + kWait;
  for (;;) {
    bool all = true;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (latencies[i] < 0) latencies[i] = DeliveredAfter(api, ids[i]);
      all = all && latencies[i] >= 0;
    }
    if (all) return latencies;
    if (std::chrono::steady_clock::now() > deadline) return {};
    std::this_thread::sleep_for(10ms);
  }
}

TimeMs P99(std::vector<TimeMs> v) {
  std::sort(v.begin(), v.end());
  std::size_t rank = (v.size() * 99 + 99) / 100;  // nearest rank
  return v[std::max<std::size_t>(rank, 1) - 1];
}

TEST(BulkheadTest, OneStoresHangingEndpointsDoNotHoldUpAnotherStoresOrders) {
  WebhookReceiver receiver;
  receiver.HoldAll();
  // The webhook timeout outlasts the test's hold, so a send ends only when
  // the receiver answers.
  ServerProcess server({.extra_args = {"--allow-private-egress", "127.0.0.0/8", "--webhook-timeout",
                                       "20", "--webhook-concurrency-per-store", "4"}});
  const std::string a_id = UniqueStoreId("BHA");
  const std::string b_id = UniqueStoreId("BHB");
  StoreApi a(server.port(), CreateStore(server, a_id), a_id);
  StoreApi b(server.port(), CreateStore(server, b_id), b_id);
  for (StoreApi* api : {&a, &b}) {
    ASSERT_EQ(
        api->Post("/api/products", R"({"productName":"Mug","price":7,"stock":100000})").status,
        201);
  }
  for (int i = 0; i < kEndpoints; ++i) {
    HttpResult r = a.Post("/api/webhooks", R"({"url":")" + receiver.Url("a" + std::to_string(i)) +
                                               R"(","topics":["order.created"]})");
    ASSERT_EQ(r.status, 201) << r.body;
  }

  const std::vector<TimeMs> baseline = RunOrders(b);
  ASSERT_EQ(baseline.size(), static_cast<std::size_t>(kOrders)) << "baseline orders stuck";

  // A's order fans out to 40 sends; its cap lets 4 of them out, all hung.
  ASSERT_EQ(a.PostOrder("Ada", "Mug").status, 201);
  ASSERT_TRUE(receiver.WaitForRequests(4, 30s)) << "A's sends never arrived";

  const std::vector<TimeMs> loaded = RunOrders(b);
  ASSERT_EQ(loaded.size(), static_cast<std::size_t>(kOrders))
      << "store B's orders did not all reach delivered while A's sends hung";
  // All of B's orders were delivered while every send of A was still open:
  // none of A's deliveries has an outcome or even a logged attempt yet.
  const std::string a_quoted = "'" + a_id + "'";
  EXPECT_EQ(server.QueryInt("SELECT COUNT(*) FROM webhook_attempts WHERE store_id = " + a_quoted),
            0)
      << "an A send ended (timed out?) before B finished";
  EXPECT_EQ(receiver.Got().size(), 4u) << "store A had more sends open than its cap";

  const TimeMs base_p99 = P99(baseline);
  const TimeMs loaded_p99 = P99(loaded);
  std::printf(
      "store B created->delivered p99: %lld ms alone, %lld ms with store A's %d hung "
      "endpoints\n",
      static_cast<long long>(base_p99), static_cast<long long>(loaded_p99), kEndpoints);
  EXPECT_LE(loaded_p99, 2 * base_p99 + 1000);

  // Released, every A delivery succeeds at its first attempt: those held
  // back by the cap spent none while they waited.
  receiver.Release();
  auto deadline = std::chrono::steady_clock::now() + kWait;
  const std::string succeeded =
      "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 1 AND store_id = " + a_quoted;
  while (server.QueryInt(succeeded) < kEndpoints && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(server.QueryInt(succeeded), kEndpoints);
  EXPECT_EQ(
      server.QueryInt("SELECT MAX(attempts) FROM webhook_deliveries WHERE store_id = " + a_quoted),
      1);
  EXPECT_EQ(receiver.Got().size(), static_cast<std::size_t>(kEndpoints));
}

}  // namespace
}  // namespace orderflow::testing
