// GET /api/orders (keyset pagination, filters) and GET /api/dashboard/stats
// against the real binary (SPEC §7).

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;

constexpr int kOrders = 120;

std::string Upper8(const std::string& id) {
  std::string out = id.substr(0, 8);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

struct Created {
  std::string order_id;
  std::string customer;
  std::string created_at;
};

// One server and one store with kOrders orders for the whole suite: the
// tests only read.
class OrdersListTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      server_ = new ServerProcess();
    } catch (const std::exception& e) {
      start_error_ = e.what();
      return;
    }
    store_ = UniqueStoreId("L");
    if (CreateStore(*server_, store_).empty()) return;
    StoreApi api(server_->port(), server_->admin_token(), store_);
    if (api.Post("/api/products", R"({"productName":"Widget","price":12.5,"stock":100000})")
            .status != 201) {
      return;
    }
    for (int i = 0; i < kOrders; ++i) {
      std::string customer = i % 3 == 0 ? "Dana Filter" : "Cust " + std::to_string(i);
      HttpResult r = api.PostOrder(customer, "Widget", 1 + i % 2);
      if (r.status != 201) {
        start_error_ = "order " + std::to_string(i) + ": " + r.body;
        return;
      }
      json::value v = ParseJson(r.body);
      created_->push_back({Str(v, "orderId"), customer, Str(v, "createdAt")});
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    created_->clear();
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr) << start_error_;
    ASSERT_EQ(created_->size(), static_cast<std::size_t>(kOrders)) << start_error_;
    api_ = std::make_unique<StoreApi>(server_->port(), server_->admin_token(), store_);
  }

  // Follows nextCursor from `first_target` (optionally starting at
  // `cursor`) to the end; returns the order ids.
  std::vector<std::string> Walk(const std::string& first_target, int* pages = nullptr,
                                const std::string& cursor = "") {
    std::vector<std::string> ids;
    std::string sep = first_target.find('?') == std::string::npos ? "?" : "&";
    std::string target = cursor.empty() ? first_target : first_target + sep + "cursor=" + cursor;
    for (int page = 0; page < 1000; ++page) {
      HttpResult r = api_->Get(target);
      EXPECT_EQ(r.status, 200) << target << ": " << r.body;
      if (r.status != 200) break;
      json::value v = ParseJson(r.body);
      for (const auto& item : v.at("items").as_array()) ids.push_back(Str(item, "orderId"));
      if (pages != nullptr) *pages = page + 1;
      const json::value& next = v.at("nextCursor");
      if (next.is_null()) break;
      EXPECT_TRUE(next.is_string()) << r.body;
      target = first_target + sep + "cursor=" + std::string(next.get_string());
    }
    return ids;
  }

  // Newest first: the reverse of creation order.
  static std::vector<std::string> NewestFirst() {
    std::vector<std::string> ids;
    for (auto it = created_->rbegin(); it != created_->rend(); ++it) ids.push_back(it->order_id);
    return ids;
  }

  static ServerProcess* server_;
  static std::string start_error_;
  static std::string store_;
  static std::vector<Created>* created_;
  std::unique_ptr<StoreApi> api_;
};

ServerProcess* OrdersListTest::server_ = nullptr;
std::string OrdersListTest::start_error_;
std::string OrdersListTest::store_;
std::vector<Created>* OrdersListTest::created_ = new std::vector<Created>();

TEST_F(OrdersListTest, DefaultPagesOfFiftyNewestFirst) {
  HttpResult first = api_->Get("/api/orders");
  ASSERT_EQ(first.status, 200) << first.body;
  json::value v = ParseJson(first.body);
  EXPECT_EQ(v.at("items").as_array().size(), 50u);
  EXPECT_EQ(v.at("total").as_int64(), kOrders);
  ASSERT_TRUE(v.at("nextCursor").is_string()) << first.body;
  // List items are summaries without the history.
  EXPECT_FALSE(v.at("items").at(0).as_object().contains("history"));

  int pages = 0;
  std::vector<std::string> ids = Walk("/api/orders", &pages);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(ids, NewestFirst());
}

TEST_F(OrdersListTest, SmallPagesCoverEveryOrderOnce) {
  int pages = 0;
  std::vector<std::string> ids = Walk("/api/orders?limit=7", &pages);
  EXPECT_EQ(pages, (kOrders + 6) / 7);
  EXPECT_EQ(ids, NewestFirst());

  std::vector<std::string> all = Walk("/api/orders?limit=500", &pages);
  EXPECT_EQ(pages, 1);
  EXPECT_EQ(all, NewestFirst());
}

TEST_F(OrdersListTest, CustomerFilter) {
  std::vector<std::string> expected;
  for (auto it = created_->rbegin(); it != created_->rend(); ++it) {
    if (it->customer == "Dana Filter") expected.push_back(it->order_id);
  }
  EXPECT_EQ(Walk("/api/orders?customer=Dana%20Filter&limit=9"), expected);
  EXPECT_TRUE(Walk("/api/orders?customer=Nobody").empty());
}

TEST_F(OrdersListTest, SearchByOrderIdPrefixAndCustomerSubstring) {
  const Created& target = created_->at(42);
  std::vector<std::string> ids = Walk("/api/orders?q=" + target.order_id.substr(0, 8));
  EXPECT_NE(std::find(ids.begin(), ids.end(), target.order_id), ids.end());

  ids = Walk("/api/orders?q=Cust%2011");  // Cust 11, Cust 110, 112, 113, 115, 116, 118, 119
  std::set<std::string> expected;
  for (const auto& c : *created_) {
    if (c.customer.find("Cust 11") != std::string::npos) expected.insert(c.order_id);
  }
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected);
}

TEST_F(OrdersListTest, StatusFiltersPartitionTheOrders) {
  // The flow may still be moving orders between statuses while the eight
  // lists are read, so the partition is checked until it is stable.
  std::size_t sum = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    sum = 0;
    for (const char* status : {"pending", "flagged", "paid", "failed", "fulfilled", "shipped",
                               "delivered", "cancelled"}) {
      HttpResult r = api_->Get(std::string("/api/orders?limit=500&status=") + status);
      ASSERT_EQ(r.status, 200) << r.body;
      json::value v = ParseJson(r.body);
      for (const auto& item : v.at("items").as_array()) EXPECT_EQ(Str(item, "status"), status);
      sum += v.at("items").as_array().size();
    }
  } while (sum != static_cast<std::size_t>(kOrders) && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(sum, static_cast<std::size_t>(kOrders));

  for (const char* key : {"paymentStatus", "fulfillmentStatus"}) {
    // The value of the newest order, until a filtered read finds it (the
    // order may move on between the two reads).
    std::size_t found = 0;
    do {
      HttpResult first = api_->Get("/api/orders?limit=1");
      json::value one = ParseJson(first.body).at("items").at(0);
      std::string value = Str(one, key);
      HttpResult r = api_->Get(std::string("/api/orders?limit=500&") + key + "=" + value);
      ASSERT_EQ(r.status, 200) << r.body;
      json::value v = ParseJson(r.body);
      for (const auto& item : v.at("items").as_array()) EXPECT_EQ(Str(item, key), value);
      found = v.at("items").as_array().size();
    } while (found == 0 && std::chrono::steady_clock::now() < deadline);
    EXPECT_GT(found, 0u) << key;
  }
}

TEST_F(OrdersListTest, TimeRangeFilters) {
  const std::string from = created_->at(60).created_at;
  std::set<std::string> expected_from, expected_to;
  for (const auto& c : *created_) {
    (c.created_at >= from ? expected_from : expected_to).insert(c.order_id);
  }
  std::vector<std::string> after = Walk("/api/orders?from=" + from);
  EXPECT_EQ(std::set<std::string>(after.begin(), after.end()), expected_from);
  std::vector<std::string> before = Walk("/api/orders?to=" + from);
  EXPECT_EQ(std::set<std::string>(before.begin(), before.end()), expected_to);
}

TEST_F(OrdersListTest, DashboardStatsSummariseTheStore) {
  HttpResult r = api_->Get("/api/dashboard/stats");
  ASSERT_EQ(r.status, 200) << r.body;
  json::value s = ParseJson(r.body);
  ASSERT_TRUE(s.is_object()) << r.body;
  EXPECT_EQ(s.at("totalOrders").as_int64(), kOrders);
  EXPECT_TRUE(s.at("revenue").is_number());
  EXPECT_TRUE(s.at("activeAlerts").is_int64());
  EXPECT_GE(s.at("activeAlerts").as_int64(), 0);
  double rate = s.at("fulfillmentRate").to_number<double>();
  EXPECT_GE(rate, 0.0);
  EXPECT_LE(rate, 100.0);

  const json::object& by_status = s.at("ordersByStatus").as_object();
  std::int64_t sum = 0;
  for (const char* status :
       {"pending", "flagged", "paid", "failed", "fulfilled", "shipped", "delivered", "cancelled"}) {
    ASSERT_TRUE(by_status.contains(status)) << status;
    sum += by_status.at(status).as_int64();
  }
  EXPECT_EQ(sum, kOrders);

  const json::array& recent = s.at("recentOrders").as_array();
  ASSERT_EQ(recent.size(), 50u);
  std::vector<std::string> newest = NewestFirst();
  const std::set<std::string> buckets = {"pending", "processing", "completed", "failed"};
  for (std::size_t i = 0; i < recent.size(); ++i) {
    const json::value& o = recent[i];
    EXPECT_EQ(Str(o, "orderId"), newest[i]);
    EXPECT_EQ(Str(o, "id"), Upper8(newest[i]));
    EXPECT_EQ(Str(o, "time"), "Just now");
    EXPECT_TRUE(buckets.count(Str(o, "status"))) << Str(o, "status");
    EXPECT_TRUE(o.at("amount").is_number());
    EXPECT_NE(Str(o, "customer"), "<missing>");
    EXPECT_NE(Str(o, "createdAt"), "<missing>");
  }
  EXPECT_NE(r.body.find(R"("amount":25.00)"), std::string::npos) << r.body.substr(0, 2000);

  // nextCursor continues in GET /api/orders after the 50 recent orders.
  ASSERT_TRUE(s.at("nextCursor").is_string()) << r.body.substr(0, 500);
  std::vector<std::string> rest =
      Walk("/api/orders", nullptr, std::string(s.at("nextCursor").get_string()));
  EXPECT_EQ(rest, std::vector<std::string>(newest.begin() + 50, newest.end()));
}

TEST_F(OrdersListTest, DashboardOfAnEmptyStore) {
  std::string empty = UniqueStoreId("L");
  ASSERT_FALSE(CreateStore(*server_, empty).empty());
  StoreApi api(server_->port(), server_->admin_token(), empty);
  HttpResult r = api.Get("/api/dashboard/stats");
  ASSERT_EQ(r.status, 200) << r.body;
  json::value s = ParseJson(r.body);
  EXPECT_EQ(s.at("totalOrders").as_int64(), 0);
  EXPECT_EQ(s.at("revenue").to_number<double>(), 0.0);
  EXPECT_EQ(s.at("activeAlerts").as_int64(), 0);
  EXPECT_TRUE(s.at("fulfillmentRate").is_number());
  EXPECT_TRUE(s.at("recentOrders").as_array().empty());
  EXPECT_TRUE(s.at("nextCursor").is_null());

  HttpResult list = api.Get("/api/orders");
  ASSERT_EQ(list.status, 200);
  json::value l = ParseJson(list.body);
  EXPECT_TRUE(l.at("items").as_array().empty());
  EXPECT_TRUE(l.at("nextCursor").is_null());
  EXPECT_EQ(l.at("total").as_int64(), 0);
}

TEST_F(OrdersListTest, StoresDoNotSeeEachOthersOrders) {
  StoreApi x(server_->port(), server_->admin_token(), "X");
  EXPECT_EQ(x.Get("/api/orders/" + created_->at(0).order_id).status, 404);
  EXPECT_EQ(x.Get("/api/order/tracking/" + created_->at(0).order_id).status, 404);
  std::vector<std::string> mine = NewestFirst();
  HttpResult r = x.Get("/api/orders?limit=500");
  ASSERT_EQ(r.status, 200);
  json::value listed = ParseJson(r.body);
  for (const auto& item : listed.at("items").as_array()) {
    EXPECT_EQ(Str(item, "storeId"), "X");
    EXPECT_EQ(std::find(mine.begin(), mine.end(), Str(item, "orderId")), mine.end());
  }
}

}  // namespace
}  // namespace orderflow::testing
