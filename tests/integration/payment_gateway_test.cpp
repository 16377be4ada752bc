// The http payment gateway end to end: orderflow serve talking to the real
// orderflow-payment-gateway process over loopback, including an outage of
// the payment service while orders wait in the payment step.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "support/gateway_process.hpp"
#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

std::string StatusOf(StoreApi& api, const std::string& order_id) {
  auto r = api.Get("/api/order/tracking/" + order_id);
  auto v = ParseJson(r.body);
  if (!v.is_object() || !v.as_object().contains("status")) return "";
  return std::string(v.at("status").as_string());
}

std::string WaitForStatus(StoreApi& api, const std::string& order_id,
                          const std::vector<std::string>& wanted, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string status;
  while (std::chrono::steady_clock::now() < deadline) {
    status = StatusOf(api, order_id);
    for (const auto& w : wanted) {
      if (status == w) return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return status;
}

std::string PostOrder(StoreApi& api, const std::string& token) {
  std::string body =
      R"({"customerName":"Gateway Test","items":[{"productName":"Motia Pro Headset","quantity":1}])";
  if (!token.empty()) body += R"(,"payment":{"token":")" + token + "\"}";
  body += "}";
  auto r = api.Post("/api/order", body);
  EXPECT_EQ(r.status, 201) << r.body;
  return std::string(ParseJson(r.body).at("orderId").as_string());
}

TEST(PaymentGateway, ChargesAndDeclinesThroughTheHttpService) {
  GatewayProcess gateway(GatewayBinary());
  ServerProcess server({{"--payment-gateway", gateway.url()}});
  StoreApi api(server.port(), server.admin_token(), "X");

  std::string paid = PostOrder(api, "");
  std::string declined = PostOrder(api, "tok_chargeDeclined");
  EXPECT_EQ(WaitForStatus(api, paid, {"delivered"}, std::chrono::seconds(15)), "delivered");
  EXPECT_EQ(WaitForStatus(api, declined, {"failed"}, std::chrono::seconds(15)), "failed");

  HttpClient gw(gateway.port());
  auto stats = ParseJson(gw.Get("/api/stats").body);
  EXPECT_EQ(stats.at("captured").as_int64(), 1);
}

// True once the order's payment delivery has failed at least once and waits
// for its retry.
bool PaymentIsRetrying(StoreApi& api, const std::string& order) {
  auto trace = ParseJson(api.Get("/api/orders/" + order + "/trace").body);
  if (!trace.is_object() || !trace.as_object().contains("events")) return false;
  for (const auto& e : trace.at("events").as_array()) {
    for (const auto& d : e.at("deliveries").as_array()) {
      if (d.at("step").as_string() == "payment" && d.at("attempts").as_int64() >= 1 &&
          d.at("state").as_string() == "pending") {
        return true;
      }
    }
  }
  return false;
}

TEST(PaymentGateway, OrdersWaitOutAnOutageAndAreChargedOnce) {
  // The service comes back on the same port, so the port must be one that
  // no outgoing connection can be given meanwhile.
  auto gateway = std::make_unique<GatewayProcess>(GatewayBinary(), PortOutsideEphemeralRange());
  unsigned short port = gateway->port();
  ServerProcess server({{"--payment-gateway", gateway->url()}});
  StoreApi api(server.port(), server.admin_token(), "X");
  gateway->Kill();

  std::string order = PostOrder(api, "");
  // Reserved but not paid while the payment service is down.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!PaymentIsRetrying(api, order) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(PaymentIsRetrying(api, order))
      << "the payment step should be retrying: " << api.Get("/api/orders/" + order + "/trace").body;
  EXPECT_EQ(StatusOf(api, order), "pending");

  gateway = std::make_unique<GatewayProcess>(GatewayBinary(), port);
  EXPECT_EQ(WaitForStatus(api, order, {"delivered"}, std::chrono::seconds(30)), "delivered");
  HttpClient gw(port);
  EXPECT_EQ(ParseJson(gw.Get("/api/stats").body).at("captured").as_int64(), 1);
  auto order_json = ParseJson(api.Get("/api/orders/" + order).body);
  int payments = 0;
  for (const auto& h : order_json.at("history").as_array()) {
    payments += h.at("status").as_string() == "PAYMENT_RECEIVED";
  }
  EXPECT_EQ(payments, 1);
}

}  // namespace
}  // namespace orderflow::testing
